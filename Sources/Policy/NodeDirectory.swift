/// The nodes a policy is evaluated against, indexed by name and by tag.
///
/// A value type: adding, changing or removing one node costs time proportional to its number
/// of tags, so the coordinator can keep one directory up to date as nodes come and go.
public struct NodeDirectory: Hashable, Sendable {
    private var byName: [String: PolicyNode] = [:]
    private var namesByTag: [String: Set<String>] = [:]

    /// A directory of `nodes`; when two share a name the later one wins.
    public init(_ nodes: some Sequence<PolicyNode> = [PolicyNode]()) {
        for node in nodes { upsert(node) }
    }

    /// The node named `name`, if any.
    public subscript(name: String) -> PolicyNode? { byName[name] }

    /// How many nodes there are.
    public var count: Int { byName.count }

    /// Every node, in no particular order.
    public var nodes: Dictionary<String, PolicyNode>.Values { byName.values }

    /// Every node name, sorted.
    public var sortedNames: [String] { byName.keys.sorted() }

    /// The names of the nodes holding `tag` (e.g. `tag:nas`).
    public func names(withTag tag: String) -> Set<String> { namesByTag[tag] ?? [] }

    /// Adds `node`, or replaces the node with the same name.
    public mutating func upsert(_ node: PolicyNode) {
        if let old = byName[node.name] { unindex(old) }
        byName[node.name] = node
        for tag in node.tags { namesByTag[tag, default: []].insert(node.name) }
    }

    /// Removes the node named `name` and returns it, if there was one.
    @discardableResult
    public mutating func remove(named name: String) -> PolicyNode? {
        guard let old = byName.removeValue(forKey: name) else { return nil }
        unindex(old)
        return old
    }

    private mutating func unindex(_ node: PolicyNode) {
        for tag in node.tags {
            namesByTag[tag]?.remove(node.name)
            if namesByTag[tag]?.isEmpty == true { namesByTag[tag] = nil }
        }
    }

    public static func == (lhs: NodeDirectory, rhs: NodeDirectory) -> Bool { lhs.byName == rhs.byName }

    public func hash(into hasher: inout Hasher) { hasher.combine(byName) }
}
