import Foundation
import MeshCrypto

/// The JSON form of a netmap (docs/netmap.md): an object with exactly the fields below,
/// sorted keys, no insignificant whitespace, `/` unescaped. The encoding is deterministic:
/// equal netmaps give equal bytes.
extension Netmap: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, issuedAt, expiresAt, node, coordinator, policyVersion, peers, inbound, outbound
    }

    /// The bytes the coordinator signs: JSON with sorted keys. Fails only if Foundation's
    /// encoder does (it has no reason to: a netmap holds no floating-point values).
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
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
