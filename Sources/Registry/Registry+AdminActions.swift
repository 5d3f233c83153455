import Foundation
import GRDB

extension Registry {
    /// Records an admin action that the registry does not record by itself (its own writes
    /// already are). `details` is stored as a JSON object.
    @discardableResult
    public func recordAdminAction(actor: String, action: String, details: [String: AdminDetail] = [:],
                                  now: Date) throws(RegistryError) -> AdminActionRecord {
        let record = try Self.makeAction(actor: actor, action: action, details: details, now: now)
        return try write("record admin action \(quoted(action))") { db in
            try record.inserted(db)
        }
    }

    /// The most recent `limit` admin actions, oldest first.
    public func adminActions(limit: Int = 100) throws(RegistryError) -> [AdminActionRecord] {
        try read("list admin actions") { db in
            try AdminActionRecord.order(AdminActionRecord.Columns.id.desc).limit(max(0, limit))
                .fetchAll(db).reversed()
        }
    }

    // MARK: - Internals

    /// Appends to the audit trail inside the caller's transaction.
    static func audit(_ db: Database, actor: String, action: AdminActionName,
                      details: [String: AdminDetail], now: Date) throws {
        let record = try makeAction(actor: actor, action: action.rawValue, details: details, now: now)
        _ = try record.inserted(db)
    }

    static func makeAction(actor: String, action: String, details: [String: AdminDetail],
                           now: Date) throws(RegistryError) -> AdminActionRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: String
        do {
            json = String(decoding: try encoder.encode(details), as: UTF8.self)
        } catch {
            throw .invalidDetails(action: action, reason: String(describing: error))
        }
        return AdminActionRecord(id: nil, time: now, actor: actor, action: action, details: json)
    }
}
