/// What a policy test or an `explain` query asks about: `PEER/SERVER` (may a session to the
/// server be opened at all) or `PEER/SERVER/TOOL` (may that tool be called).
public struct AccessTarget: Hashable, Sendable, CustomStringConvertible {
    /// The destination node's name.
    public var peer: String
    /// The MCP server's name on that node.
    public var server: String
    /// The tool's name, or nil to ask about the server as a whole.
    public var tool: String?

    /// A target naming `peer`, `server` and optionally `tool`.
    public init(peer: String, server: String, tool: String? = nil) {
        self.peer = peer
        self.server = server
        self.tool = tool
    }

    /// Reads `PEER/SERVER` or `PEER/SERVER/TOOL`; nil when `text` is neither.
    public init?(_ text: String) {
        guard case .success(let target) = Self.parse(text) else { return nil }
        self = target
    }

    /// Reads `PEER/SERVER[/TOOL]` or says why it cannot.
    static func parse(_ text: String) -> Result<AccessTarget, SyntaxProblem> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            return .failure(SyntaxProblem("write PEER/SERVER or PEER/SERVER/TOOL"))
        }
        if let problem = NameSyntax.problem(in: parts[0]) {
            return .failure(SyntaxProblem("the peer name is not valid: \(problem)"))
        }
        if let problem = NameSyntax.problem(in: parts[1]) {
            return .failure(SyntaxProblem("the server name is not valid: \(problem)"))
        }
        guard parts.count == 3 else { return .success(AccessTarget(peer: parts[0], server: parts[1])) }
        let tool = parts[2]
        if let problem = ToolGlob.problem(in: tool) {
            return .failure(SyntaxProblem("the tool name is not valid: \(problem)"))
        }
        if tool.contains("*") || tool.contains("?") {
            return .failure(SyntaxProblem("name one tool, not a glob"))
        }
        return .success(AccessTarget(peer: parts[0], server: parts[1], tool: tool))
    }

    /// `peer/server` or `peer/server/tool`.
    public var description: String {
        guard let tool else { return "\(peer)/\(server)" }
        return "\(peer)/\(server)/\(tool)"
    }
}
