import GRDB

extension Registry {
    /// The last netmap version issued to a node, or 0 if none was.
    public func netmapVersion(for id: RegisteredNode.ID) throws(RegistryError) -> Int64 {
        try read("read the netmap version of node id \(id)") { db in
            try NetmapVersionRecord.fetchOne(db, key: id.rawValue)?.version ?? 0
        }
    }

    /// Takes the next netmap version for a node (1 for its first netmap) and stores it
    /// durably before returning, so no version is ever issued twice, even across restarts.
    public func nextNetmapVersion(for id: RegisteredNode.ID) throws(RegistryError) -> Int64 {
        try nextNetmapVersions(for: [id])[id] ?? 0
    }

    /// Takes the next netmap version for each of several nodes in one transaction (one disk
    /// sync for a change that touches many nodes).
    ///
    /// - Throws: `RegistryError.nodeNotFound` if any node is not registered; then no
    ///   version is taken.
    public func nextNetmapVersions(for ids: [RegisteredNode.ID]) throws(RegistryError) -> [RegisteredNode.ID: Int64] {
        try write("take the next netmap versions") { db in
            var out: [RegisteredNode.ID: Int64] = [:]
            for id in ids where out[id] == nil {
                _ = try Self.requireNode(db, id)
                let next = (try NetmapVersionRecord.fetchOne(db, key: id.rawValue)?.version ?? 0) + 1
                try NetmapVersionRecord(nodeID: id.rawValue, version: next).save(db)
                out[id] = next
            }
            return out
        }
    }
}
