import GRDB

/// One row of `node_servers`: a node publishes an MCP server by this name. Deleted with its
/// node.
struct NodeServerRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "node_servers"

    var nodeID: Int64
    var name: String

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case name
    }

    enum Columns {
        static let nodeID = Column(CodingKeys.nodeID)
        static let name = Column(CodingKeys.name)
    }
}
