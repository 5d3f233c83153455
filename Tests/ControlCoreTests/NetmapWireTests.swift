import XCTest
import MeshCrypto
import MeshWire

/// The JSON form (docs/netmap.md): deterministic, sorted keys, strict decoding with paths.
final class NetmapWireTests: XCTestCase {
    static func sample() -> Netmap {
        let nas = Fixtures.identity(3).publicKey
        let laptop = Fixtures.identity(2).publicKey
        return Netmap(
            version: 12, issuedAt: Fixtures.t0, expiresAt: Fixtures.t0 + Fixtures.day,
            node: Netmap.Node(id: Netmap.NodeID(3), name: "nas-1", key: nas, tags: ["tag:nas"],
                              keyExpiry: Fixtures.t0 + .seconds(180 * 24 * 3600)),
            coordinator: Netmap.Coordinator(key: Fixtures.coordinator.publicKey, endpoints: Fixtures.endpoints),
            policyVersion: 5,
            peers: [Netmap.Peer(id: Netmap.NodeID(2), name: "laptop-1", key: laptop,
                                endpoints: [HostPort("192.0.2.2:41641")!, HostPort("[2001:db8::2]:41641")!],
                                tags: ["tag:laptop"], servers: [], online: true, lastSeen: Fixtures.t0)],
            inbound: [laptop: ["files": ["*"], "git": ["read_*"]]],
            outbound: [:])
    }

    func testEncodingIsCompactSortedAndStable() throws {
        let netmap = Self.sample()
        let bytes = netmap.jsonBytes()
        XCTAssertEqual(bytes, netmap.jsonBytes())
        let text = String(decoding: bytes, as: UTF8.self)
        let c = Fixtures.coordinator.publicKey.text, n = Fixtures.identity(3).publicKey.text, l = Fixtures.identity(2).publicKey.text
        XCTAssertEqual(text, """
        {"coordinator":{"endpoints":["vps.example.net:41641"],"key":"\(c)"},"expiresAt":1767312000000,\
        "inbound":{"\(l)":{"files":["*"],"git":["read_*"]}},"issuedAt":1767225600000,\
        "node":{"id":3,"key":"\(n)","keyExpiry":1782777600000,"name":"nas-1","tags":["tag:nas"]},\
        "outbound":{},"peers":[{"endpoints":["192.0.2.2:41641","[2001:db8::2]:41641"],"id":2,"key":"\(l)",\
        "lastSeen":1767225600000,"name":"laptop-1","online":true,"servers":[],"tags":["tag:laptop"]}],\
        "policyVersion":5,"version":12}
        """)
        XCTAssertEqual(try Netmap(jsonBytes: bytes), netmap)
    }

