/// Per-node views for netmaps: what a node must let others do, and what it may do.
///
/// Each view starts from the grant index for that one node (not from all node pairs), then
/// expands the other side of the matching grants once per distinct selector set. Expired
/// nodes have empty views and appear in no one's view; a node is never its own peer; only
/// servers the destination publishes appear.
extension CompiledPolicy {
    /// Who may use which servers and tools on `destination`: what that node must enforce.
    /// Sorted by peer name; empty if the node is unknown or expired.
    public func inboundAccess(to destination: String) -> [PeerAccess] {
        guard let node = nodes[destination], !node.expired else { return [] }
        let published = Set(node.servers)
        var bySources: [NodeSet: [String: ToolAccessBuilder]] = [:]
        for i in destinationIndex.grants(for: node) {
            let grant = grants[i]
            for rule in grant.rules {
                switch rule.server {
                case .any:
                    for server in published { bySources[grant.src, default: [:]][server, default: .init()].add(rule.tools) }
                case .named(let server) where published.contains(server):
                    bySources[grant.src, default: [:]][server, default: .init()].add(rule.tools)
                case .named:
                    break
                }
            }
        }
        var byPeer: [String: [String: ToolAccessBuilder]] = [:]
        for (sources, servers) in bySources {
            sources.forEachMember(in: nodes) { peer in
                guard peer.name != destination, !peer.expired else { return }
                for (server, tools) in servers { byPeer[peer.name, default: [:]][server, default: .init()].merge(tools) }
            }
        }
        return Self.sorted(byPeer)
    }

    /// Which servers and tools `source` may use on which peers. Sorted by peer name; empty if
    /// the node is unknown or expired.
    public func outboundAccess(from source: String) -> [PeerAccess] {
        guard let node = nodes[source], !node.expired else { return [] }
        var byDestinations: [NodeSet: Set<MCPRule>] = [:]
        for i in sourceIndex.grants(for: node) {
            byDestinations[grants[i].dst, default: []].formUnion(grants[i].rules)
        }
        var byPeer: [String: [String: ToolAccessBuilder]] = [:]
        for (destinations, rules) in byDestinations {
            destinations.forEachMember(in: nodes) { peer in
                guard peer.name != source, !peer.expired else { return }
                for server in peer.servers {
                    for rule in rules where rule.covers(server: server) {
                        byPeer[peer.name, default: [:]][server, default: .init()].add(rule.tools)
                    }
                }
            }
        }
        return Self.sorted(byPeer)
    }

    /// The nodes `node` may reach or be reached by: the peers its netmap lists.
    public func peers(of node: String) -> Set<String> {
        Set(inboundAccess(to: node).map(\.peer)).union(outboundAccess(from: node).map(\.peer))
    }

    private static func sorted(_ byPeer: [String: [String: ToolAccessBuilder]]) -> [PeerAccess] {
        byPeer.keys.sorted().map { peer in
            let servers = (byPeer[peer] ?? [:]).sorted { $0.key < $1.key }
            return PeerAccess(peer: peer, servers: servers.map { ServerAccess(server: $0.key, tools: $0.value.access) })
        }
    }
}
