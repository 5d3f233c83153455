import XCTest
import MeshCrypto
import MeshWire
import Policy
@testable import ControlCore

/// `build(for: Set, now:, versions:)` seals a batch on every core and gives exactly the
/// bytes of building the same netmaps one at a time; the builder writes each netmap's JSON
/// from cached pieces and must give `Netmap.jsonBytes()` byte for byte, in an envelope equal
/// to `SignedEnvelope.seal`'s.
final class NetmapBatchBuildTests: XCTestCase {
    /// 80 nodes in four tags, about half publishing servers, and grants joining tags, one
    /// node and everyone: enough peers per netmap for a batch to be sealed in parallel.
    static func mesh() throws -> (nodes: [MeshNode], policy: PolicyFile) {
        var rng = SeededRandom(seed: 5)
        let servers = ["files", "git", "llama", "db"]
        let nodes = (1...80).map { (i: UInt64) in
            Fixtures.node(i, "n\(i)", tags: ["tag:t\(Int.random(in: 0..<4, using: &rng))"],
                          servers: Set(servers.shuffled(using: &rng).prefix(Int.random(in: 0...2, using: &rng))))
        }
        let policy = try PolicyFile.parse("""
        {"tags": ["tag:t0", "tag:t1", "tag:t2", "tag:t3"],
         "grants": [
           {"src": ["tag:t0"], "dst": ["tag:t1"], "mcp": ["*"]},
           {"src": ["tag:t2"], "dst": ["node:n1"], "mcp": ["files", "git:read_*"]},
           {"src": ["*"], "dst": ["tag:t3"], "mcp": ["llama:chat_?", "db"]}]}
        """)
        return (nodes, policy)
    }

    static func builder() throws -> NetmapBuilder {
        let (nodes, policy) = try mesh()
        return try NetmapBuilder(coordinator: Fixtures.coordinator, configuration: Fixtures.configuration,
                                 policy: policy, policyVersion: 3, nodes: nodes)
    }

    func testBatchGivesTheBytesOfOneAtATime() throws {
        var batch = try Self.builder()
        var single = try Self.builder()
        let ids = Set(batch.liveNodeIDs)
        let work = ids.reduce(0) { $0 + (batch.view(of: $1)?.peers.count ?? 0) + 1 }
        XCTAssertGreaterThanOrEqual(work, NetmapSeal.parallelThreshold, "the batch is sealed in parallel")
        for round in 0..<2 {
            let now = Fixtures.t0 + .seconds(round)
            let built = try batch.build(for: ids, now: now)
            XCTAssertEqual(built.map(\.netmap.node.id), ids.sorted(), "sorted by node id")
            XCTAssertEqual(Set(batch.views.keys), ids, "the views computed while sealing are kept")
            for signed in built {
                let id = signed.netmap.node.id
                let one = try single.build(for: id, now: now)
                XCTAssertEqual(signed.bytes, one.bytes, "round \(round): netmap of \(id)")
                XCTAssertEqual(signed.netmap, one.netmap)
                XCTAssertEqual(batch.lastVersion(of: id), single.lastVersion(of: id))
                XCTAssertEqual(batch.expiry(of: id), now + Fixtures.day)
            }
            // A change, then only what it returns.
            let tags: Set<String> = round == 0 ? ["tag:t0", "tag:t3"] : ["tag:t1"]
            _ = try batch.tagsChanged(Fixtures.id(7), to: tags)
            let affected = try single.tagsChanged(Fixtures.id(7), to: tags)
            XCTAssertFalse(affected.isEmpty)
            let rebuilt = try batch.build(for: affected, now: now)
            XCTAssertEqual(rebuilt.map(\.bytes), try affected.sorted().map { try single.build(for: $0, now: now).bytes })
        }
    }

    func testBatchTakesVersionsFromTheRegistry() throws {
        var builder = try Self.builder()
        let built = try builder.build(for: [Fixtures.id(1), Fixtures.id(2), Fixtures.id(3)], now: Fixtures.t0,
                                      versions: [Fixtures.id(1): 40, Fixtures.id(3): 7])
        XCTAssertEqual(built.map(\.netmap.version), [40, 1, 7])
        XCTAssertEqual(builder.lastVersion(of: Fixtures.id(1)), 40)
        XCTAssertEqual(try builder.build(for: [Fixtures.id(1)], now: Fixtures.t0).map(\.netmap.version), [41])
        XCTAssertEqual(try builder.build(for: [], now: Fixtures.t0), [])
    }

