import MeshCrypto
import NIOCore
import NIOPosix
import XCTest

@testable import MeshNet

/// What the shell does when the socket cannot carry a transmit, or goes away.
final class SocketFailureTests: XCTestCase {
    /// An IPv6 endpoint for a peer of an IPv4 socket cannot be sent to: NIO would fail the
    /// write fatally and close the socket, so the shell drops it and counts it instead.
    func testUnsendableAddressFamilyIsDroppedNotFatal() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (a, b) = try await connectedPair(group: group)
        let v6peer = IdentitySecretKey.generate().publicKey
        try await a.endpoint.addPeer(v6peer, endpoint: try UDPAddress(ip: "::1", port: 9)).get()
        try await a.endpoint.send([1], to: v6peer).get()
        let unsendable = try await a.endpoint.stats().get().shell.unsendable
        XCTAssertEqual(unsendable, 1)

        // The socket still works.
        try await a.endpoint.send([2], to: b.key).get()
        let delivered = await eventually { (try? await b.read { $0.datagrams.map(\.payload) }) == [[2]] }
        XCTAssertTrue(delivered)
        let closed = try await a.read { $0.socketClosed }
        XCTAssertEqual(closed, [])

        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
        try await group.shutdownGracefully()
    }

    /// A socket that closes without `close()` is reported once, and sends fail afterwards.
    func testUnexpectedSocketCloseIsReported() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (a, b) = try await connectedPair(group: group)
        try await a.endpoint.execute { $0.context!.channel.close(promise: nil) }.get()
        let reported = await eventually { (try? await a.read { $0.socketClosed.count }) == 1 }
        XCTAssertTrue(reported)
        do {
            try await a.endpoint.send([1], to: b.key).get()
            XCTFail("sending on a closed endpoint fails")
        } catch let error as MeshNetError {
            XCTAssertEqual(error, .closed)
        }
        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
        try await group.shutdownGracefully()
    }
}
