/// The nodes a list of selectors stands for once groups are expanded: every node, or those
/// holding any of `tags`, plus those named in `names`.
struct NodeSet: Hashable, Sendable {
    var everyNode = false
    var tags: Set<String> = []
    var names: Set<String> = []

    /// True when `node` is in the set.
    func contains(_ node: PolicyNode) -> Bool {
        everyNode || names.contains(node.name) || !tags.isDisjoint(with: node.tags)
    }

    /// Calls `body` once for each node of `directory` in the set, in no particular order.
    func forEachMember(in directory: NodeDirectory, _ body: (PolicyNode) -> Void) {
        if everyNode {
            for node in directory.nodes { body(node) }
            return
        }
        var seen: Set<String> = []
        let needsDedup = tags.count + (names.isEmpty ? 0 : 1) > 1
        func visit(_ name: String) {
            guard let node = directory[name] else { return }
            if needsDedup, !seen.insert(name).inserted { return }
            body(node)
        }
        for tag in tags { directory.names(withTag: tag).forEach(visit) }
        names.forEach(visit)
    }

    /// The set that `selectors` stand for, with groups expanded through `groups`.
    init(_ selectors: [PolicySelector], groups: [String: [PolicySelector]]) {
        var pending = selectors
        var expanded: Set<String> = []
        while let selector = pending.popLast() {
            switch selector {
            case .any: everyNode = true
            case .tag(let tag): tags.insert(tag)
            case .node(let name): names.insert(name)
            case .group(let group):
                if expanded.insert(group).inserted { pending.append(contentsOf: groups[group] ?? []) }
            }
        }
        if everyNode {
            tags = []
            names = []
        }
    }

    init() {}
}
