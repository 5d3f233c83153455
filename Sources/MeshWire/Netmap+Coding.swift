import Foundation
import MeshCrypto

/// The JSON form of a netmap (docs/netmap.md): an object with exactly the fields below,
/// sorted keys, no insignificant whitespace, `/` unescaped. The encoding is deterministic:
/// equal netmaps give equal bytes. `Encodable` gives the same JSON through `JSONEncoder`;
/// `jsonBytes()` writes it directly.
extension Netmap: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, issuedAt, expiresAt, node, coordinator, policyVersion, peers, inbound, outbound
    }

    /// The bytes the coordinator signs: the canonical JSON (see `NetmapJSONWriter`), the
    /// same bytes `JSONEncoder` gives with `.sortedKeys` and `.withoutEscapingSlashes`.
    public func jsonBytes() -> [UInt8] {
        jsonBytes(encodedPeers: peers.map { $0.jsonBytes() })
    }

    /// `jsonBytes()`, reusing each peer's JSON object: `encodedPeers[i]` must be
    /// `peers[i].jsonBytes()`. The coordinator encodes each node's peer object once and
    /// splices it into every netmap that lists the node.
    public func jsonBytes(encodedPeers: [[UInt8]]) -> [UInt8] {
        var w = NetmapJSONWriter(capacity: 512 + encodedPeers.reduce(0) { $0 + $1.count + 1 } + 160 * (inbound.count + outbound.count))
        w.raw("{")
        w.key("coordinator")
        w.raw("{")
        w.key("endpoints")
        w.strings(coordinator.endpoints.map(\.description))
        w.raw(",")
        w.key("key")
        w.identityKey(coordinator.key)
        w.raw("},")
        w.key("expiresAt")
        w.integer(expiresAt.unixMilliseconds)
        w.raw(",")
        w.key("inbound")
        Self.write(inbound, to: &w)
        w.raw(",")
        w.key("issuedAt")
        w.integer(issuedAt.unixMilliseconds)
        w.raw(",")
        w.key("node")
        w.raw("{")
        w.key("id")
        w.integer(node.id.rawValue)
        w.raw(",")
        w.key("key")
        w.identityKey(node.key)
        w.raw(",")
        w.key("keyExpiry")
        w.integer(node.keyExpiry.unixMilliseconds)
        w.raw(",")
        w.key("name")
        w.string(node.name)
        w.raw(",")
        w.key("tags")
        w.strings(node.tags)
        w.raw("},")
        w.key("outbound")
        Self.write(outbound, to: &w)
        w.raw(",")
        w.key("peers")
        w.raw("[")
        for (i, peer) in encodedPeers.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw(peer)
        }
        w.raw("],")
        w.key("policyVersion")
        w.integer(policyVersion)
        w.raw(",")
        w.key("version")
        w.integer(version)
        w.raw("}")
        return w.bytes
    }

    private static func write(_ access: [IdentityPublicKey: ServerTools], to w: inout NetmapJSONWriter) {
        w.raw("{")
        for (i, key) in access.keys.sorted(by: NetmapJSONWriter.keyOrder).enumerated() {
            if i > 0 { w.raw(",") }
            w.identityKey(key)
            w.raw(":")
            w.serverTools(access[key] ?? [:])
        }
        w.raw("}")
    }

    /// Decodes verified netmap bytes. Rejects unknown fields at every level, missing fields,
    /// wrong types, invalid keys and endpoints, naming the path of the problem.
    public init(jsonBytes: [UInt8]) throws(DecodingError) {
        do {
            self = try JSONDecoder().decode(Netmap.self, from: Data(jsonBytes))
        } catch let error as DecodingError {
            throw error
        } catch let error as Swift.DecodingError {
            throw DecodingError(error)
        } catch {
            throw .notJSON(reason: "\(error)")
        }
    }

    public init(from decoder: any Decoder) throws {
        try NetmapCoding.rejectUnknownFields(decoder, known: CodingKeys.allCases)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try NetmapCoding.decode(UInt64.self, c, .version)
        issuedAt = try NetmapCoding.decode(Time.self, c, .issuedAt)
        expiresAt = try NetmapCoding.decode(Time.self, c, .expiresAt)
        node = try c.decode(Node.self, forKey: .node)
        coordinator = try c.decode(Coordinator.self, forKey: .coordinator)
        policyVersion = try NetmapCoding.decode(UInt64.self, c, .policyVersion)
        peers = try c.decode([Peer].self, forKey: .peers)
        inbound = try NetmapCoding.decodeAccess(c, .inbound)
        outbound = try NetmapCoding.decodeAccess(c, .outbound)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(issuedAt, forKey: .issuedAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(node, forKey: .node)
        try c.encode(coordinator, forKey: .coordinator)
        try c.encode(policyVersion, forKey: .policyVersion)
        try c.encode(peers, forKey: .peers)
        try NetmapCoding.encodeAccess(inbound, &c, .inbound)
        try NetmapCoding.encodeAccess(outbound, &c, .outbound)
    }
}
