/// Grants indexed by the tags and node names one side (`src` or `dst`) selects, so that the
/// grants applying to one node are found without scanning all of them.
struct GrantIndex: Sendable {
    private var everyNode: [Int] = []
    private var byTag: [String: [Int]] = [:]
    private var byName: [String: [Int]] = [:]

    /// Indexes `sets[i]` under grant index `i`.
    init(_ sets: [NodeSet]) {
        for (i, set) in sets.enumerated() {
            if set.everyNode { everyNode.append(i) }
            for tag in set.tags { byTag[tag, default: []].append(i) }
            for name in set.names { byName[name, default: []].append(i) }
        }
    }

    /// The indices of the grants whose side selects `node`, ascending, without repeats.
    func grants(for node: PolicyNode) -> [Int] {
        var result = everyNode
        result += byName[node.name] ?? []
        for tag in node.tags { result += byTag[tag] ?? [] }
        result.sort()
        var unique: [Int] = []
        unique.reserveCapacity(result.count)
        for i in result where unique.last != i { unique.append(i) }
        return unique
    }
}
