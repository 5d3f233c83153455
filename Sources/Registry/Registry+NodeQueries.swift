import GRDB

extension Registry {
    /// The node with this id, or `nil` if none is registered.
    public func node(id: RegisteredNode.ID) throws(RegistryError) -> RegisteredNode? {
        try read("look up node id \(id)") { db in
            try NodeRecord.fetchOne(db, key: id.rawValue).map { try Self.assemble(db, $0) }
        }
    }

    /// The node with this name, or `nil` if none is registered.
    public func node(named name: String) throws(RegistryError) -> RegisteredNode? {
        try read("look up node \(quoted(name))") { db in
            try NodeRecord.filter(NodeRecord.Columns.name == name).fetchOne(db).map { try Self.assemble(db, $0) }
        }
    }

    /// The node with this identity key (`mpk:` and 64 hex digits, either case), or `nil`.
    public func node(publicKey: String) throws(RegistryError) -> RegisteredNode? {
        let key = try InputValidation.publicKey(publicKey)
        return try read("look up node key \(key)") { db in
            try NodeRecord.filter(NodeRecord.Columns.publicKey == key).fetchOne(db).map { try Self.assemble(db, $0) }
        }
    }

    /// Every registered node, expired ones included, sorted by name.
    public func nodes() throws(RegistryError) -> [RegisteredNode] {
        try read("list nodes") { db in
            let records = try NodeRecord.order(NodeRecord.Columns.name).fetchAll(db)
            var tags: [Int64: [String]] = [:]
            for row in try NodeTagRecord.fetchAll(db) { tags[row.nodeID, default: []].append(row.tag) }
            var servers: [Int64: [String]] = [:]
            for row in try NodeServerRecord.fetchAll(db) { servers[row.nodeID, default: []].append(row.name) }
            return try records.map { record throws(RegistryError) in
                let id = record.id ?? 0
                return try RegisteredNode(record: record, tags: tags[id] ?? [], servers: servers[id] ?? [])
            }
        }
    }

    /// The nodes holding `tag`, sorted by name.
    public func nodes(withTag tag: String) throws(RegistryError) -> [RegisteredNode] {
        let tag = try InputValidation.tag(tag)
        return try read("list nodes tagged \(tag)") { db in
            try NodeRecord.filter(sql: "id IN (SELECT node_id FROM node_tags WHERE tag = ?)", arguments: [tag])
                .order(NodeRecord.Columns.name).fetchAll(db)
                .map { try Self.assemble(db, $0) }
        }
    }

    // MARK: - Internals shared by node operations

    /// A node row with its tags and servers.
    static func assemble(_ db: Database, _ record: NodeRecord) throws -> RegisteredNode {
        let id = record.id ?? 0
        let tags = try NodeTagRecord.filter(NodeTagRecord.Columns.nodeID == id).fetchAll(db).map(\.tag)
        let servers = try NodeServerRecord.filter(NodeServerRecord.Columns.nodeID == id).fetchAll(db).map(\.name)
        return try RegisteredNode(record: record, tags: tags, servers: servers)
    }

    /// The row of node `id`, or `RegistryError.nodeNotFound`.
    static func requireNode(_ db: Database, _ id: RegisteredNode.ID) throws -> NodeRecord {
        guard let record = try NodeRecord.fetchOne(db, key: id.rawValue) else {
            throw RegistryError.nodeNotFound(what: "id \(id)")
        }
        return record
    }

    /// Replaces a node's tags.
    static func storeTags(_ db: Database, nodeID: Int64, _ tags: [String]) throws {
        try NodeTagRecord.filter(NodeTagRecord.Columns.nodeID == nodeID).deleteAll(db)
        for tag in tags { try NodeTagRecord(nodeID: nodeID, tag: tag).insert(db) }
    }

    /// Replaces a node's published servers.
    static func storeServers(_ db: Database, nodeID: Int64, _ servers: [String]) throws {
        try NodeServerRecord.filter(NodeServerRecord.Columns.nodeID == nodeID).deleteAll(db)
        for name in servers { try NodeServerRecord(nodeID: nodeID, name: name).insert(db) }
    }
}
