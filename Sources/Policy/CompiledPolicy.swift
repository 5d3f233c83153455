/// A validated policy compiled against a node directory: groups expanded, grants indexed by
/// the tags and nodes they select. Evaluation (`may`, `explain`), the per-node views
/// (`inboundAccess`, `outboundAccess`), the policy's own tests (`runTests`) and `PolicyDiff`
/// all work on this form. Pure: no I/O, no clock.
public struct CompiledPolicy: Sendable {
    /// The policy as written.
    public let file: PolicyFile
    /// The nodes it is evaluated against.
    public private(set) var nodes: NodeDirectory
    let grants: [CompiledGrant]
    let sourceIndex: GrantIndex
    let destinationIndex: GrantIndex

    /// Compiles `file` against `nodes`. Cannot fail: `file` is already valid.
    public init(_ file: PolicyFile, nodes: NodeDirectory) {
        self.file = file
        self.nodes = nodes
        var groups: [String: [PolicySelector]] = [:]
        for group in file.groups { groups[group.name] = group.members.map(\.value) }
        grants = file.grants.map { grant in
            CompiledGrant(ref: grant.ref,
                          src: NodeSet(grant.src.map(\.value), groups: groups),
                          dst: NodeSet(grant.dst.map(\.value), groups: groups),
                          rules: grant.mcp.map(\.value),
                          srcText: grant.src.map(\.value.description),
                          dstText: grant.dst.map(\.value.description))
        }
        sourceIndex = GrantIndex(grants.map(\.src))
        destinationIndex = GrantIndex(grants.map(\.dst))
    }

    /// Parses, validates and compiles `text`, then runs its tests against `nodes`; throws
    /// every problem (or every failed test) at once. This is what `policy check` and the
    /// first half of `policy set` do.
    public static func check(_ text: String, nodes: NodeDirectory) throws(PolicyErrors) -> CompiledPolicy {
        let policy = CompiledPolicy(try PolicyFile.parse(text), nodes: nodes)
        let report = policy.runTests()
        guard report.failures.isEmpty else { throw PolicyErrors(report.failures.map(PolicyError.testFailed)) }
        return policy
    }

    /// Adds or replaces one node; the grants need no recompiling.
    public mutating func upsert(_ node: PolicyNode) { nodes.upsert(node) }

    /// Removes one node, returning it if it was there.
    @discardableResult
    public mutating func removeNode(named name: String) -> PolicyNode? { nodes.remove(named: name) }

    /// The grant `ref` names, as written.
    public func grant(_ ref: GrantRef) -> PolicyGrant? {
        file.grants.indices.contains(ref.index) ? file.grants[ref.index] : nil
    }
}
