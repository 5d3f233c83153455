/// What the policy needs to know about a node: its name, its tags, whether its key has
/// expired, and which MCP servers it publishes. The caller (the registry, the netmap
/// builder, a test) supplies these; the Policy module never looks nodes up itself.
public struct PolicyNode: Hashable, Sendable {
    /// The node's unique name, e.g. `nas-1`; `node:nas-1` selects it.
    public var name: String
    /// The tags the node holds, with their prefix, e.g. `["tag:nas"]`.
    public var tags: Set<String>
    /// True when the node's key has expired or an admin expired it: it may neither use nor
    /// serve anything.
    public var expired: Bool
    /// The names of the MCP servers the node publishes, e.g. `["files", "git"]`.
    public var servers: [String]

    /// A node named `name` holding `tags` and publishing `servers`.
    public init(name: String, tags: Set<String> = [], expired: Bool = false, servers: [String] = []) {
        self.name = name
        self.tags = tags
        self.expired = expired
        self.servers = servers
    }
}
