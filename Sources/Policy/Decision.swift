/// The answer to "may this source use this server (or tool) on this destination?".
public enum Decision: Hashable, Sendable, CustomStringConvertible {
    /// Allowed; the grant named is the first (lowest index) that allows it.
    case allowed(by: GrantRef)
    /// Denied, and why.
    case denied(DenyReason)

    /// True for `.allowed`.
    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }

    /// `allowed by grants[0] at 7:5` or `denied: <reason>`.
    public var description: String {
        switch self {
        case .allowed(let grant): return "allowed by \(grant)"
        case .denied(let reason): return "denied: \(reason)"
        }
    }
}
