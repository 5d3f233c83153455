/// Which nodes a policy edit can affect, so that netmaps are rebuilt only for them.
extension CompiledPolicy {
    /// The nodes whose `inboundAccess` or `outboundAccess` may differ between `old` and this
    /// policy: the `src` and `dst` members of every grant whose effect (expanded selectors and
    /// `mcp` entries, not position or wording) is in one policy but not the other. Reordering
    /// grants, editing comments or adding an unused group affects no one. If the two node
    /// directories differ, every node of either is returned.
    public func nodesAffected(since old: CompiledPolicy) -> Set<String> {
        changedGrantSides(since: old, includingDestinations: true)
    }

    /// Members of the changed grants' `src` (and, if asked, `dst`) sides.
    func changedGrantSides(since old: CompiledPolicy, includingDestinations: Bool) -> Set<String> {
        if old.nodes != nodes { return Set(old.nodes.sortedNames).union(nodes.sortedNames) }
        let before = Set(old.grants.map(\.effect))
        let after = Set(grants.map(\.effect))
        var affected: Set<String> = []
        for effect in before.symmetricDifference(after) {
            effect.src.forEachMember(in: nodes) { affected.insert($0.name) }
            if includingDestinations {
                effect.dst.forEachMember(in: nodes) { affected.insert($0.name) }
            }
        }
        return affected
    }
}
