import MeshWire

/// Keeping netmaps from expiring under nodes that are still in the mesh.
extension NetmapBuilder {
    /// The live nodes whose netmap must be re-signed now: those whose last netmap expires
    /// within `configuration.reissueMargin` of `now`, and those never issued one since this
    /// builder started. Scans every node (one comparison each); call it on a timer.
    public func needsReissue(now: Netmap.Time) -> Set<Netmap.NodeID> {
        let deadline = now + configuration.reissueMargin
        var due: Set<Netmap.NodeID> = []
        for node in nodes.values where !node.expired {
            guard let expiresAt = issued[node.id]?.expiresAt else {
                due.insert(node.id)
                continue
            }
            if expiresAt <= deadline { due.insert(node.id) }
        }
        return due
    }

    /// When the last netmap issued to `id` by this builder expires, if one was.
    public func expiry(of id: Netmap.NodeID) -> Netmap.Time? { issued[id]?.expiresAt }
}
