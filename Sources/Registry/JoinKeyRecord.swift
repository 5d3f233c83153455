import Foundation
import GRDB

/// One row of `join_keys`: a key an admin made so nodes can join. The secret itself is never
/// stored, only its hash (computed by the caller), and lookups compare hashes.
public struct JoinKeyRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "join_keys"

    /// Short random public id, shown by `joinkey list` and used by `joinkey revoke`.
    public internal(set) var id: String
    /// Lowercase hex hash of the secret (SHA-256 or BLAKE2b, chosen by the caller).
    public internal(set) var secretHash: String
    /// Tags given to every node that joins with this key (sorted; stored as JSON text).
    public internal(set) var tags: [String]
    /// Whether the key may register any number of nodes (otherwise exactly one).
    public internal(set) var reusable: Bool
    /// Whether nodes that join with this key are removed some time after they go away.
    public internal(set) var ephemeral: Bool
    /// When the key stops working; `nil` for never.
    public internal(set) var expiresAt: Date?
    /// When an admin revoked the key; `nil` while it is not revoked.
    public internal(set) var revokedAt: Date?
    public internal(set) var createdAt: Date
    /// How many nodes have registered with the key.
    public internal(set) var useCount: Int64
    public internal(set) var lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case secretHash = "secret_hash"
        case tags, reusable, ephemeral
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case createdAt = "created_at"
        case useCount = "use_count"
        case lastUsedAt = "last_used_at"
    }

    /// Column names, for GRDB requests.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let secretHash = Column(CodingKeys.secretHash)
        public static let createdAt = Column(CodingKeys.createdAt)
    }

    /// Why the key would be refused at `now`, or `nil` if a node may register with it.
    /// Revocation is reported first, then expiry, then a used-up single-use key.
    public func refusal(at now: Date) -> JoinKeyRefusal? {
        if let revokedAt { return .revoked(id: id, at: revokedAt) }
        if let expiresAt, expiresAt <= now { return .expired(id: id, at: expiresAt) }
        if !reusable && useCount >= 1 { return .alreadyUsed(id: id, at: lastUsedAt) }
        return nil
    }

    /// A fresh id of 12 characters from an alphabet without look-alikes (no 0/o, 1/l).
    public static func randomID(using generator: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
