import XCTest
import MeshCrypto
import MeshWire
import Policy
@testable import ControlCore

final class NetmapContentTests: XCTestCase {
    struct Expected {
        var node: String
        var peers: [String]
        var inbound: [String: Netmap.ServerTools]
        var outbound: [String: Netmap.ServerTools]
    }

    /// Who sees whom and with which rules, for the mesh of docs/policy.md.
    let table: [Expected] = [
        Expected(node: "alice-desktop", peers: ["nas-1", "nas-2"], inbound: [:],
                 outbound: ["nas-1": ["files": ["*"], "git": ["read_*"]], "nas-2": ["files": ["*"]]]),
        Expected(node: "laptop-1", peers: ["gpu-1", "nas-1", "nas-2"], inbound: [:],
                 outbound: ["gpu-1": ["files": ["*"], "llama": ["*"]],
                            "nas-1": ["files": ["*"], "git": ["read_*"]],
                            "nas-2": ["files": ["*"]]]),
        Expected(node: "nas-1", peers: ["alice-desktop", "ci-1", "laptop-1"],
                 inbound: ["alice-desktop": ["files": ["*"], "git": ["read_*"]],
                           "ci-1": ["git": ["get_?"]],
                           "laptop-1": ["files": ["*"], "git": ["read_*"]]],
                 outbound: [:]),
        Expected(node: "nas-2", peers: ["alice-desktop", "laptop-1"],
                 inbound: ["alice-desktop": ["files": ["*"]], "laptop-1": ["files": ["*"]]], outbound: [:]),
        Expected(node: "gpu-1", peers: ["laptop-1"],
                 inbound: ["laptop-1": ["files": ["*"], "llama": ["*"]]], outbound: [:]),
        Expected(node: "ci-1", peers: ["nas-1"], inbound: [:], outbound: ["nas-1": ["git": ["get_?"]]]),
    ]

    func testNetmapsMatchThePolicy() throws {
        var builder = try Fixtures.builder()
        for row in table {
            let id = try XCTUnwrap(Fixtures.ids([row.node], in: builder).first)
            let signed = try builder.build(for: id, now: Fixtures.t0)
            let netmap = signed.netmap
            XCTAssertEqual(netmap.node.name, row.node)
            XCTAssertEqual(netmap.peers.map(\.name), row.peers, row.node)
            XCTAssertEqual(netmap.byName(netmap.inbound), row.inbound, "\(row.node) inbound")
            XCTAssertEqual(netmap.byName(netmap.outbound), row.outbound, "\(row.node) outbound")
            XCTAssertFalse(netmap.peers.contains { $0.name == "old-laptop" }, "an expired node is in no netmap")
            XCTAssertEqual(try Netmap(jsonBytes: Array(signed.payload)), netmap, "the bytes carry the netmap")
        }
    }

    func testNetmapCarriesNodePeersCoordinatorAndTimes() throws {
        var builder = try Fixtures.builder()
        let netmap = try builder.build(for: Fixtures.id(3), now: Fixtures.t0).netmap
        XCTAssertEqual(netmap.version, 1)
        XCTAssertEqual(netmap.issuedAt, Fixtures.t0)
        XCTAssertEqual(netmap.expiresAt, Fixtures.t0 + Fixtures.day)
        XCTAssertEqual(netmap.policyVersion, 1)
        XCTAssertEqual(netmap.node, Netmap.Node(id: Fixtures.id(3), name: "nas-1", key: Fixtures.identity(3).publicKey,
                                                tags: ["tag:nas"], keyExpiry: Fixtures.t0 + .seconds(180 * 24 * 3600)))
        XCTAssertEqual(netmap.coordinator, Netmap.Coordinator(key: Fixtures.coordinator.publicKey, endpoints: Fixtures.endpoints))
        let ci = try XCTUnwrap(netmap.peer(named: "ci-1"))
        XCTAssertEqual(ci, Netmap.Peer(id: Fixtures.id(6), name: "ci-1", key: Fixtures.identity(6).publicKey,
                                       endpoints: [HostPort("192.0.2.6:41641")!], tags: ["tag:ci"], servers: ["llama"],
                                       online: true, lastSeen: Fixtures.t0))
        XCTAssertEqual(netmap.inbound[ci.key], ["git": ["get_?"]])
        XCTAssertEqual(try builder.build(for: Fixtures.id(3), now: Fixtures.t0).netmap.version, 2, "versions are monotonic")
    }

    func testExpiredAndUnknownNodesGetNoNetmap() throws {
        var builder = try Fixtures.builder()
        XCTAssertThrowsError(try builder.build(for: Fixtures.id(7), now: Fixtures.t0)) {
            XCTAssertEqual($0 as? ControlError, .nodeExpired(Fixtures.id(7), name: "old-laptop"))
        }
        XCTAssertThrowsError(try builder.build(for: Fixtures.id(99), now: Fixtures.t0)) {
            XCTAssertEqual($0 as? ControlError, .unknownNode(Fixtures.id(99)))
        }
    }

    func testEncodingIsOnceAndDeterministic() throws {
        var a = try Fixtures.builder()
        var b = try Fixtures.builder(nodes: Fixtures.nodes.reversed())
        for id in a.liveNodeIDs {
            XCTAssertEqual(try a.build(for: id, now: Fixtures.t0).bytes.dropFirst(65),
                           try b.build(for: id, now: Fixtures.t0).bytes.dropFirst(65),
                           "the same mesh gives the same bytes whatever order it was fed in")
        }
    }

    func testConfigurableLifetime() throws {
        var builder = try Fixtures.builder()
        builder.configuration.lifetime = .seconds(3600)
        XCTAssertEqual(try builder.build(for: Fixtures.id(1), now: Fixtures.t0).netmap.expiresAt, Fixtures.t0 + .seconds(3600))
    }
}
