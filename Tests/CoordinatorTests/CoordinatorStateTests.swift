import Foundation
import MeshCrypto
import Registry
import XCTest
@testable import Coordinator

/// The seam for the control service: which nodes each change announces, and the live
/// directory following the registry.
final class CoordinatorStateTests: XCTestCase {
    /// nas-1 and nas-2 serve; laptop-1 uses them; gpu-1 is unrelated under `laptopsToNAS`.
    private func mesh() async throws -> (InProcessCoordinator, AsyncStream<NodesChanged>.AsyncIterator) {
        let c = try InProcessCoordinator()
        for (name, tag) in [("nas-1", "tag:nas"), ("nas-2", "tag:nas"), ("laptop-1", "tag:laptop"), ("gpu-1", "tag:gpu")] {
            try await Nodes.register(name, tags: [tag], in: c.state, now: c.clock.now)
        }
        _ = try await c.state.setPolicy(text: Policies.laptopsToNAS, file: "p.json", actor: "t")
        return (c, await c.state.changes().makeAsyncIterator())
    }

    func testRegistrationAnnouncesTheNodeAndItsPeers() async throws {
        let c = try InProcessCoordinator()
        _ = try await c.state.setPolicy(text: Policies.tagsOnly, file: "p.json", actor: "t")
        var changes = await c.state.changes().makeAsyncIterator()
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        var change = await changes.next()
        XCTAssertEqual(change?.cause, .nodeRegistered("nas-1"))
        XCTAssertEqual(change?.affected, ["nas-1"])
        try await Nodes.register("laptop-1", tags: ["tag:laptop"], in: c.state, now: c.clock.now)
        change = await changes.next()
        XCTAssertEqual(change?.affected, ["laptop-1", "nas-1"])
        try await Nodes.register("gpu-1", tags: ["tag:gpu"], in: c.state, now: c.clock.now)
        change = await changes.next()
        XCTAssertEqual(change?.affected, ["gpu-1"], "a node no grant touches affects only itself")
    }

    func testTaggingAnnouncesPeersBeforeAndAfter() async throws {
        var (c, changes) = try await mesh()
        _ = try await c.state.tagNode(named: "laptop-1", tags: ["tag:gpu"], actor: "t")
        var change = await changes.next()
        XCTAssertEqual(change?.cause, .nodeTagged("laptop-1"))
        XCTAssertEqual(change?.affected, ["laptop-1", "nas-1", "nas-2"], "it loses both NAS peers")
        _ = try await c.state.tagNode(named: "gpu-1", tags: ["tag:laptop"], actor: "t")
        change = await changes.next()
        XCTAssertEqual(change?.affected, ["gpu-1", "nas-1", "nas-2"], "it gains both NAS peers")
        let snapshot = await c.state.snapshot()
        XCTAssertEqual(snapshot.policy.peers(of: "nas-1"), ["gpu-1"])
        XCTAssertEqual(snapshot.nodes["gpu-1"]?.tags, ["tag:laptop"])
    }

    func testExpireAndRemoveDropTheNodeFromItsPeers() async throws {
        var (c, changes) = try await mesh()
        _ = try await c.state.expireNode(named: "nas-2", actor: "t")
        var change = await changes.next()
        XCTAssertEqual(change?.affected, ["nas-2", "laptop-1"])
        var snapshot = await c.state.snapshot()
        XCTAssertEqual(snapshot.policy.peers(of: "laptop-1"), ["nas-1"])

        _ = try await c.state.removeNode(named: "nas-1", actor: "t")
        change = await changes.next()
        XCTAssertEqual(change?.cause, .nodeRemoved("nas-1"))
        XCTAssertEqual(change?.affected, ["laptop-1"], "the removed node itself is not pushed to")
        XCTAssertEqual(change?.removed.map(\.name), ["nas-1"])
        snapshot = await c.state.snapshot()
        XCTAssertNil(snapshot.nodes["nas-1"])
        XCTAssertTrue(snapshot.policy.peers(of: "laptop-1").isEmpty)
    }

