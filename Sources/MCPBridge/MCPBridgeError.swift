/// Every problem the MCP bridge reports: malformed framing or JSON on a stream, a bad
/// `mcpServers` config, and upstream servers that cannot be started or reached.
///
/// Each case carries *where* (a byte offset in a message, a line and column in a config file,
/// the server name and field) and its `description` reads as one sentence for an operator.
/// Nothing in this module traps on input from a peer, an upstream server or a config file.
public enum MCPBridgeError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Framing and JSON on a stream

    /// A message grew past `limit` bytes before its newline arrived.
    case messageTooLarge(limit: Int)
    /// The bytes of a message are not one strict JSON text: `reason` at byte `offset`.
    case invalidJSON(offset: Int, reason: String)
    /// Well-formed JSON that is not a JSON-RPC 2.0 message: `reason` says what is wrong.
    case invalidMessage(reason: String)

    // MARK: Config

    /// The config text is not strict JSON (`reason`), at `line`:`column`.
    case configSyntax(line: Int, column: Int, reason: String)
    /// `field` of `server` (or of the config itself when `server` is nil) is wrong.
    case configField(server: String?, field: String, line: Int, column: Int, reason: String)

    // MARK: Upstreams and sessions

    /// The stdio server `server` could not be started: `reason`.
    case launchFailed(server: String, reason: String)
    /// A message could not be delivered to or read from `server`: `reason`.
    case upstreamFailed(server: String, reason: String)
    /// The transport was used before `connect()` or after it was closed.
    case notConnected(what: String)
    /// A stream or file operation failed: `reason`.
    case io(what: String, reason: String)

    public var description: String {
        switch self {
        case .messageTooLarge(let limit):
            return "a message exceeds the \(limit)-byte limit before its end of line"
        case .invalidJSON(let offset, let reason):
            return "invalid JSON at byte \(offset): \(reason)"
        case .invalidMessage(let reason):
            return "not a JSON-RPC 2.0 message: \(reason)"
        case .configSyntax(let line, let column, let reason):
            return "\(line):\(column): \(reason)"
        case .configField(let server, let field, let line, let column, let reason):
            let owner = server.map { "server \"\($0)\"" } ?? "the config"
            return "\(line):\(column): \(owner), field \"\(field)\": \(reason)"
        case .launchFailed(let server, let reason):
            return "cannot start MCP server \"\(server)\": \(reason)"
        case .upstreamFailed(let server, let reason):
            return "MCP server \"\(server)\": \(reason)"
        case .notConnected(let what):
            return "\(what) is not connected"
        case .io(let what, let reason):
            return "\(what): \(reason)"
        }
    }
}
