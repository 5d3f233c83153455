import Foundation

/// What an admin asks for when creating a join key. The caller makes the id and the secret
/// and passes only the secret's hash.
public struct NewJoinKey: Hashable, Sendable {
    /// Short public id (4–32 of `a-z 0-9 - _`); `JoinKeyRecord.randomID(using:)` makes one.
    public var id: String
    /// Hex hash of the secret (64 or 128 hex digits).
    public var secretHash: String
    /// Tags for nodes joining with the key (`tag:NAME`).
    public var tags: [String]
    public var reusable: Bool
    public var ephemeral: Bool
    /// `nil` for a key that never expires.
    public var expiresAt: Date?

    public init(id: String, secretHash: String, tags: [String] = [], reusable: Bool = false,
                ephemeral: Bool = false, expiresAt: Date? = nil) {
        self.id = id
        self.secretHash = secretHash
        self.tags = tags
        self.reusable = reusable
        self.ephemeral = ephemeral
        self.expiresAt = expiresAt
    }
}
