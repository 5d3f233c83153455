import Foundation

/// Everything the registry can refuse or fail at. Each message reads as one sentence for an
/// operator and names what was wrong and where (the database path, the node, the join key,
/// the policy version).
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Opening and storage

    /// The directory that holds the database could not be made.
    case cannotCreateDirectory(path: String, reason: String)
    /// The database file could not be created, opened or given its permissions.
    case cannotOpen(path: String, reason: String)
    /// The database was written by a newer build whose migrations this build does not know.
    case schemaTooNew(path: String, unknownMigrations: [String])
    /// SQLite failed while doing `operation` (a verb phrase such as "register node \"nas\"").
    case storage(location: String, operation: String, reason: String)

    // MARK: Input

    /// A node name is not a DNS label (1–63 of `a-z`, `0-9`, `-`, not starting or ending with `-`).
    case invalidNodeName(String, reason: String)
    /// An identity public key is not `mpk:` followed by 64 hex digits.
    case invalidPublicKey(String, reason: String)
    /// A tag is not `tag:` followed by a name.
    case invalidTag(String, reason: String)
    /// A published MCP server name is empty, too long or holds characters other than
    /// `A-Z a-z 0-9 . _ -`.
    case invalidServerName(String, reason: String)
    /// An endpoint is not `host:port`.
    case invalidEndpoint(String, reason: String)
    /// A join key's secret hash is not 32 or 64 bytes of hex.
    case invalidSecretHash(reason: String)
    /// A join key id is not 4–32 of `a-z`, `0-9`, `-`, `_`.
    case invalidJoinKeyID(String, reason: String)
    /// Admin action details could not be encoded as JSON.
    case invalidDetails(action: String, reason: String)

    // MARK: Nodes

    /// No node matches the lookup; `what` reads like `id 7` or `name "nas"`.
    case nodeNotFound(what: String)
    /// Another node already has this name.
    case nodeNameTaken(String)
    /// Another node already has this identity key.
    case publicKeyTaken(key: String, node: String)
    /// The node's key has expired or an admin expired it, so it may not rotate its key.
    case nodeExpired(name: String, at: Date)
    /// An admin tried to expire a node that is already expired.
    case nodeAlreadyExpired(name: String, at: Date)

    // MARK: Join keys

    /// A node presented a join key the registry refuses.
    case joinKeyRefused(JoinKeyRefusal)
    /// No join key has this id.
    case joinKeyNotFound(id: String)
    /// A join key with this id already exists.
    case joinKeyIDTaken(id: String)
    /// A join key with the same secret already exists (the secret generator is broken).
    case joinKeySecretTaken
    /// An admin tried to revoke a join key that is already revoked.
    case joinKeyAlreadyRevoked(id: String, at: Date)

    // MARK: Policy

    /// No stored policy has this version.
    case policyVersionNotFound(Int64)
    /// A rollback named the version that is already current.
    case policyAlreadyCurrent(Int64)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create the registry directory \(path): \(reason)"
        case .cannotOpen(let path, let reason):
            return "cannot open the registry database \(path): \(reason)"
        case .schemaTooNew(let path, let unknown):
            return "the registry database \(path) was written by a newer mcpmesh-coordinator "
                + "(unknown migrations: \(unknown.joined(separator: ", "))); run that version or newer"
        case .storage(let location, let operation, let reason):
            return "the \(location) could not \(operation): \(reason)"
        case .invalidNodeName(let name, let reason):
            return "node name \(quoted(name)) is invalid: \(reason)"
        case .invalidPublicKey(let key, let reason):
            return "node key \(quoted(key)) is invalid: \(reason)"
        case .invalidTag(let tag, let reason):
            return "tag \(quoted(tag)) is invalid: \(reason)"
        case .invalidServerName(let name, let reason):
            return "MCP server name \(quoted(name)) is invalid: \(reason)"
        case .invalidEndpoint(let endpoint, let reason):
            return "endpoint \(quoted(endpoint)) is invalid: \(reason)"
        case .invalidSecretHash(let reason):
            return "the join key secret hash is invalid: \(reason)"
        case .invalidJoinKeyID(let id, let reason):
            return "join key id \(quoted(id)) is invalid: \(reason)"
        case .invalidDetails(let action, let reason):
            return "the details of admin action \(quoted(action)) cannot be stored: \(reason)"
        case .nodeNotFound(let what):
            return "no node with \(what) is registered"
        case .nodeNameTaken(let name):
            return "node name \(quoted(name)) is already taken by another node"
        case .publicKeyTaken(let key, let node):
            return "node key \(key) is already registered to node \(quoted(node))"
        case .nodeExpired(let name, let at):
            return "node \(quoted(name)) expired at \(timestamp(at)) and must join again"
        case .nodeAlreadyExpired(let name, let at):
            return "node \(quoted(name)) was already expired at \(timestamp(at))"
        case .joinKeyRefused(let refusal):
            return refusal.description
        case .joinKeyNotFound(let id):
            return "no join key has id \(quoted(id))"
        case .joinKeyIDTaken(let id):
            return "a join key with id \(quoted(id)) already exists"
        case .joinKeySecretTaken:
            return "a join key with the same secret already exists; make a new secret"
        case .joinKeyAlreadyRevoked(let id, let at):
            return "join key \(quoted(id)) was already revoked at \(timestamp(at))"
        case .policyVersionNotFound(let version):
            return "no policy version \(version) is stored"
        case .policyAlreadyCurrent(let version):
            return "policy version \(version) is already the current policy"
        }
    }
}
