import XCTest
import MeshCrypto
import MeshWire
import Policy
@testable import ControlCore

/// Which netmaps each change says must be rebuilt, on the mesh of docs/policy.md.
final class RebuildSetTests: XCTestCase {
    private var builder: NetmapBuilder!

    override func setUpWithError() throws {
        builder = try Fixtures.builder()
        for id in builder.liveNodeIDs { _ = try builder.build(for: id, now: Fixtures.t0) }
    }

    private func names(_ ids: Set<Netmap.NodeID>) -> [String] { Fixtures.names(ids, in: builder) }

    private func peers(of name: String) throws -> [String] {
        let id = try XCTUnwrap(Fixtures.ids([name], in: builder).first)
        return try builder.build(for: id, now: Fixtures.t0).netmap.peers.map(\.name)
    }

    func testTagChangeAffectsTheNodeAndItsOldAndNewPeersOnly() throws {
        // laptop-1 drops tag:laptop: it loses nas-1, nas-2 and gpu-1.
        XCTAssertEqual(names(try builder.tagsChanged(Fixtures.id(2), to: [])), ["gpu-1", "laptop-1", "nas-1", "nas-2"])
        XCTAssertEqual(try peers(of: "laptop-1"), [])
        XCTAssertEqual(try peers(of: "gpu-1"), [])
        // ci-1 gains tag:laptop: it keeps nas-1 and gains nas-2 and gpu-1; alice is untouched.
        XCTAssertEqual(names(try builder.tagsChanged(Fixtures.id(6), to: ["tag:ci", "tag:laptop"])), ["ci-1", "gpu-1", "nas-1", "nas-2"])
        XCTAssertEqual(try peers(of: "ci-1"), ["gpu-1", "nas-1", "nas-2"])
        // gpu-1 becomes a nas as well: alice-desktop and ci-1 (now a laptop) gain it.
        XCTAssertEqual(names(try builder.tagsChanged(Fixtures.id(5), to: ["tag:gpu", "tag:nas"])), ["alice-desktop", "ci-1", "gpu-1"])
    }

    func testJoinAffectsTheNewNodeAndItsPeers() throws {
        let joined = try builder.nodeJoined(Fixtures.node(8, "laptop-2", tags: ["tag:laptop"]))
        XCTAssertEqual(names(joined), ["gpu-1", "laptop-2", "nas-1", "nas-2"])
        XCTAssertEqual(try peers(of: "gpu-1"), ["laptop-1", "laptop-2"])
        XCTAssertEqual(names(try builder.nodeJoined(Fixtures.node(9, "printer"))), ["printer"], "a node no grant selects affects only itself")
    }

    func testRemovalDropsTheNodeFromEveryNetmapItWasIn() throws {
        XCTAssertEqual(names(try builder.nodeRemoved(Fixtures.id(3))), ["alice-desktop", "ci-1", "laptop-1"])
        for id in builder.liveNodeIDs {
            XCTAssertFalse(try builder.build(for: id, now: Fixtures.t0).netmap.peers.contains { $0.name == "nas-1" })
        }
        XCTAssertEqual(try peers(of: "ci-1"), [])
        XCTAssertThrowsError(try builder.build(for: Fixtures.id(3), now: Fixtures.t0)) {
            XCTAssertEqual($0 as? ControlError, .unknownNode(Fixtures.id(3)))
        }
        XCTAssertThrowsError(try builder.nodeRemoved(Fixtures.id(3)))
    }

    func testExpiryDropsTheNodeAndRenewalBringsItBack() throws {
        XCTAssertEqual(names(try builder.nodeExpired(Fixtures.id(5))), ["laptop-1"])
        XCTAssertEqual(try peers(of: "laptop-1"), ["nas-1", "nas-2"])
        XCTAssertThrowsError(try builder.build(for: Fixtures.id(5), now: Fixtures.t0))
        XCTAssertEqual(names(try builder.tagsChanged(Fixtures.id(5), to: ["tag:nas"])), [], "an expired node affects no one")
        var renewed = try XCTUnwrap(builder.nodes[Fixtures.id(5)])
        renewed.expired = false
        renewed.tags = ["tag:gpu"]
        XCTAssertEqual(names(try builder.nodeUpdated(renewed)), ["gpu-1", "laptop-1"])
        XCTAssertEqual(try peers(of: "laptop-1"), ["gpu-1", "nas-1", "nas-2"])
    }

    func testKeyExpiryPassingExpiresTheNode() throws {
        var short = try XCTUnwrap(builder.nodes[Fixtures.id(6)])
        short.keyExpiry = Fixtures.t0 + .seconds(60)
        XCTAssertEqual(names(try builder.nodeUpdated(short)), ["ci-1"], "a new key expiry is in the node's own netmap only")
        XCTAssertEqual(builder.expireKeys(asOf: Fixtures.t0), [])
        XCTAssertEqual(names(builder.expireKeys(asOf: Fixtures.t0 + .seconds(60))), ["nas-1"])
        XCTAssertEqual(builder.nodes[Fixtures.id(6)]?.expired, true)
    }

