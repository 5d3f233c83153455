/// One entry of `"grants"`: nodes matching `src` may use, on nodes matching `dst`, the
/// servers and tools that `mcp` lists.
public struct PolicyGrant: Hashable, Sendable, CustomStringConvertible {
    /// Which grant this is and where it is written.
    public var ref: GrantRef
    /// Who may use the servers.
    public var src: [Located<PolicySelector>]
    /// Whose servers they may use.
    public var dst: [Located<PolicySelector>]
    /// Which servers and tools.
    public var mcp: [Located<MCPRule>]

    /// `{src: group:clients, dst: tag:nas, mcp: files, git:read_*}`.
    public var description: String {
        func list<T>(_ items: [Located<T>]) -> String { items.map { "\($0.value)" }.joined(separator: ", ") }
        return "{src: \(list(src)), dst: \(list(dst)), mcp: \(list(mcp))}"
    }
}
