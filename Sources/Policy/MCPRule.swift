/// One entry of a grant's `"mcp"` list: which servers, and which of their tools.
///
/// | Entry        | Servers          | Tools                 |
/// |--------------|------------------|-----------------------|
/// | `"files"`    | `files`          | every tool            |
/// | `"git:read_*"` | `git`          | names matching `read_*` |
/// | `"*"`        | every server     | every tool            |
/// | `"*:read_*"` | every server     | names matching `read_*` |
///
/// `"git:*"` is the same as `"git"`.
public struct MCPRule: Hashable, Sendable, CustomStringConvertible {
    /// Which servers an entry covers.
    public enum Server: Hashable, Sendable {
        /// Every server the destination publishes.
        case any
        /// The server with exactly this name.
        case named(String)
    }

    /// The servers covered.
    public var server: Server
    /// The tools covered on those servers; nil means every tool.
    public var tools: ToolGlob?

    /// A rule covering `server` and, when given, only tools matching `tools`.
    public init(server: Server, tools: ToolGlob? = nil) {
        self.server = server
        self.tools = (tools?.matchesEverything ?? false) ? nil : tools
    }

    /// Reads an `"mcp"` entry. Problems with the tool part come back with `inToolGlob` set so
    /// they can be reported as bad globs.
    static func parse(_ text: String) -> Result<MCPRule, SyntaxProblem> {
        let serverPart: Substring
        var toolPart: Substring?
        if let colon = text.firstIndex(of: ":") {
            serverPart = text[..<colon]
            toolPart = text[text.index(after: colon)...]
        } else {
            serverPart = Substring(text)
        }
        let server: Server
        if serverPart == "*" {
            server = .any
        } else if serverPart.isEmpty {
            return .failure(SyntaxProblem("the server name before \":\" is empty"))
        } else if let problem = NameSyntax.problem(in: String(serverPart)) {
            let hint = serverPart.contains("*") || serverPart.contains("?")
                ? "server names cannot be globs (only \"*\" alone means every server)" : problem
            return .failure(SyntaxProblem(hint))
        } else {
            server = .named(String(serverPart))
        }
        guard let toolPart else { return .success(MCPRule(server: server)) }
        if let problem = ToolGlob.problem(in: String(toolPart)) {
            return .failure(SyntaxProblem(problem, inToolGlob: true))
        }
        return .success(MCPRule(server: server, tools: ToolGlob(String(toolPart))))
    }

    /// True when this rule covers `server` (for some of its tools at least).
    public func covers(server name: String) -> Bool {
        switch server {
        case .any: return true
        case .named(let n): return n == name
        }
    }

    /// True when this rule covers `server` and, if `tool` is given, that tool.
    /// With `tool == nil` the question is "may a session to the server be opened at all".
    public func permits(server name: String, tool: String?) -> Bool {
        guard covers(server: name) else { return false }
        guard let tool, let tools else { return true }
        return tools.matches(tool)
    }

    /// The entry as written canonically: `files`, `git:read_*`, `*`, `*:read_*`.
    public var description: String {
        let s: String
        switch server {
        case .any: s = "*"
        case .named(let n): s = n
        }
        guard let tools else { return s }
        return s + ":" + tools.pattern
    }
}
