/// What a peer may do with one MCP server on this node, as the netmap's `inbound` section
/// says (server name → tool globs, `["*"]` for every tool).
///
/// Any grant opens the server: initialize, ping, resources, prompts, completions and
/// notifications pass. Tools are narrowed to the grant: `tools/list` shows only permitted
/// tools and `tools/call` of any other tool is refused. No grant at all means no session.
public enum ToolGrant: Hashable, Sendable, CustomStringConvertible {
    /// Every tool of the server.
    case allTools
    /// Only tools whose names match one of these patterns (possibly none).
    case tools([ToolPattern])

    /// The grant the netmap's globs describe: every tool when one glob is only `*`s,
    /// otherwise the listed patterns.
    public init(globs: [String]) {
        let patterns = globs.map(ToolPattern.init)
        self = patterns.contains(where: \.matchesEverything) ? .allTools : .tools(patterns)
    }

    /// True when the peer may see and call `tool`.
    public func permits(_ tool: String) -> Bool {
        switch self {
        case .allTools: return true
        case .tools(let patterns): return patterns.contains { $0.matches(tool) }
        }
    }

    /// `every tool` or `tools read_*, list_*`.
    public var description: String {
        switch self {
        case .allTools: return "every tool"
        case .tools(let patterns) where patterns.isEmpty: return "no tools"
        case .tools(let patterns): return "tools " + patterns.map(\.pattern).joined(separator: ", ")
        }
    }
}
