import GRDB

/// One row of `netmap_versions`: the last netmap version issued to a node. Versions only
/// increase (a trigger refuses anything else) and survive restarts, so a node never sees a
/// version go backwards. Deleted with its node.
struct NetmapVersionRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "netmap_versions"

    var nodeID: Int64
    var version: Int64

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case version
    }
}
