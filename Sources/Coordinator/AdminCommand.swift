/// One request an admin command makes of the running coordinator over `DIR/admin.sock`.
/// Its wire name (`joinkey.create`, …) and arguments are documented in docs/cli.md, "Admin
/// socket protocol".
public enum AdminCommand: Hashable, Sendable {
    case status
    case joinKeyCreate(JoinKeyOptions)
    case joinKeyList
    case joinKeyRevoke(id: String)
    case nodesList
    case nodesTag(node: String, tags: [String])
    case nodesExpire(node: String)
    case nodesRemove(node: String)
    /// The live policy, or one stored version.
    case policyGet(version: Int64?)
    /// `file` is the name problems are reported under.
    case policyCheck(text: String, file: String)
    case policySet(text: String, file: String)
    case policyHistory
    case policyRollback(version: Int64)
    case policyExplain(source: String, target: String)

    /// Every wire name, for error messages and docs.
    public static let names = [
        "status", "joinkey.create", "joinkey.list", "joinkey.revoke", "nodes.list", "nodes.tag",
        "nodes.expire", "nodes.remove", "policy.get", "policy.check", "policy.set", "policy.history",
        "policy.rollback", "policy.explain",
    ]

    /// The wire name.
    public var name: String {
        switch self {
        case .status: return "status"
        case .joinKeyCreate: return "joinkey.create"
        case .joinKeyList: return "joinkey.list"
        case .joinKeyRevoke: return "joinkey.revoke"
        case .nodesList: return "nodes.list"
        case .nodesTag: return "nodes.tag"
        case .nodesExpire: return "nodes.expire"
        case .nodesRemove: return "nodes.remove"
        case .policyGet: return "policy.get"
        case .policyCheck: return "policy.check"
        case .policySet: return "policy.set"
        case .policyHistory: return "policy.history"
        case .policyRollback: return "policy.rollback"
        case .policyExplain: return "policy.explain"
        }
    }

    /// Whether the command changes the registry (such commands are logged at notice level).
    public var isWrite: Bool {
        switch self {
        case .joinKeyCreate, .joinKeyRevoke, .nodesTag, .nodesExpire, .nodesRemove, .policySet, .policyRollback:
            return true
        case .status, .joinKeyList, .nodesList, .policyGet, .policyCheck, .policyHistory, .policyExplain:
            return false
        }
    }
}
