import GRDB

/// One row of `coordinator_meta`: a key/value fact about this coordinator's database, such as
/// `schema_format`.
struct CoordinatorMetaRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "coordinator_meta"

    var key: String
    var value: String
}
