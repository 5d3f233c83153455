/// The actions the registry itself records in the audit trail. Callers may record others
/// with `Registry.recordAdminAction`.
public enum AdminActionName: String, Sendable, CaseIterable {
    case nodeRegister = "node.register"
    case nodeTag = "node.tag"
    case nodeExpire = "node.expire"
    case nodeRemove = "node.remove"
    case nodeRotateKey = "node.rotate-key"
    case nodeRemoveEphemeral = "node.remove-ephemeral"
    case joinKeyCreate = "joinkey.create"
    case joinKeyRevoke = "joinkey.revoke"
    case policySet = "policy.set"
    case policyRollback = "policy.rollback"
}
