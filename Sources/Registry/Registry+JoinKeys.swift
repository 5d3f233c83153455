import Foundation
import GRDB

extension Registry {
    /// Stores a new join key (only its secret's hash) and records who made it.
    ///
    /// - Throws: `RegistryError.joinKeyIDTaken` or `.joinKeySecretTaken` on a collision,
    ///   `.invalid…` for bad input.
    @discardableResult
    public func createJoinKey(_ key: NewJoinKey, actor: String,
                              now: Date) throws(RegistryError) -> JoinKeyRecord {
        let id = try InputValidation.joinKeyID(key.id)
        let secretHash = try InputValidation.secretHash(key.secretHash)
        let tags = try InputValidation.tags(key.tags)
        let record = JoinKeyRecord(
            id: id, secretHash: secretHash, tags: tags, reusable: key.reusable,
            ephemeral: key.ephemeral, expiresAt: key.expiresAt, revokedAt: nil, createdAt: now,
            useCount: 0, lastUsedAt: nil)
        return try write("create join key \(quoted(id))") { db in
            if try JoinKeyRecord.exists(db, key: id) { throw RegistryError.joinKeyIDTaken(id: id) }
            if try !JoinKeyRecord.filter(JoinKeyRecord.Columns.secretHash == secretHash).isEmpty(db) {
                throw RegistryError.joinKeySecretTaken
            }
            try record.insert(db)
            var details: [String: AdminDetail] = [
                "id": .text(id), "tags": .list(tags), "reusable": .flag(key.reusable),
                "ephemeral": .flag(key.ephemeral),
            ]
            if let expiresAt = key.expiresAt { details["expires_at"] = .text(timestamp(expiresAt)) }
            try Self.audit(db, actor: actor, action: .joinKeyCreate, details: details, now: now)
            return record
        }
    }

    /// Every join key, revoked and expired ones included, oldest first.
    public func joinKeys() throws(RegistryError) -> [JoinKeyRecord] {
        try read("list join keys") { db in
            try JoinKeyRecord.order(JoinKeyRecord.Columns.createdAt, JoinKeyRecord.Columns.id).fetchAll(db)
        }
    }

    /// The join key with this id, or `nil`.
    public func joinKey(id: String) throws(RegistryError) -> JoinKeyRecord? {
        try read("look up join key \(quoted(id))") { db in
            try JoinKeyRecord.fetchOne(db, key: id)
        }
    }

    /// Revokes a join key: no node can register with it any more. Nodes that already joined
    /// with it stay.
    ///
    /// - Throws: `RegistryError.joinKeyNotFound`, or `.joinKeyAlreadyRevoked`.
    @discardableResult
    public func revokeJoinKey(id: String, actor: String,
                              now: Date) throws(RegistryError) -> JoinKeyRecord {
        try write("revoke join key \(quoted(id))") { db in
            guard var record = try JoinKeyRecord.fetchOne(db, key: id) else {
                throw RegistryError.joinKeyNotFound(id: id)
            }
            if let revokedAt = record.revokedAt {
                throw RegistryError.joinKeyAlreadyRevoked(id: id, at: revokedAt)
            }
            record.revokedAt = now
            try record.update(db)
            try Self.audit(db, actor: actor, action: .joinKeyRevoke, details: ["id": .text(id)], now: now)
            return record
        }
    }
}
