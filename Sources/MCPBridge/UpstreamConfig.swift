import Foundation

/// How to reach one MCP server this node publishes, as an `mcpServers` entry describes it.
public enum UpstreamConfig: Sendable, Hashable {
    /// A local server the bridge starts as a child process and speaks to over stdio.
    case stdio(StdioServerConfig)
    /// A Streamable HTTP server the bridge reaches at a URL.
    case http(HTTPServerConfig)

    /// The server's name (its key under `mcpServers`).
    public var name: String {
        switch self {
        case .stdio(let config): return config.name
        case .http(let config): return config.name
        }
    }
}

/// A stdio MCP server: `{"command": "...", "args": [...], "env": {...}}`, optionally `cwd`.
public struct StdioServerConfig: Sendable, Hashable {
    /// The server's name.
    public var name: String
    /// The program: a path, or a name looked up in `PATH` (of the child's environment).
    public var command: String
    /// Its arguments.
    public var args: [String]
    /// Variables set for it, over the minimal base environment.
    public var env: [String: String]
    /// The directory it runs in; the agent's own when nil.
    public var cwd: String?

    /// A stdio server with every field given.
    public init(name: String, command: String, args: [String] = [], env: [String: String] = [:], cwd: String? = nil) {
        self.name = name
        self.command = command
        self.args = args
        self.env = env
        self.cwd = cwd
    }

    /// The child's environment: `base` (see `minimalEnvironment(from:)`) with `env` over it.
    public func environment(base: [String: String]) -> [String: String] {
        base.merging(env) { _, configured in configured }
    }

    /// The variables a child inherits from the agent's environment: what programs need to
    /// find their tools, home and locale, and nothing else (no tokens or keys the agent's
    /// own environment may hold). The executable reads its environment and passes it here;
    /// nothing below the executables reads the process environment.
    public static let inheritedVariables: [String] = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR", "TZ",
    ]

    /// The minimal base environment for a child, taken from `environment`.
    public static func minimalEnvironment(from environment: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for key in inheritedVariables {
            if let value = environment[key] { result[key] = value }
        }
        if result["PATH"] == nil { result["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        return result
    }
}

/// A Streamable HTTP MCP server: `{"url": "https://…/mcp", "headers": {...}}`.
public struct HTTPServerConfig: Sendable, Hashable {
    /// The server's name.
    public var name: String
    /// The server's MCP endpoint.
    public var url: URL
    /// Headers sent with every request (for example `Authorization`).
    public var headers: [String: String]

    /// An HTTP server with every field given.
    public init(name: String, url: URL, headers: [String: String] = [:]) {
        self.name = name
        self.url = url
        self.headers = headers
    }
}
