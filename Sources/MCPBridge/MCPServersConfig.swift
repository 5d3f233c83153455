import Foundation

/// The node's published servers, in the `mcpServers` shape MCP clients already use, so
/// that users paste what they have:
///
/// ```json
/// {
///   "mcpServers": {
///     "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv"],
///                "env": { "NODE_ENV": "production" } },
///     "search": { "url": "http://127.0.0.1:8080/mcp", "headers": { "Authorization": "Bearer …" } }
///   }
/// }
/// ```
///
/// Parsing is strict JSON. Every problem names the server and the field, with the line and
/// column where it is: unknown fields are refused (a misspelt `"argz"` must not be ignored),
/// as are wrong types, empty commands, bad URLs and names the policy could not refer to. An
/// optional `"type"` (`stdio`, `http`, `streamable-http`) is accepted as clients write it;
/// the legacy `sse` transport is refused with a hint.
public struct MCPServersConfig: Sendable, Hashable {
    /// The servers by name.
    public var servers: [String: UpstreamConfig]

    /// A config holding `servers`.
    public init(servers: [String: UpstreamConfig]) { self.servers = servers }

    /// The server names, sorted: what the node announces to the coordinator.
    public var names: [String] { servers.keys.sorted() }

    /// Parses a config file's bytes.
    public static func parse(_ data: Data) throws(MCPBridgeError) -> MCPServersConfig {
        let bytes = data.startIndex == 0 ? data : Data(data)
        return try JSONRPCMessage.scanning(bytes) { scanner throws(MCPBridgeError) in
            try ConfigReader(scanner: scanner).config()
        }
    }
}

/// Reads an `mcpServers` document with a scanner, turning offsets into line:column.
private struct ConfigReader {
    let scanner: JSONScanner

    static let stdioFields = ["type", "command", "args", "env", "cwd"]
    static let httpFields = ["type", "url", "headers"]

    func config() throws(MCPBridgeError) -> MCPServersConfig {
        let document = try located { () throws(MCPBridgeError) in try scanner.document() }
        guard scanner.kind(of: document) == .object else {
            throw fieldError(nil, "mcpServers", at: document.lowerBound, "the config must be a JSON object with a \"mcpServers\" object")
        }
        let top = try located { () throws(MCPBridgeError) in try scanner.members(of: document) }
        for member in top where member.key != "mcpServers" {
            throw fieldError(nil, member.key, at: member.keyOffset, "unknown field; the config holds only \"mcpServers\"")
        }
        guard let servers = top.first(where: { $0.key == "mcpServers" }) else {
            throw fieldError(nil, "mcpServers", at: document.lowerBound, "missing; the config must have a \"mcpServers\" object")
        }
        guard scanner.kind(of: servers.value) == .object else {
            throw fieldError(nil, "mcpServers", at: servers.value.lowerBound, "must be an object of server name → server")
        }
        var result: [String: UpstreamConfig] = [:]
        for entry in try located({ () throws(MCPBridgeError) in try scanner.members(of: servers.value) }) {
            if let problem = Self.nameProblem(entry.key) {
                throw fieldError(entry.key, "name", at: entry.keyOffset, problem)
            }
            result[entry.key] = try server(named: entry.key, entry.value)
        }
        return MCPServersConfig(servers: result)
    }

    private func server(named name: String, _ range: Range<Int>) throws(MCPBridgeError) -> UpstreamConfig {
        guard scanner.kind(of: range) == .object else {
            throw fieldError(name, "(server)", at: range.lowerBound, "must be an object with \"command\" or \"url\"")
        }
        let members = try located { () throws(MCPBridgeError) in try scanner.members(of: range) }
        var fields: [String: JSONScanner.Member] = [:]
        for member in members { fields[member.key] = member }
        let declared = try fields["type"].map { member throws(MCPBridgeError) in try string(name, member) }
        let main: JSONScanner.Member
        let isHTTP: Bool
        switch (fields["command"], fields["url"]) {
        case (.some, .some(let url)):
            throw fieldError(name, "url", at: url.keyOffset, "a server has either \"command\" (stdio) or \"url\" (Streamable HTTP), not both")
        case (.none, .none):
            throw fieldError(name, "command", at: range.lowerBound, "missing; a server needs \"command\" (stdio) or \"url\" (Streamable HTTP)")
        case (.some(let command), .none): (main, isHTTP) = (command, false)
        case (.none, .some(let url)): (main, isHTTP) = (url, true)
        }
        if let declared, let type = fields["type"] {
            switch declared {
            case "stdio" where !isHTTP, "http" where isHTTP, "streamable-http" where isHTTP, "streamableHttp" where isHTTP:
                break
            case "sse":
                throw fieldError(name, "type", at: type.value.lowerBound, "the legacy SSE transport is not supported; use the server's Streamable HTTP endpoint (usually …/mcp)")
            case "stdio", "http", "streamable-http", "streamableHttp":
                throw fieldError(name, "type", at: type.value.lowerBound, "\"\(declared)\" does not match a server with \"\(isHTTP ? "url" : "command")\"")
            default:
                throw fieldError(name, "type", at: type.value.lowerBound, "unknown type \"\(declared)\"; use \"stdio\" or \"http\"")
            }
        }
        let allowed = isHTTP ? Self.httpFields : Self.stdioFields
        for member in members where !allowed.contains(member.key) {
            throw fieldError(name, member.key, at: member.keyOffset,
                             "unknown field for a \(isHTTP ? "Streamable HTTP" : "stdio") server; allowed: \(allowed.joined(separator: ", "))")
        }
        return isHTTP ? try http(name, url: main, fields) : try stdio(name, command: main, fields)
    }

