import XCTest
import MeshCrypto
import MeshWire
import Policy
@testable import ControlCore

/// An incremental builder that rebuilds only what each change returns ends up with exactly
/// the netmaps a naive builder computes from scratch, byte for byte (version, times and
/// policy version aside), after a seeded random sequence of changes; every netmap it
/// rebuilds differs from the one before (no change returns a node it does not affect); and
/// the bytes it signs are `jsonBytes()` of the netmap it returns.
final class IncrementalEquivalenceTests: XCTestCase {
    static let tags = (0..<6).map { "tag:t\($0)" }
    static let servers = ["files", "git", "llama", "db"]
    static let names = (0..<40).map { "n\($0)" }

    /// A policy as the text of its grants and of its one group, so that it can be edited a
    /// piece at a time.
    struct PolicyText {
        var grants: [String]
        var group: [String]

        func parsed() throws -> PolicyFile {
            try PolicyFile.parse("""
            {"tags": [\(IncrementalEquivalenceTests.tags.map { "\"\($0)\"" }.joined(separator: ","))],
             "groups": {"group:g": [\(group.joined(separator: ","))]},
             "grants": [\(grants.joined(separator: ",\n"))]}
            """)
        }
    }

    static func randomGrant(_ rng: inout SeededRandom) -> String {
        func selector() -> String {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return "*"
            case 1...2: return "node:" + names.randomElement(using: &rng)!
            case 3: return "group:g"
            default: return tags.randomElement(using: &rng)!
            }
        }
        let rules = ["files", "git:read_*", "*", "llama:chat_?", "*:get_*", "db", "git"]
        let src = (0..<Int.random(in: 1...2, using: &rng)).map { _ in "\"\(selector())\"" }
        let dst = (0..<Int.random(in: 1...2, using: &rng)).map { _ in "\"\(selector())\"" }
        let mcp = (0..<Int.random(in: 1...2, using: &rng)).map { _ in "\"\(rules.randomElement(using: &rng)!)\"" }
        return "{\"src\": [\(src.joined(separator: ","))], \"dst\": [\(dst.joined(separator: ","))], \"mcp\": [\(mcp.joined(separator: ","))]}"
    }

    static func randomGroup(_ rng: inout SeededRandom) -> [String] {
        ["\"\(tags.randomElement(using: &rng)!)\"", "\"node:\(names.randomElement(using: &rng)!)\""]
    }

    /// A random valid policy over the tag and name pools.
    static func randomPolicy(_ rng: inout SeededRandom) -> PolicyText {
        let grants = (0..<Int.random(in: 0...6, using: &rng)).map { _ in randomGrant(&rng) }
        return PolicyText(grants: grants, group: randomGroup(&rng))
    }

    /// `policy` with one grant replaced, added or removed, or (one time in four) its group
    /// changed: the edits an operator makes, which leave most grants as they were.
    static func edited(_ policy: PolicyText, _ rng: inout SeededRandom) -> PolicyText {
        var policy = policy
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: policy.group = randomGroup(&rng)
        case 1: policy.grants.insert(randomGrant(&rng), at: Int.random(in: 0...policy.grants.count, using: &rng))
        case 2 where !policy.grants.isEmpty: policy.grants.remove(at: Int.random(in: 0..<policy.grants.count, using: &rng))
        default:
            if policy.grants.isEmpty { policy.grants.append(randomGrant(&rng)) }
            policy.grants[Int.random(in: 0..<policy.grants.count, using: &rng)] = randomGrant(&rng)
        }
        return policy
    }

    static func randomSubset<T>(_ pool: [T], _ rng: inout SeededRandom, max: Int = 3) -> [T] {
        Array(pool.shuffled(using: &rng).prefix(Int.random(in: 0...max, using: &rng)))
    }

    func testIncrementalMatchesNaiveAfterRandomChanges() throws {
        continueAfterFailure = false
        for seed: UInt64 in [1, 2] {
            try run(seed: seed, steps: 200)
        }
    }

    private func run(seed: UInt64, steps: Int) throws {
        var rng = SeededRandom(seed: seed)
        var nextID: UInt64 = 1
        var policyVersion: UInt64 = 1
        var policy = Self.randomPolicy(&rng)
        var builder = try NetmapBuilder(coordinator: Fixtures.coordinator, configuration: Fixtures.configuration,
                                        policy: policy.parsed(), policyVersion: 1)
        var latest: [Netmap.NodeID: SignedNetmap] = [:]
        var now = Fixtures.t0
        var counts: [String: Int] = [:]
        var rebuilt = 0, naiveRebuilt = 0

        for step in 0..<steps {
            now = now + .seconds(1)
            let live = builder.nodes.keys.sorted()
            let target = live.randomElement(using: &rng)
            var affected: Set<Netmap.NodeID> = []
            let kind = live.count < 6 ? 0 : Int.random(in: 0..<11, using: &rng)
            let label: String
            switch (kind, target) {
            case (1, let id?):
                label = "remove"
                affected = try builder.nodeRemoved(id)
                latest[id] = nil
            case (2, let id?):
                label = "expire"
                affected = try builder.nodeExpired(id)
            case (3, let id?):
                label = "tags"
                affected = try builder.tagsChanged(id, to: Set(Self.randomSubset(Self.tags, &rng)))
            case (4, let id?):
                label = "servers"
                affected = try builder.serversChanged(id, to: Set(Self.randomSubset(Self.servers, &rng)))
            case (5, let id?):
                label = "endpoints"
                affected = try builder.endpointsChanged(id, to: [HostPort("198.51.100.\(step % 250 + 1):\(step + 1)")!])
            case (6, let id?):
                label = "presence"
                affected = try builder.presenceChanged(id, online: Bool.random(using: &rng), lastSeen: now)
            case (7, let id?):
                var node = builder.nodes[id]!
                let unused = Set(Self.names).subtracting(builder.nodes.values.map(\.name))
                node.name = unused.sorted().randomElement(using: &rng) ?? node.name
                node.expired = false
                node.key = Fixtures.identity(10_000 + UInt64(step)).publicKey
                label = "rename/rotate/renew"
                affected = try builder.nodeUpdated(node)
            case (8, _):
                label = "policy"
                policyVersion += 1
                policy = Self.randomPolicy(&rng)
                affected = builder.policyReplaced(try policy.parsed(), version: policyVersion)
            case (9, _):
                label = "policy edit"
                policyVersion += 1
                policy = Self.edited(policy, &rng)
                affected = builder.policyReplaced(try policy.parsed(), version: policyVersion)
            default:
                label = "join"
                let unused = Set(Self.names).subtracting(builder.nodes.values.map(\.name))
                guard let name = unused.sorted().randomElement(using: &rng) else { continue }
                let node = MeshNode(id: Netmap.NodeID(nextID), name: name, key: Fixtures.identity(nextID).publicKey,
                                    keyExpiry: now + Fixtures.day, tags: Set(Self.randomSubset(Self.tags, &rng)),
                                    servers: Set(Self.randomSubset(Self.servers, &rng)),
                                    endpoints: [HostPort("192.0.2.1:\(nextID)")!], online: true, lastSeen: now)
                nextID += 1
                affected = try builder.nodeJoined(node)
            }
            counts[label, default: 0] += 1
            rebuilt += affected.count
            naiveRebuilt += builder.liveNodeIDs.count
            for id in affected {
                XCTAssertEqual(builder.nodes[id]?.expired, false, "seed \(seed) step \(step): \(label) returned a node that gets no netmap")
            }
            // Odd steps build one netmap at a time, even steps the whole set in one batch.
            let built = step % 2 == 1 ? try affected.sorted().map { try builder.build(for: $0, now: now) }
                                      : try builder.build(for: affected, now: now)
            XCTAssertEqual(built.map(\.netmap.node.id), affected.sorted())
            for rebuilt in built {
                let id = rebuilt.netmap.node.id
                XCTAssertEqual(Array(rebuilt.payload), rebuilt.netmap.jsonBytes(), "seed \(seed) step \(step): the signed bytes")
                if let previous = latest[id] {
                    XCTAssertNotEqual(previous.netmap.normalized, rebuilt.netmap.normalized,
                                      "seed \(seed) step \(step): \(label) rebuilt \(id) for nothing")
                }
                latest[id] = rebuilt
            }
            for (id, node) in builder.nodes where node.expired { latest[id] = nil }
            try assertMatchesNaive(builder, latest, checkingPeersPairwise: step % 10 == 0,
                                   context: "seed \(seed) step \(step) (\(label))")
        }
        XCTAssertGreaterThan(counts.count, 8, "every kind of change ran: \(counts)")
        XCTAssertLessThan(rebuilt * 2, naiveRebuilt, "seed \(seed): incremental rebuilt \(rebuilt), naive \(naiveRebuilt)")
    }

    /// Every live node's latest netmap equals a from-scratch build, and the peer lists agree
    /// with `may` asked pair by pair.
    private func assertMatchesNaive(_ builder: NetmapBuilder, _ latest: [Netmap.NodeID: SignedNetmap],
                                    checkingPeersPairwise: Bool, context: String) throws {
        let naive = try NetmapBuilder(coordinator: Fixtures.coordinator, configuration: Fixtures.configuration,
                                      policy: builder.policy.file, policyVersion: builder.policyVersion,
                                      nodes: Array(builder.nodes.values))
        XCTAssertEqual(Set(latest.keys), Set(naive.liveNodeIDs), "\(context): the nodes holding netmaps")
        for id in naive.liveNodeIDs {
            let expected = String(decoding: try naive.content(for: id).normalized.jsonBytes(), as: UTF8.self)
            guard let have = latest[id] else { continue }
            let decoded = try Netmap(jsonBytes: Array(have.payload))
            XCTAssertEqual(String(decoding: decoded.normalized.jsonBytes(), as: UTF8.self), expected,
                           "\(context): netmap of \(id)")
            guard checkingPeersPairwise else { continue }
            // Independent check of the peer set: a peer is a node either side may use a server of.
            let me = builder.nodes[id]!.policyNode
            let expectedPeers = builder.nodes.values.filter { other in
                let them = other.policyNode
                return other.servers.contains { builder.policy.may(me, them, server: $0).isAllowed }
                    || me.servers.contains { builder.policy.may(them, me, server: $0).isAllowed }
            }.map(\.name).sorted()
            XCTAssertEqual(decoded.peers.map(\.name), expectedPeers, "\(context): peers of \(me.name)")
        }
    }
}
