import Policy

/// The policy and nodes most tests share: the design's example, extended.
enum Fixtures {
    static let policy = """
    {
      // tags that may be assigned to nodes
      "tags": ["tag:laptop", "tag:nas", "tag:gpu", "tag:ci"],
      "groups": {
        "group:clients": ["tag:laptop", "node:alice-desktop"],
        "group:everyone": ["group:clients", "tag:ci"],
      },
      "grants": [
        { "src": ["group:clients"], "dst": ["tag:nas"], "mcp": ["files", "git:read_*"] },
        { "src": ["tag:laptop"], "dst": ["tag:gpu"], "mcp": ["*"] },
        { "src": ["tag:ci"], "dst": ["node:nas-1"], "mcp": ["git:get_?"] },
      ],
      "tests": [
        { "src": "node:alice-desktop", "allow": ["nas-1/files/read_file"], "deny": ["nas-1/git/write_file"] },
        { "src": "tag:laptop", "allow": ["gpu-1/llama", "nas-2/files"], "deny": ["ci-1/llama"] },
      ],
    }
    """

    static let nodes = NodeDirectory([
        PolicyNode(name: "alice-desktop"),
        PolicyNode(name: "laptop-1", tags: ["tag:laptop"]),
        PolicyNode(name: "old-laptop", tags: ["tag:laptop"], expired: true),
        PolicyNode(name: "nas-1", tags: ["tag:nas"], servers: ["files", "git"]),
        PolicyNode(name: "nas-2", tags: ["tag:nas"], servers: ["files"]),
        PolicyNode(name: "gpu-1", tags: ["tag:gpu"], servers: ["llama", "files"]),
        PolicyNode(name: "ci-1", tags: ["tag:ci"], servers: ["llama"]),
    ])

    /// The grant references of `policy`, by index.
    static let grant0 = GrantRef(index: 0, location: SourceLocation(line: 9, column: 5))
    static let grant1 = GrantRef(index: 1, location: SourceLocation(line: 10, column: 5))
    static let grant2 = GrantRef(index: 2, location: SourceLocation(line: 11, column: 5))

    static func compiled(_ text: String = policy, nodes: NodeDirectory = nodes) throws -> CompiledPolicy {
        CompiledPolicy(try PolicyFile.parse(text), nodes: nodes)
    }

    /// The errors `PolicyFile.parse(text)` throws, or [] when it parses.
    static func errors(_ text: String) -> [PolicyError] {
        do {
            _ = try PolicyFile.parse(text)
            return []
        } catch {
            return error.errors
        }
    }
}

func loc(_ line: Int, _ column: Int) -> SourceLocation { SourceLocation(line: line, column: column) }
