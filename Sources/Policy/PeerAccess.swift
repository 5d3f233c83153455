/// What one peer may use on one server: the server's name and the tools.
public struct ServerAccess: Hashable, Sendable, CustomStringConvertible {
    /// The server's name.
    public var server: String
    /// The tools permitted on it.
    public var tools: ToolAccess

    /// Access to `tools` of `server`.
    public init(server: String, tools: ToolAccess) {
        self.server = server
        self.tools = tools
    }

    /// `files (every tool)` or `git (tools read_*)`.
    public var description: String { "\(server) (\(tools))" }
}

/// One line of a node's access view: a peer and the servers involved.
///
/// In `CompiledPolicy.inboundAccess(to:)`, `peer` may use `servers` on the node asking (what
/// that node must enforce); in `outboundAccess(from:)`, the node asking may use `servers`
/// on `peer`.
public struct PeerAccess: Hashable, Sendable, CustomStringConvertible {
    /// The other node's name.
    public var peer: String
    /// The servers, sorted by name.
    public var servers: [ServerAccess]

    /// `peer` with `servers`.
    public init(peer: String, servers: [ServerAccess]) {
        self.peer = peer
        self.servers = servers
    }

    /// `alice: files (every tool), git (tools read_*)`.
    public var description: String {
        "\(peer): " + servers.map(\.description).joined(separator: ", ")
    }
}
