/// A grant with its groups expanded, ready to evaluate.
struct CompiledGrant: Hashable, Sendable {
    var ref: GrantRef
    var src: NodeSet
    var dst: NodeSet
    var rules: [MCPRule]
    /// The selectors as written, for messages.
    var srcText: [String]
    var dstText: [String]

    /// What the grant does, without where it is written: two grants with equal effects give
    /// exactly the same access.
    var effect: Effect { Effect(src: src, dst: dst, rules: Set(rules)) }

    struct Effect: Hashable, Sendable {
        var src: NodeSet
        var dst: NodeSet
        var rules: Set<MCPRule>
    }

    /// True when some rule covers `server` and, if given, `tool`.
    func permits(server: String, tool: String?) -> Bool {
        rules.contains { $0.permits(server: server, tool: tool) }
    }

    /// True when some rule covers `server` at all.
    func covers(server: String) -> Bool {
        rules.contains { $0.covers(server: server) }
    }
}
