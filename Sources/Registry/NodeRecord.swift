import Foundation
import GRDB

/// One row of `nodes`: a registered node without its tags and servers (those live in
/// `node_tags` and `node_servers`; `RegisteredNode` puts the three together).
struct NodeRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "nodes"

    var id: Int64?
    var name: String
    var publicKey: String
    var createdAt: Date
    var keyExpiry: Date
    var expired: Bool
    var expiredAt: Date?
    var ephemeral: Bool
    var lastSeenAt: Date
    /// Stored as JSON text: a list of "host:port".
    var lastEndpoints: [String]
    /// The join key that registered the node, if it still exists.
    var joinKeyID: String?

    enum CodingKeys: String, CodingKey {
        case id, name
        case publicKey = "public_key"
        case createdAt = "created_at"
        case keyExpiry = "key_expiry"
        case expired
        case expiredAt = "expired_at"
        case ephemeral
        case lastSeenAt = "last_seen_at"
        case lastEndpoints = "last_endpoints"
        case joinKeyID = "join_key_id"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let publicKey = Column(CodingKeys.publicKey)
        static let ephemeral = Column(CodingKeys.ephemeral)
        static let lastSeenAt = Column(CodingKeys.lastSeenAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
