import Foundation
import GRDB

extension Registry {
    /// Stores a new policy version (the text exactly as given, already validated by the
    /// caller) as the current policy, and records who set it.
    @discardableResult
    public func appendPolicy(text: String, author: String,
                             now: Date) throws(RegistryError) -> PolicyVersionRecord {
        try write("store a new policy version") { db in
            let record = try Self.appendPolicy(db, text: text, author: author, rolledBackFrom: nil, now: now)
            try Self.audit(db, actor: author, action: .policySet,
                           details: ["version": .number(record.version)], now: now)
            return record
        }
    }

    /// The current policy (the highest version), or `nil` if none was ever stored.
    public func currentPolicy() throws(RegistryError) -> PolicyVersionRecord? {
        try read("read the current policy") { db in
            try PolicyVersionRecord.order(PolicyVersionRecord.Columns.version.desc).fetchOne(db)
        }
    }

    /// One stored policy version, or `nil`.
    public func policy(version: Int64) throws(RegistryError) -> PolicyVersionRecord? {
        try read("read policy version \(version)") { db in
            try PolicyVersionRecord.fetchOne(db, key: version)
        }
    }

    /// Every stored policy version, newest first.
    public func policyHistory() throws(RegistryError) -> [PolicyVersionRecord] {
        try read("read the policy history") { db in
            try PolicyVersionRecord.order(PolicyVersionRecord.Columns.version.desc).fetchAll(db)
        }
    }

    /// Makes an earlier version's text current again by appending it as a new version whose
    /// `rolledBackFrom` names that earlier version. History stays append-only.
    ///
    /// - Throws: `RegistryError.policyVersionNotFound`, or `.policyAlreadyCurrent` when
    ///   `version` is the current version.
    @discardableResult
    public func rollbackPolicy(to version: Int64, author: String,
                               now: Date) throws(RegistryError) -> PolicyVersionRecord {
        try write("roll the policy back to version \(version)") { db in
            guard let old = try PolicyVersionRecord.fetchOne(db, key: version) else {
                throw RegistryError.policyVersionNotFound(version)
            }
            let current = try PolicyVersionRecord.order(PolicyVersionRecord.Columns.version.desc).fetchOne(db)
            if current?.version == version { throw RegistryError.policyAlreadyCurrent(version) }
            let record = try Self.appendPolicy(db, text: old.text, author: author, rolledBackFrom: version, now: now)
            try Self.audit(db, actor: author, action: .policyRollback, details: [
                "version": .number(record.version), "restored": .number(version),
            ], now: now)
            return record
        }
    }

    static func appendPolicy(_ db: Database, text: String, author: String, rolledBackFrom: Int64?,
                             now: Date) throws -> PolicyVersionRecord {
        let last = try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM policy_versions") ?? 0
        let record = PolicyVersionRecord(version: last + 1, text: text, author: author,
                                         createdAt: now, rolledBackFrom: rolledBackFrom)
        try record.insert(db)
        return record
    }
}
