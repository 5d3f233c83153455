import Policy

/// After a policy edit, a set of nodes ("hubs") such that every pair of nodes whose access
/// may have changed has at least one end in it. Recomputing the hubs' views and patching
/// their peers' views from them brings every view up to date.
///
/// A pair's access can change only through a grant whose effect (its `src` and `dst` with
/// groups expanded, and its `mcp` entries) is in one policy but not the other: the same
/// test as `CompiledPolicy.nodesAffected(since:)`. Of each such grant, only the smaller side
/// is taken: a grant from `node:alice` to `tag:nas` makes alice the hub, not every nas.
enum PolicyEditHubs {
    /// The names of the hub nodes for replacing `old` by `new` over `nodes`.
    static func hubs(from old: PolicyFile, to new: PolicyFile, nodes: NodeDirectory) -> Set<String> {
        let before = Set(effects(of: old))
        let after = Set(effects(of: new))
        var hubs: Set<String> = []
        for effect in before.symmetricDifference(after) {
            let smaller = effect.src.estimatedCount(in: nodes) <= effect.dst.estimatedCount(in: nodes) ? effect.src : effect.dst
            smaller.forEachName(in: nodes) { hubs.insert($0) }
        }
        return hubs
    }

    /// A grant with its groups expanded: what it does, not where it is written.
    struct Effect: Hashable {
        var src: Members
        var dst: Members
        var rules: Set<MCPRule>
    }

    /// The nodes a list of selectors stands for.
    struct Members: Hashable {
        var everyNode = false
        var tags: Set<String> = []
        var names: Set<String> = []

        /// At least as many as the members (a node holding two of the tags counts twice).
        func estimatedCount(in nodes: NodeDirectory) -> Int {
            everyNode ? nodes.count : names.count + tags.reduce(0) { $0 + nodes.names(withTag: $1).count }
        }

        func forEachName(in nodes: NodeDirectory, _ body: (String) -> Void) {
            if everyNode {
                nodes.sortedNames.forEach(body)
                return
            }
            names.forEach(body)
            for tag in tags { nodes.names(withTag: tag).forEach(body) }
        }
    }

    static func effects(of file: PolicyFile) -> [Effect] {
        var groups: [String: [PolicySelector]] = [:]
        for group in file.groups { groups[group.name] = group.members.map(\.value) }
        return file.grants.map { grant in
            Effect(src: expand(grant.src.map(\.value), groups), dst: expand(grant.dst.map(\.value), groups),
                   rules: Set(grant.mcp.map(\.value)))
        }
    }

    static func expand(_ selectors: [PolicySelector], _ groups: [String: [PolicySelector]]) -> Members {
        var members = Members()
        var pending = selectors
        var expanded: Set<String> = []
        while let selector = pending.popLast() {
            switch selector {
            case .any: members.everyNode = true
            case .tag(let tag): members.tags.insert(tag)
            case .node(let name): members.names.insert(name)
            case .group(let group):
                if expanded.insert(group).inserted { pending.append(contentsOf: groups[group] ?? []) }
            }
        }
        if members.everyNode { members = Members(everyNode: true) }
        return members
    }
}
