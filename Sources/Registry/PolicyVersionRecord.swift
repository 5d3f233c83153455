import Foundation
import GRDB

/// One row of `policy_versions`: one stored policy file. History is append-only (triggers
/// refuse updates and deletes); the current policy is the highest version. A rollback is a
/// new version carrying an older version's text, with `rolledBackFrom` naming that version.
public struct PolicyVersionRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "policy_versions"

    /// 1, 2, 3, … in the order the versions were stored.
    public internal(set) var version: Int64
    /// The policy file exactly as the admin wrote it, comments included.
    public internal(set) var text: String
    public internal(set) var author: String
    public internal(set) var createdAt: Date
    /// For a rollback, the earlier version whose text this version restores.
    public internal(set) var rolledBackFrom: Int64?

    enum CodingKeys: String, CodingKey {
        case version, text, author
        case createdAt = "created_at"
        case rolledBackFrom = "rolled_back_from"
    }

    /// Column names, for GRDB requests.
    public enum Columns {
        public static let version = Column(CodingKeys.version)
    }
}
