import Foundation
import GRDB

extension Registry {
    /// Replaces a node's tags (checked, deduplicated, sorted) and records who did it.
    @discardableResult
    public func setTags(_ tags: [String], ofNode id: RegisteredNode.ID, actor: String,
                        now: Date) throws(RegistryError) -> RegisteredNode {
        let tags = try InputValidation.tags(tags)
        return try write("set the tags of node id \(id)") { db in
            let record = try Self.requireNode(db, id)
            let before = try Self.assemble(db, record).tags
            try Self.storeTags(db, nodeID: id.rawValue, tags)
            try Self.audit(db, actor: actor, action: .nodeTag, details: [
                "node": .text(record.name), "id": .number(id.rawValue),
                "before": .list(before), "after": .list(tags),
            ], now: now)
            return try Self.assemble(db, record)
        }
    }

    /// Expires a node at once: it stays registered but drops out of every netmap until it
    /// joins again.
    ///
    /// - Throws: `RegistryError.nodeAlreadyExpired` if an admin already expired it.
    @discardableResult
    public func expireNode(_ id: RegisteredNode.ID, actor: String,
                           now: Date) throws(RegistryError) -> RegisteredNode {
        try write("expire node id \(id)") { db in
            var record = try Self.requireNode(db, id)
            if record.expired {
                throw RegistryError.nodeAlreadyExpired(name: record.name, at: record.expiredAt ?? now)
            }
            record.expired = true
            record.expiredAt = now
            try record.update(db)
            try Self.audit(db, actor: actor, action: .nodeExpire, details: [
                "node": .text(record.name), "id": .number(id.rawValue),
            ], now: now)
            return try Self.assemble(db, record)
        }
    }

    /// Removes a node with its tags, servers and netmap version (by cascade). Returns the
    /// node as it was, so the caller can tell its peers.
    @discardableResult
    public func removeNode(_ id: RegisteredNode.ID, actor: String,
                           now: Date) throws(RegistryError) -> RegisteredNode {
        try write("remove node id \(id)") { db in
            let record = try Self.requireNode(db, id)
            let node = try Self.assemble(db, record)
            _ = try record.delete(db)
            try Self.audit(db, actor: actor, action: .nodeRemove, details: [
                "node": .text(node.name), "id": .number(id.rawValue), "key": .text(node.publicKey),
            ], now: now)
            return node
        }
    }

    /// Removes every ephemeral node last seen before `cutoff`, in one transaction. Returns the
    /// removed nodes, sorted by name; records one audit entry if any were removed.
    @discardableResult
    public func removeEphemeralNodes(lastSeenBefore cutoff: Date, actor: String = "coordinator",
                                     now: Date) throws(RegistryError) -> [RegisteredNode] {
        try write("remove ephemeral nodes") { db in
            let records = try NodeRecord
                .filter(NodeRecord.Columns.ephemeral == true && NodeRecord.Columns.lastSeenAt < cutoff)
                .order(NodeRecord.Columns.name).fetchAll(db)
            let nodes = try records.map { try Self.assemble(db, $0) }
            for record in records { _ = try record.delete(db) }
            if !nodes.isEmpty {
                try Self.audit(db, actor: actor, action: .nodeRemoveEphemeral, details: [
                    "nodes": .list(nodes.map(\.name)), "last_seen_before": .text(timestamp(cutoff)),
                ], now: now)
            }
            return nodes
        }
    }

    /// Replaces a node's identity key with a new one (the caller has checked that the old
    /// key signed the request) and sets its new key expiry.
    ///
    /// - Throws: `RegistryError.nodeExpired` if the node is expired at `now` (it must join
    ///   again), `.publicKeyTaken` if another node holds the new key.
    @discardableResult
    public func rotateNodeKey(_ id: RegisteredNode.ID, newPublicKey: String, keyExpiry: Date,
                              now: Date) throws(RegistryError) -> RegisteredNode {
        let key = try InputValidation.publicKey(newPublicKey)
        return try write("rotate the key of node id \(id)") { db in
            var record = try Self.requireNode(db, id)
            if record.expired {
                throw RegistryError.nodeExpired(name: record.name, at: record.expiredAt ?? now)
            }
            if record.keyExpiry <= now {
                throw RegistryError.nodeExpired(name: record.name, at: record.keyExpiry)
            }
            if let holder = try NodeRecord.filter(NodeRecord.Columns.publicKey == key).fetchOne(db) {
                throw RegistryError.publicKeyTaken(key: key, node: holder.name)
            }
            let oldKey = record.publicKey
            record.publicKey = key
            record.keyExpiry = keyExpiry
            try record.update(db)
            try Self.audit(db, actor: "node:\(record.name)", action: .nodeRotateKey, details: [
                "node": .text(record.name), "id": .number(id.rawValue),
                "old_key": .text(oldKey), "new_key": .text(key),
            ], now: now)
            return try Self.assemble(db, record)
        }
    }
}