    /// Decodes `mutate`d sample JSON and returns the error.
    private func decodeError(_ mutate: (inout [String: Any]) -> Void) throws -> Netmap.DecodingError? {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Self.sample().jsonBytes())) as? [String: Any])
        mutate(&object)
        let bytes = Array(try JSONSerialization.data(withJSONObject: object))
        do {
            _ = try Netmap(jsonBytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    private func peer0(_ object: inout [String: Any], _ body: (inout [String: Any]) -> Void) {
        var peers = object["peers"] as! [[String: Any]]
        body(&peers[0])
        object["peers"] = peers
    }

    func testUnknownFieldsAreRefusedWithTheirPath() throws {
        XCTAssertEqual(try decodeError { $0["colour"] = "blue" }, .unknownField(path: "colour"))
        XCTAssertEqual(try decodeError { o in self.peer0(&o) { $0["relay"] = true } }, .unknownField(path: "peers[0].relay"))
        XCTAssertEqual(try decodeError { o in
            var node = o["node"] as! [String: Any]
            node["admin"] = true
            o["node"] = node
        }, .unknownField(path: "node.admin"))
    }

    func testWrongTypesAndMissingFieldsNameThePath() throws {
        XCTAssertEqual(try decodeError { $0["version"] = "12" }, .wrongType(path: "version", expected: "a non-negative integer"))
        XCTAssertEqual(try decodeError { o in self.peer0(&o) { $0["online"] = 1 } },
                       .wrongType(path: "peers[0].online", expected: "true or false"))
        XCTAssertEqual(try decodeError { $0["peers"] = [:] as [String: Any] }, .wrongType(path: "peers", expected: "a list"))
        XCTAssertEqual(try decodeError { $0["outbound"] = ["x"] }, .wrongType(path: "outbound", expected: "an object"))
        XCTAssertEqual(try decodeError { $0["issuedAt"] = NSNull() },
                       .wrongType(path: "issuedAt", expected: "an integer, not null"))
        XCTAssertEqual(try decodeError { $0["policyVersion"] = nil }, .missingField(path: "policyVersion"))
        XCTAssertEqual(try decodeError { o in self.peer0(&o) { $0["lastSeen"] = nil } }, .missingField(path: "peers[0].lastSeen"))
        XCTAssertEqual(try decodeError { o in
            let key = Fixtures.identity(2).publicKey.text
            o["inbound"] = [key: ["files": "*"]]
        }, .wrongType(path: "inbound[\"\(Fixtures.identity(2).publicKey.text)\"].files", expected: "a list"))
    }

    func testInvalidKeysAndEndpointsAreRefused() throws {
        guard case .invalidValue(path: "node.key", _) = try decodeError({ o in
            var node = o["node"] as! [String: Any]
            node["key"] = "mpk:00"
            o["node"] = node
        }) else { return XCTFail("a short key is refused at node.key") }
        guard case .invalidValue(path: "peers[0].endpoints[1]", _) = try decodeError({ o in
            self.peer0(&o) { $0["endpoints"] = ["192.0.2.2:41641", "no-port"] }
        }) else { return XCTFail("an endpoint without a port is refused") }
        guard case .invalidValue(path: "inbound[\"nas-1\"]", _) = try decodeError({ $0["inbound"] = ["nas-1": [:] as [String: Any]] })
        else { return XCTFail("inbound is keyed by identity keys") }
        let negative = try decodeError({ $0["version"] = -1 })
        guard case .invalidValue(path: "version", _) = negative
        else { return XCTFail("a negative version is refused") }
    }

    func testNotJSONAndNotAnObject() throws {
        XCTAssertThrowsError(try Netmap(jsonBytes: Array("{\"version\":".utf8))) { error in
            guard case .notJSON = error as? Netmap.DecodingError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Netmap(jsonBytes: Array("[1]".utf8))) { error in
            XCTAssertEqual(error as? Netmap.DecodingError, .wrongType(path: "(top level)", expected: "an object"))
            XCTAssertEqual("\(error)", "the netmap's (top level) must be an object")
        }
    }

    func testTimeArithmeticAndText() {
        XCTAssertEqual((Fixtures.t0 + .seconds(1.5)).unixMilliseconds, 1_767_225_601_500)
        XCTAssertEqual(Fixtures.t0 + Fixtures.day - Fixtures.t0, Fixtures.day)
        XCTAssertEqual(Fixtures.t0.description, "2026-01-01T00:00:00.000Z")
        XCTAssertEqual(Netmap.Time(unixMilliseconds: -1).description, "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(Netmap.Time(unixMilliseconds: .max - 1) + .seconds(10), Netmap.Time(unixMilliseconds: .max))
        XCTAssertEqual(Netmap.Time(Fixtures.t0.date), Fixtures.t0)
    }
}

extension NetmapWireTests {
    func testOutOfRangeNumbersAreReportedAtTheirPath() throws {
        guard case .invalidValue(path: "peers[0].id", _) = try decodeError({ o in self.peer0(&o) { $0["id"] = 1.5 } })
        else { return XCTFail("a fractional id is refused at its path") }
        guard case .invalidValue(path: "node.keyExpiry", _) = try decodeError({ o in
            var node = o["node"] as! [String: Any]
            node["keyExpiry"] = 1e30
            o["node"] = node
        }) else { return XCTFail("a time out of range is refused at its path") }
    }
}
