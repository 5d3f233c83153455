import Foundation
import GRDB

extension Registry {
    /// Registers a new node with a join key, in one transaction: the key (found by the hash
    /// of its secret) must not be revoked, expired or a used-up single-use key; its use is
    /// counted; the node is stored with the key's tags and ephemeral flag; and the
    /// registration is recorded in the audit trail. If anything fails, nothing changes and
    /// the key is not consumed.
    ///
    /// - Throws: `RegistryError.joinKeyRefused` naming why the key was refused;
    ///   `.publicKeyTaken` if the identity is already registered; `.nodeNameTaken` if the name
    ///   is taken and `registration.nameConflict` is `.refuse`; `.invalid…` for bad input.
    public func registerNode(_ registration: NodeRegistration, joinKeySecretHash: String,
                             now: Date) throws(RegistryError) -> RegisteredNode {
        let name = try InputValidation.nodeName(registration.name)
        let key = try InputValidation.publicKey(registration.publicKey)
        let servers = try InputValidation.serverNames(registration.servers)
        let endpoints = try InputValidation.endpoints(registration.endpoints)
        let secretHash = try InputValidation.secretHash(joinKeySecretHash)

        return try write("register node \(quoted(name))") { db in
            guard var joinKey = try JoinKeyRecord.filter(JoinKeyRecord.Columns.secretHash == secretHash)
                .fetchOne(db) else {
                throw RegistryError.joinKeyRefused(.unknown)
            }
            if let refusal = joinKey.refusal(at: now) { throw RegistryError.joinKeyRefused(refusal) }

            if let holder = try NodeRecord.filter(NodeRecord.Columns.publicKey == key).fetchOne(db) {
                throw RegistryError.publicKeyTaken(key: key, node: holder.name)
            }
            let finalName = try Self.freeName(db, wanted: name, onConflict: registration.nameConflict)

            joinKey.useCount += 1
            joinKey.lastUsedAt = now
            try joinKey.update(db)

            var record = NodeRecord(
                id: nil, name: finalName, publicKey: key, createdAt: now,
                keyExpiry: registration.keyExpiry, expired: false, expiredAt: nil,
                ephemeral: joinKey.ephemeral, lastSeenAt: now, lastEndpoints: endpoints,
                joinKeyID: joinKey.id)
            try record.insert(db)
            let nodeID = record.id ?? 0
            try Self.storeTags(db, nodeID: nodeID, joinKey.tags)
            try Self.storeServers(db, nodeID: nodeID, servers)

            try Self.audit(db, actor: "joinkey:\(joinKey.id)", action: .nodeRegister, details: [
                "node": .text(finalName), "id": .number(nodeID), "key": .text(key),
                "tags": .list(joinKey.tags), "ephemeral": .flag(joinKey.ephemeral),
            ], now: now)
            return try Self.assemble(db, record)
        }
    }

    /// `wanted` if free; otherwise, with `.appendNumber`, the first free `wanted-N`.
    static func freeName(_ db: Database, wanted: String,
                         onConflict: NodeRegistration.NameConflict) throws -> String {
        func isFree(_ name: String) throws -> Bool {
            try NodeRecord.filter(NodeRecord.Columns.name == name).isEmpty(db)
        }
        if try isFree(wanted) { return wanted }
        switch onConflict {
        case .refuse:
            throw RegistryError.nodeNameTaken(wanted)
        case .appendNumber:
            for number in 1...100_000 {
                let suffix = "-\(number)"
                let candidate = String(wanted.prefix(63 - suffix.count)) + suffix
                if try isFree(candidate) { return candidate }
            }
            throw RegistryError.nodeNameTaken(wanted)
        }
    }
}