    func testBatchChecksEveryNodeBeforeBuildingAny() throws {
        var builder = try Self.builder()
        _ = try builder.nodeExpired(Fixtures.id(5))
        let live: Set = [Fixtures.id(1), Fixtures.id(2), Fixtures.id(3)]
        XCTAssertThrowsError(try builder.build(for: live.union([Fixtures.id(5)]), now: Fixtures.t0)) {
            XCTAssertEqual($0 as? ControlError, .nodeExpired(Fixtures.id(5), name: "n5"))
        }
        XCTAssertThrowsError(try builder.build(for: live.union([Fixtures.id(999)]), now: Fixtures.t0)) {
            XCTAssertEqual($0 as? ControlError, .unknownNode(Fixtures.id(999)))
        }
        builder.seedVersion(9, for: Fixtures.id(2))
        XCTAssertThrowsError(try builder.build(for: live, now: Fixtures.t0, versions: [Fixtures.id(2): 9])) {
            XCTAssertEqual($0 as? ControlError, .versionNotIncreasing(Fixtures.id(2), version: 9, last: 9))
        }
        XCTAssertEqual(live.map { builder.lastVersion(of: $0) }.sorted(), [0, 0, 9], "no version used up")
        XCTAssertEqual(live.map { builder.expiry(of: $0) }, [nil, nil, nil])
    }

    /// The envelope is `SignedEnvelope.seal` of the payload, the payload is
    /// `netmap.jsonBytes()`, and the node accepts it.
    func testEnvelopeIsWhatSignedEnvelopeSeals() throws {
        var builder = try Self.builder()
        for signed in try builder.build(for: Set(builder.liveNodeIDs), now: Fixtures.t0) {
            XCTAssertEqual(Array(signed.payload), signed.netmap.jsonBytes())
            XCTAssertEqual(signed.bytes, SignedEnvelope.seal(Array(signed.payload), context: .netmap,
                                                             signer: Fixtures.coordinator).encoded)
            var acceptor = NetmapAcceptor(coordinatorKey: Fixtures.coordinator.publicKey, nodeKey: signed.netmap.node.key)
            XCTAssertEqual(try acceptor.accept(signed.bytes, now: Fixtures.t0).get(), signed)
        }
    }

    /// Names, tags and servers full of characters JSON escapes, and names that spell the
    /// fields the builder splices into, give the bytes `jsonBytes()` and `JSONEncoder` give.
    func testOddStringsGiveTheCanonicalBytes() throws {
        let odd = ["quo\"te", "back\\slash", "sl/ash", "tab\tnew\nline\r", "\u{0}\u{1}\u{1f}\u{7f}", "\u{8}\u{c}",
                   "é", "😀", "\u{2028}", "", #""inbound":{}"#, #"x","outbound":{},"peers":[]"#, #"}],"peers":["#]
        let nodes = odd.enumerated().map { i, text in
            MeshNode(id: Netmap.NodeID(UInt64(i + 1)), name: "n\(i)" + text, key: Fixtures.identity(UInt64(i + 1)).publicKey,
                     keyExpiry: Fixtures.t0 + Fixtures.day, tags: [text, "tag:" + text], servers: [text, "files"],
                     endpoints: [HostPort("192.0.2.\(i + 1):41641")!], online: i % 2 == 0, lastSeen: Fixtures.t0)
        }
        var builder = try NetmapBuilder(coordinator: Fixtures.coordinator, configuration: Fixtures.configuration,
                                        policy: PolicyFile.parse(#"{"grants": [{"src": ["*"], "dst": ["*"], "mcp": ["*", "files:a\"b"]}]}"#),
                                        policyVersion: 1, nodes: nodes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for signed in try builder.build(for: Set(builder.liveNodeIDs), now: Fixtures.t0) {
            XCTAssertEqual(signed.netmap.peers.count, odd.count - 1)
            XCTAssertFalse(signed.netmap.inbound.isEmpty)
            XCTAssertEqual(Array(signed.payload), signed.netmap.jsonBytes())
            XCTAssertEqual(Array(signed.payload), Array(try encoder.encode(signed.netmap)))
            XCTAssertEqual(try Netmap(jsonBytes: Array(signed.payload)), signed.netmap)
        }
    }
}
