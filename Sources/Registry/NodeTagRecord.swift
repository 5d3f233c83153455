import GRDB

/// One row of `node_tags`: a node holds a tag. Deleted with its node.
struct NodeTagRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "node_tags"

    var nodeID: Int64
    var tag: String

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case tag
    }

    enum Columns {
        static let nodeID = Column(CodingKeys.nodeID)
        static let tag = Column(CodingKeys.tag)
    }
}
