import Foundation
import MeshCrypto
import MeshWire
import Registry

/// What an admin asks for in `joinkey create`.
public struct JoinKeyOptions: Hashable, Sendable, Codable {
    /// Tags given to every node that joins with the key (each declared in the live policy).
    public var tags: [String]
    /// Whether any number of nodes may join with it (otherwise exactly one).
    public var reusable: Bool
    /// Whether its nodes are removed some time after they go away.
    public var ephemeral: Bool
    /// Seconds until the key stops working; nil for never.
    public var expiresInSeconds: Int64?

    public init(tags: [String] = [], reusable: Bool = false, ephemeral: Bool = false, expiresInSeconds: Int64? = nil) {
        self.tags = tags
        self.reusable = reusable
        self.ephemeral = ephemeral
        self.expiresInSeconds = expiresInSeconds
    }
}

/// What goes into every join key besides its secret: the coordinator's identity public key
/// (pinned by the node) and the address nodes dial.
public struct JoinKeyIssuer: Hashable, Sendable {
    public var coordinatorKey: IdentityPublicKey
    public var address: HostPort

    public init(coordinatorKey: IdentityPublicKey, address: HostPort) {
        self.coordinatorKey = coordinatorKey
        self.address = address
    }
}

/// The admin's join key commands: `joinkey create | list | revoke`.
extension CoordinatorState {
    /// Makes a join key: a fresh id and 32-byte secret, of which only the hash is stored.
    /// Returns the stored record and the key to hand out (the only time the secret exists).
    public func createJoinKey(_ options: JoinKeyOptions, issuer: JoinKeyIssuer,
                              actor: String) throws(CoordinatorError) -> (record: JoinKeyRecord, key: JoinKey) {
        try requireDeclared(options.tags)
        if let seconds = options.expiresInSeconds, seconds <= 0 {
            throw .invalidArgument(what: "the expiry", reason: "it must be in the future")
        }
        let now = clock()
        let expiresAt = options.expiresInSeconds.map { now.addingTimeInterval(TimeInterval($0)) }
        var attempts = 0
        while true {
            attempts += 1
            let secret = randomBytes(32)
            guard secret.count == 32 else {
                throw .invalidArgument(what: "the secret source", reason: "it gave \(secret.count) bytes instead of 32")
            }
            var idSource = ClosureRandom(randomBytes)
            let key = JoinKey(coordinatorKey: issuer.coordinatorKey, coordinatorAddress: issuer.address.description, secret: secret)
            let request = NewJoinKey(id: JoinKeyRecord.randomID(using: &idSource), secretHash: key.secretHash,
                                     tags: options.tags, reusable: options.reusable, ephemeral: options.ephemeral,
                                     expiresAt: expiresAt)
            do {
                let record = try registry.createJoinKey(request, actor: actor, now: now)
                logger.notice("join key created", metadata: [
                    "id": "\(record.id)", "tags": "\(record.tags)", "reusable": "\(record.reusable)",
                    "ephemeral": "\(record.ephemeral)", "expires": "\(expiresAt.map { $0.formatted(.iso8601) } ?? "never")",
                    "actor": "\(actor)",
                ])
                return (record, key)
            } catch .joinKeyIDTaken where attempts < 5 {
                continue
            } catch {
                throw .registry(error)
            }
        }
    }

    /// Every join key, oldest first.
    public func joinKeys() throws(CoordinatorError) -> [JoinKeyRecord] {
        try withRegistry { () throws(RegistryError) in try registry.joinKeys() }
    }

    /// Revokes the join key `id`; nodes that joined with it stay.
    public func revokeJoinKey(id: String, actor: String) throws(CoordinatorError) -> JoinKeyRecord {
        let record = try withRegistry { () throws(RegistryError) in
            try registry.revokeJoinKey(id: id, actor: actor, now: clock())
        }
        logger.notice("join key revoked", metadata: ["id": "\(id)", "actor": "\(actor)"])
        return record
    }
}

/// A `RandomNumberGenerator` over a byte source.
struct ClosureRandom: RandomNumberGenerator {
    let source: @Sendable (Int) -> [UInt8]

    init(_ source: @escaping @Sendable (Int) -> [UInt8]) { self.source = source }

    mutating func next() -> UInt64 {
        source(8).reduce(0) { ($0 << 8) | UInt64($1) }
    }
}
