import Foundation
import XCTest
import MeshCrypto
import MeshNet
import NIOCore
import NIOPosix
@testable import MeshConnect

final class PerfTests: XCTestCase {
    var group: MultiThreadedEventLoopGroup!

    override func setUp() { group = MultiThreadedEventLoopGroup(numberOfThreads: 2) }
    override func tearDown() { try? group.syncShutdownGracefully() }

    func server() async throws -> (MeshEndpoint, IdentityPublicKey, [String]) {
        let id = IdentitySecretKey.generate()
        var config = MeshEndpointConfiguration()
        config.admission = .any(maxAdmitted: 8)
        let endpoint = try await MeshEndpoint.bind(host: "127.0.0.1", port: 0, identity: id, configuration: config, on: group.next())
        try await PerfServer.start(on: endpoint, out: nil) { _ in }.get()
        return (endpoint, id.publicKey, [])
    }

    func client() async throws -> MeshEndpoint {
        try await MeshEndpoint.bind(host: "127.0.0.1", port: 0, identity: IdentitySecretKey.generate(), on: group.next())
    }

    func testGeneratedBytesOverSeveralStreamsArriveIntact() async throws {
        let (srv, key, _) = try await server()
        for (bytes, streams) in [(UInt64(3 << 20), 3), (UInt64(1), 2), (UInt64(0), 1), (UInt64(70_001), 1)] {
            let cli = try await client()
            let r = try await PerfClient.run(on: cli, server: key, address: srv.boundAddress, source: .generated(bytes),
                                             streams: streams, timeout: .seconds(60)).get()
            XCTAssertEqual(r.bytes, bytes)
            XCTAssertGreaterThan(r.seconds, 0)
            try await cli.close().get()
        }
        try await srv.close().get()
    }

    func testFileIsWrittenByTheServer() async throws {
        let id = IdentitySecretKey.generate()
        var config = MeshEndpointConfiguration()
        config.admission = .any(maxAdmitted: 8)
        let srv = try await MeshEndpoint.bind(host: "127.0.0.1", port: 0, identity: id, configuration: config, on: group.next())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("perf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in"), output = dir.appendingPathComponent("out")
        var rng = SystemRandom()
        let data = rng.bytes(1_234_567)
        try Data(data).write(to: input)
        try await PerfServer.start(on: srv, out: output.path) { _ in }.get()
        let cli = try await client()
        let r = try await PerfClient.run(on: cli, server: id.publicKey, address: srv.boundAddress, source: .file(input.path),
                                         streams: 1, timeout: .seconds(60)).get()
        XCTAssertEqual(r.bytes, UInt64(data.count))
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(Array(try Data(contentsOf: output)), data)
        try await cli.close().get()
        try await srv.close().get()
    }

    func testWrongServerKeyFailsWithAClearError() async throws {
        let (srv, _, _) = try await server()
        let cli = try await client()
        do {
            _ = try await PerfClient.run(on: cli, server: IdentitySecretKey.generate().publicKey, address: srv.boundAddress,
                                         source: .generated(1000), streams: 1, timeout: .seconds(30), connectTimeout: .seconds(2)).get()
            XCTFail("a wrong key must not connect")
        } catch let e as PerfError {
            XCTAssertTrue(e.description.contains("handshake got no answer"), e.description)
        }
        try await cli.close().get()
        try await srv.close().get()
    }

    func testRolesAgreeWhoeverConnects() {
        let a = IdentitySecretKey.generate().publicKey, b = IdentitySecretKey.generate().publicKey
        XCTAssertNotEqual(StreamPeer.role(local: a, remote: b), StreamPeer.role(local: b, remote: a))
    }
}
