import Policy

/// After a policy edit, a set of nodes ("hubs") such that every pair of nodes whose access
/// may have changed has at least one end in it. Recomputing the hubs' views and patching
/// their peers' views from them brings every view up to date.
///
/// A pair's access can change only through a grant whose effect (its `src` and `dst` with
/// groups expanded, and its `mcp` entries) is in one policy but not the other: the same
/// test as `CompiledPolicy.nodesAffected(since:)`. Of each such grant, only the smaller side
/// is taken: a grant from `node:alice` to `tag:nas` makes alice the hub, not every nas.
///
/// The builder keeps a `Snapshot` of the policy in force. While the groups stay the same,
/// a grant's effect depends only on what it says, so two policies are compared grant text
/// against grant text (wherever it is written) and only the grants that differ are
/// expanded; when a group changes, every grant's effect is compared. Hubs may be more than
/// needed (a rewritten grant with the same effect, say): the builder compares each hub's
/// view before and after, so extra hubs cost time, never a wrong netmap.
enum PolicyEditHubs {
    /// What is compared of a policy: its groups, and what each grant says.
    struct Snapshot: Sendable {
        var groups: [String: [PolicySelector]]
        var grants: Set<Grant>

        init(_ file: PolicyFile) {
            groups = [:]
            for group in file.groups { groups[group.name] = group.members.map(\.value) }
            grants = []
            grants.reserveCapacity(file.grants.count)
            for grant in file.grants {
                grants.insert(Grant(src: grant.src.map(\.value), dst: grant.dst.map(\.value), mcp: grant.mcp.map(\.value)))
            }
        }
    }

    /// A grant as written, without where: its selectors and `mcp` entries. Hashed once:
    /// comparing two policies looks every grant of each up in the other.
    struct Grant: Hashable, Sendable {
        let src: [PolicySelector]
        let dst: [PolicySelector]
        let mcp: [MCPRule]
        private let hash: Int

        init(src: [PolicySelector], dst: [PolicySelector], mcp: [MCPRule]) {
            self.src = src
            self.dst = dst
            self.mcp = mcp
            var hasher = Hasher()
            hasher.combine(src)
            hasher.combine(dst)
            hasher.combine(mcp)
            hash = hasher.finalize()
        }

        static func == (a: Grant, b: Grant) -> Bool {
            a.hash == b.hash && a.src == b.src && a.dst == b.dst && a.mcp == b.mcp
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        func effect(_ groups: [String: [PolicySelector]]) -> Effect {
            Effect(src: expand(src, groups), dst: expand(dst, groups), rules: Set(mcp))
        }
    }

    /// The names of the hub nodes for replacing the policy `old` by `new`, over `nodes`.
    static func hubs(from old: Snapshot, to new: Snapshot, nodes: NodeDirectory) -> Set<String> {
        var changed: [Effect] = []
        if old.groups == new.groups {
            for grant in old.grants where !new.grants.contains(grant) { changed.append(grant.effect(old.groups)) }
            for grant in new.grants where !old.grants.contains(grant) { changed.append(grant.effect(new.groups)) }
        } else {
            let before = Set(old.grants.map { $0.effect(old.groups) })
            let after = Set(new.grants.map { $0.effect(new.groups) })
            changed = Array(before.symmetricDifference(after))
        }
        var hubs: Set<String> = []
        for effect in changed {
            let smaller = effect.src.estimatedCount(in: nodes) <= effect.dst.estimatedCount(in: nodes) ? effect.src : effect.dst
            smaller.forEachName(in: nodes) { hubs.insert($0) }
        }
        return hubs
    }

    /// A grant with its groups expanded: what it does, not where it is written.
    struct Effect: Hashable, Sendable {
        var src: Members
        var dst: Members
        var rules: Set<MCPRule>
    }

    /// The nodes a list of selectors stands for.
    struct Members: Hashable, Sendable {
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
