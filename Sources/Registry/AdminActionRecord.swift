import Foundation
import GRDB

/// One row of `admin_actions`: the audit trail of every admin write (append-only; triggers
/// refuse updates and deletes).
public struct AdminActionRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "admin_actions"

    public internal(set) var id: Int64?
    public internal(set) var time: Date
    /// Who did it: an admin name, `joinkey:ID` for a registration, `coordinator` for cleanup.
    public internal(set) var actor: String
    /// What was done, such as `node.register` or `policy.set` (see `AdminActionName`).
    public internal(set) var action: String
    /// A JSON object with the particulars.
    public internal(set) var details: String

    enum CodingKeys: String, CodingKey {
        case id, time, actor, action, details
    }

    /// Column names, for GRDB requests.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The details decoded back into values.
    public func decodedDetails() throws(RegistryError) -> [String: AdminDetail] {
        do {
            return try JSONDecoder().decode([String: AdminDetail].self, from: Data(details.utf8))
        } catch {
            throw .storage(location: "registry", operation: "read the details of admin action \(id.map(String.init) ?? "?")",
                           reason: "they are not a JSON object of strings, numbers, booleans and string lists")
        }
    }
}
