import XCTest
import MeshCrypto
import MeshWire
@testable import ControlCore

/// The direct writer produces exactly what `JSONEncoder` (sorted keys, unescaped slashes)
/// produces, so the canonical form has two independent implementations that agree.
final class NetmapCanonicalJSONTests: XCTestCase {
    private func viaJSONEncoder(_ netmap: Netmap) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(netmap))
    }

    /// Strings that exercise every escaping rule and the key order.
    private let oddStrings: [String] = [
        "files", "Files", "db10", "db9", "_x", "a-b", "a.b", "é", "😀", "quo\"te", "back\\slash", "sl/ash",
        "tab\tnew\nline\r", "\u{0}\u{1}\u{1f}\u{7f}", "\u{8}\u{c}", "\u{2028}", "",
    ]

    func testWriterMatchesJSONEncoderOnOddStrings() throws {
        var rng = SeededRandom(seed: 99)
        for round in 0..<200 {
            func pick() -> String { oddStrings.randomElement(using: &rng)! + (Bool.random(using: &rng) ? "" : oddStrings.randomElement(using: &rng)!) }
            func tools() -> Netmap.ServerTools {
                var t: Netmap.ServerTools = [:]
                for _ in 0..<Int.random(in: 0...4, using: &rng) { t[pick()] = (0..<Int.random(in: 0...3, using: &rng)).map { _ in pick() } }
                return t
            }
            let peers = (0..<Int.random(in: 0...4, using: &rng)).map { i in
                Netmap.Peer(id: Netmap.NodeID(UInt64(i) + 10), name: pick(), key: Fixtures.identity(UInt64(i) + 10).publicKey,
                            endpoints: [HostPort("h\(pick().filter { $0 != ":" && $0 != "[" }):\(i + 1)")].compactMap { $0 },
                            tags: (0..<3).map { _ in pick() }, servers: (0..<2).map { _ in pick() },
                            online: Bool.random(using: &rng), lastSeen: Netmap.Time(unixMilliseconds: Int64.random(in: -5...Int64.max, using: &rng)))
            }
            var inbound: [IdentityPublicKey: Netmap.ServerTools] = [:]
            for peer in peers where Bool.random(using: &rng) { inbound[peer.key] = tools() }
            var outbound: [IdentityPublicKey: Netmap.ServerTools] = [:]
            for peer in peers where Bool.random(using: &rng) { outbound[peer.key] = tools() }
            let netmap = Netmap(version: UInt64.random(in: 0...UInt64.max, using: &rng),
                                issuedAt: Netmap.Time(unixMilliseconds: .min), expiresAt: Netmap.Time(unixMilliseconds: .max),
                                node: Netmap.Node(id: Netmap.NodeID(1), name: pick(), key: Fixtures.identity(1).publicKey,
                                                  tags: [pick(), pick()], keyExpiry: Fixtures.t0),
                                coordinator: Netmap.Coordinator(key: Fixtures.coordinator.publicKey, endpoints: Fixtures.endpoints),
                                policyVersion: UInt64(round), peers: peers, inbound: inbound, outbound: outbound)
            let direct = netmap.jsonBytes()
            XCTAssertEqual(String(decoding: direct, as: UTF8.self), String(decoding: try viaJSONEncoder(netmap), as: UTF8.self), "round \(round)")
            XCTAssertEqual(try Netmap(jsonBytes: direct), netmap, "round \(round) decodes back")
        }
    }

    func testBuilderSplicesCachedPeersIntoTheSameBytes() throws {
        var builder = try Fixtures.builder()
        _ = try builder.endpointsChanged(Fixtures.id(2), to: [HostPort("[2001:db8::9]:7")!])
        for id in builder.liveNodeIDs {
            let signed = try builder.build(for: id, now: Fixtures.t0)
            XCTAssertEqual(Array(signed.payload), signed.netmap.jsonBytes())
            XCTAssertEqual(Array(signed.payload), try viaJSONEncoder(signed.netmap))
        }
    }
}