    func testPolicyChangesAnnounceOnlyTheNodesTheyAffect() async throws {
        var (c, changes) = try await mesh()
        let applied = try await c.state.setPolicy(text: Policies.narrower, file: "n.json", actor: "t")
        let change = await changes.next()
        XCTAssertEqual(change?.cause, .policy(version: 2))
        XCTAssertEqual(change?.affected, ["laptop-1", "gpu-1", "nas-1", "nas-2"])
        XCTAssertEqual(applied.affectedNodes, 4)

        // Reordering and comments only: stored, but nobody's netmap changes.
        let reworded = Policies.narrower.replacingOccurrences(of: "{\n", with: "{\n  // reworded\n")
        let quiet = try await c.state.setPolicy(text: reworded, file: "n.json", actor: "t")
        XCTAssertEqual(quiet.version, 3)
        XCTAssertEqual(quiet.affectedNodes, 0)
        XCTAssertTrue(quiet.diff.isEmpty)

        // A rejected policy announces nothing; the next announcement is the rollback's.
        do {
            _ = try await c.state.setPolicy(text: Policies.threeProblems, file: "bad.json", actor: "t")
            XCTFail("accepted a bad policy")
        } catch {
            guard case .policyRejected(_, let problems, let live) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.count, 3)
            XCTAssertEqual(live, 3)
        }
        _ = try await c.state.rollbackPolicy(to: 1, actor: "t")
        let rollback = await changes.next()
        XCTAssertEqual(rollback?.cause, .policy(version: 4))
        XCTAssertEqual(rollback?.affected, ["laptop-1", "gpu-1", "nas-1", "nas-2"])
    }

    func testKeyExpiryIsNoticedAndAnnounced() async throws {
        let c = try InProcessCoordinator()
        _ = try await c.state.setPolicy(text: Policies.tagsOnly, file: "p.json", actor: "t")
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        try await Nodes.register("laptop-1", tags: ["tag:laptop"], in: c.state, now: c.clock.now, keyLifetime: 3_600)
        var changes = await c.state.changes().makeAsyncIterator()
        await c.state.refreshExpiries()
        c.clock.advance(by: 3_601)
        await c.state.refreshExpiries()
        let change = await changes.next()
        XCTAssertEqual(change?.cause, .keysExpired(["laptop-1"]))
        XCTAssertEqual(change?.affected, ["laptop-1", "nas-1"])
        let decision = try await c.state.explain(source: "laptop-1", target: "nas-1/files")
        XCTAssertEqual(decision.description, "denied: node laptop-1 has expired")
        let listing = await c.state.listNodes()
        XCTAssertEqual(listing.first { $0.node.name == "laptop-1" }?.expired, true)
    }

    func testNodeUpdatesAnnounceWhenServersOrEndpointsChange() async throws {
        var (c, changes) = try await mesh()
        let nas = try XCTUnwrap(try c.registry.node(named: "nas-1"))
        try await c.state.recordNodeSeen(nas.id)
        try await c.state.recordNodeSeen(nas.id, endpoints: ["198.51.100.7:41641"])
        let change = await changes.next()
        XCTAssertEqual(change?.cause, .nodeUpdated("nas-1"), "a plain heartbeat announces nothing")
        XCTAssertEqual(change?.affected, ["nas-1", "laptop-1"])
        try await c.state.recordNodeSeen(nas.id, servers: ["git"])
        let servers = await changes.next()
        XCTAssertEqual(servers?.affected, ["nas-1", "laptop-1"])
        let snapshot = await c.state.snapshot()
        XCTAssertEqual(snapshot.policy.outboundAccess(from: "laptop-1").first { $0.peer == "nas-1" }?.servers.map(\.server), ["git"])
    }

    func testStateReloadsTheLivePolicyAndNodesFromTheRegistry() async throws {
        let c = try InProcessCoordinator()
        try await Nodes.register("nas-1", tags: ["tag:nas"], in: c.state, now: c.clock.now)
        try await Nodes.register("laptop-1", tags: ["tag:laptop"], in: c.state, now: c.clock.now)
        _ = try await c.state.setPolicy(text: Policies.laptopsToNAS, file: "p.json", actor: "t")
        let reloaded = try CoordinatorState(registry: c.registry, clock: c.clock.function)
        let version = await reloaded.livePolicyVersion
        XCTAssertEqual(version, 1)
        let decision = try await reloaded.explain(source: "laptop-1", target: "nas-1/files/read_file")
        XCTAssertEqual(decision.description, "allowed by grants[0] at 5:5")
    }

    func testOfflineCheckUsesAnEmptyDirectory() throws {
        let report = try CoordinatorState.checkPolicyOffline(text: """
            { "tags": ["tag:a"], "grants": [ { "src": ["tag:a"], "dst": ["*"], "mcp": ["*"] } ] }
            """, file: "x.json")
        XCTAssertEqual(report.tests, 0)
        XCTAssertThrowsError(try CoordinatorState.checkPolicyOffline(text: Policies.laptopsToNAS, file: "p.json")) { error in
            guard case .policyRejected(_, let problems, _)? = error as? CoordinatorError else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.count, 2)
            XCTAssertTrue(problems[0].contains("there is no node named nas-1"), problems[0])
        }
        XCTAssertEqual(CoordinatorState.problems(inPolicyBytes: [0x7B, 0xFF, 0x7D], file: "b.json"),
                       ["b.json:1:2: Found the invalid UTF-8 byte 0xFF where a key in double quotes or \"}\" was expected."])
    }
}
