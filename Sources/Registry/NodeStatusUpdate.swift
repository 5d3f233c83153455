/// The result of recording that a node was seen: the node as now stored, and whether what
/// its peers see of it changed (so the caller knows whether to push new netmaps).
public struct NodeStatusUpdate: Hashable, Sendable {
    public let node: RegisteredNode
    public let endpointsChanged: Bool
    public let serversChanged: Bool

    /// Whether peers' netmaps need to change.
    public var peersAffected: Bool { endpointsChanged || serversChanged }
}