    func testEndpointsPresenceServersAndKeys() throws {
        XCTAssertEqual(names(try builder.endpointsChanged(Fixtures.id(4), to: [HostPort("198.51.100.4:5000")!])),
                       ["alice-desktop", "laptop-1"], "a node's own netmap does not list its endpoints")
        XCTAssertEqual(try builder.build(for: Fixtures.id(1), now: Fixtures.t0).netmap.peer(named: "nas-2")?.endpoints,
                       [HostPort("198.51.100.4:5000")!])
        XCTAssertEqual(names(try builder.presenceChanged(Fixtures.id(4), online: false, lastSeen: Fixtures.t0 + .seconds(5))),
                       ["alice-desktop", "laptop-1"])
        XCTAssertEqual(names(try builder.serversChanged(Fixtures.id(5), to: ["llama"])), ["gpu-1", "laptop-1"])
        let laptop = try builder.build(for: Fixtures.id(2), now: Fixtures.t0).netmap
        XCTAssertEqual(laptop.byName(laptop.outbound)["gpu-1"], ["llama": ["*"]])
        var rotated = try XCTUnwrap(builder.nodes[Fixtures.id(4)])
        rotated.key = Fixtures.identity(44).publicKey
        XCTAssertEqual(names(try builder.nodeUpdated(rotated)), ["alice-desktop", "laptop-1", "nas-2"])
        XCTAssertEqual(names(try builder.nodeUpdated(rotated)), [], "no change, nothing to rebuild")
    }

    func testRenameAffectsTheNodeAndItsPeers() throws {
        var renamed = try XCTUnwrap(builder.nodes[Fixtures.id(1)])
        renamed.name = "alice-laptop"  // loses node:alice-desktop in group:clients
        XCTAssertEqual(names(try builder.nodeUpdated(renamed)), ["alice-laptop", "nas-1", "nas-2"])
        XCTAssertEqual(try peers(of: "alice-laptop"), [])
    }

    func testPolicyEditAffectsOnlyNodesAffected() throws {
        let moved = Fixtures.policyText.replacingOccurrences(of: #""dst": ["node:nas-1"]"#, with: #""dst": ["node:nas-2"]"#)
        // nas-2 is a member of the changed grant but publishes no git server: its netmap stays.
        XCTAssertEqual(names(builder.policyReplaced(try Fixtures.policy(moved), version: 2)), ["ci-1", "nas-1"])
        XCTAssertEqual(try peers(of: "ci-1"), [], "nas-2 publishes no git server")
        XCTAssertEqual(try builder.build(for: Fixtures.id(3), now: Fixtures.t0).netmap.policyVersion, 2)

        let narrowed = moved.replacingOccurrences(of: #""mcp": ["*"]"#, with: #""mcp": ["llama"]"#)
        XCTAssertEqual(names(builder.policyReplaced(try Fixtures.policy(narrowed), version: 3)), ["gpu-1", "laptop-1"],
                       "old-laptop is a member too, but expired")

        let reordered = """
        { "tags": ["tag:laptop", "tag:nas", "tag:gpu", "tag:ci"],
          "grants": [
            { "src": ["tag:laptop"], "dst": ["tag:gpu"], "mcp": ["llama"] },
            { "src": ["tag:ci"], "dst": ["node:nas-2"], "mcp": ["git:get_?"] },
            // the group inlined: same effect
            { "src": ["tag:laptop", "node:alice-desktop"], "dst": ["tag:nas"], "mcp": ["git:read_*", "files"] },
          ] }
        """
        XCTAssertEqual(builder.policyReplaced(try Fixtures.policy(reordered), version: 4), [], "no effect, no rebuild")
    }

    func testConflictingNamesAndKeysAreRefused() throws {
        XCTAssertThrowsError(try builder.nodeJoined(Fixtures.node(8, "nas-1"))) {
            XCTAssertEqual($0 as? ControlError, .nameTaken("nas-1", by: Fixtures.id(3)))
        }
        XCTAssertThrowsError(try builder.nodeJoined(Fixtures.node(8, "new", keySeed: 3))) {
            XCTAssertEqual($0 as? ControlError, .keyTaken(Fixtures.identity(3).publicKey, by: Fixtures.id(3)))
        }
        XCTAssertThrowsError(try builder.nodeJoined(Fixtures.node(3, "other"))) {
            XCTAssertEqual($0 as? ControlError, .nodeAlreadyJoined(Fixtures.id(3), name: "nas-1"))
        }
        XCTAssertThrowsError(try builder.tagsChanged(Fixtures.id(99), to: [])) {
            XCTAssertEqual($0 as? ControlError, .unknownNode(Fixtures.id(99)))
        }
        XCTAssertEqual(builder.nodes.count, 7, "a refused change changes nothing")
    }
}