    private func stdio(_ name: String, command commandField: JSONScanner.Member,
                       _ fields: [String: JSONScanner.Member]) throws(MCPBridgeError) -> UpstreamConfig {
        let command = try string(name, commandField)
        guard !command.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw fieldError(name, "command", at: commandField.value.lowerBound, "must not be empty")
        }
        var args: [String] = []
        if let field = fields["args"] {
            guard scanner.kind(of: field.value) == .array else {
                throw fieldError(name, "args", at: field.value.lowerBound, "must be an array of strings")
            }
            for element in try located({ () throws(MCPBridgeError) in try scanner.elements(of: field.value) }) {
                guard scanner.kind(of: element) == .string else {
                    throw fieldError(name, "args", at: element.lowerBound, "must be an array of strings")
                }
                args.append(try located { () throws(MCPBridgeError) in try scanner.string(in: element) })
            }
        }
        let env = try stringMap(name, fields["env"]) { key in
            key.isEmpty || key.contains("=") || key.contains("\0") ? "variable names must be non-empty, without \"=\"" : nil
        }
        let cwd = try fields["cwd"].map { member throws(MCPBridgeError) in try string(name, member) }
        return .stdio(StdioServerConfig(name: name, command: command, args: args, env: env, cwd: cwd))
    }

    private func http(_ name: String, url urlField: JSONScanner.Member,
                      _ fields: [String: JSONScanner.Member]) throws(MCPBridgeError) -> UpstreamConfig {
        let text = try string(name, urlField)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw fieldError(name, "url", at: urlField.value.lowerBound, "must be an absolute http:// or https:// URL, not \"\(text)\"")
        }
        let headers = try stringMap(name, fields["headers"]) { key in
            key.isEmpty || !key.unicodeScalars.allSatisfy(Self.isTokenScalar) ? "\"\(key)\" is not a valid header name" : nil
        }
        return .http(HTTPServerConfig(name: name, url: url, headers: headers))
    }

    // MARK: - Values

    private func string(_ server: String, _ member: JSONScanner.Member) throws(MCPBridgeError) -> String {
        guard scanner.kind(of: member.value) == .string else {
            throw fieldError(server, member.key, at: member.value.lowerBound, "must be a string")
        }
        return try located { () throws(MCPBridgeError) in try scanner.string(in: member.value) }
    }

    private func stringMap(_ server: String, _ member: JSONScanner.Member?,
                           keyProblem: (String) -> String?) throws(MCPBridgeError) -> [String: String] {
        guard let member else { return [:] }
        guard scanner.kind(of: member.value) == .object else {
            throw fieldError(server, member.key, at: member.value.lowerBound, "must be an object of string values")
        }
        var result: [String: String] = [:]
        for entry in try located({ () throws(MCPBridgeError) in try scanner.members(of: member.value) }) {
            if let problem = keyProblem(entry.key) {
                throw fieldError(server, "\(member.key).\(entry.key)", at: entry.keyOffset, problem)
            }
            guard scanner.kind(of: entry.value) == .string else {
                throw fieldError(server, "\(member.key).\(entry.key)", at: entry.value.lowerBound, "must be a string")
            }
            let value = try located { () throws(MCPBridgeError) in try scanner.string(in: entry.value) }
            if member.key == "headers", value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
                throw fieldError(server, "\(member.key).\(entry.key)", at: entry.value.lowerBound, "header values must not contain line breaks")
            }
            result[entry.key] = value
        }
        return result
    }

    // MARK: - Errors

    private func fieldError(_ server: String?, _ field: String, at offset: Int, _ reason: String) -> MCPBridgeError {
        let (line, column) = scanner.lineAndColumn(of: offset)
        return .configField(server: server, field: field, line: line, column: column, reason: reason)
    }

    /// Turns a syntax error's byte offset into line:column.
    private func located(_ error: MCPBridgeError) -> MCPBridgeError {
        guard case .invalidJSON(let offset, let reason) = error else { return error }
        let (line, column) = scanner.lineAndColumn(of: offset)
        return .configSyntax(line: line, column: column, reason: reason)
    }

    private func located<T>(_ body: () throws(MCPBridgeError) -> T) throws(MCPBridgeError) -> T {
        do { return try body() } catch { throw located(error) }
    }

    /// Why `name` cannot name a server (the policy's rule for names), or nil.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "a server name must not be empty" }
        if name.utf8.count > 128 { return "server names are at most 128 characters" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": continue
            default: return "server names may contain only letters, digits, \"-\", \"_\" and \".\", so the policy can name them"
            }
        }
        return nil
    }

    private static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": return true
        default: return false
        }
    }
}
