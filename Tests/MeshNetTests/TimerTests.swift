import MeshCrypto
import MeshTransport
import MeshWire
import NIOCore
import NIOPosix
import XCTest

@testable import MeshNet

/// The one timer on the event loop, driven by consumers' deadlines and by the sessions
/// core's own.
final class TimerTests: XCTestCase {
    func testConsumerDeadlinesDriveTheTimer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (a, b) = try await connectedPair(group: group)
        try await a.endpoint.send([0], to: b.key).get()
        _ = await eventually { (try? await b.read { $0.datagrams.count }) == 1 }

        try await b.endpoint.execute { handler in
            handler.attach(TickConsumer(first: handler.now() + .milliseconds(30)), for: a.key)
        }.get()
        let ticked = await eventually(timeout: .seconds(3)) { (try? await a.read { $0.datagrams.count }) == 3 }
        XCTAssertTrue(ticked, "three deadlines, three datagrams, with no input in between")
        let payloads = try await a.read { $0.datagrams.map(\.payload) }
        XCTAssertEqual(payloads, [[1], [2], [3]])
        let firings = try await b.endpoint.stats().get().shell.timerFirings
        XCTAssertGreaterThanOrEqual(firings, 3)

        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
        try await group.shutdownGracefully()
    }

    /// The core's retry deadline (rekeyTimeout, 5 s plus jitter) fires through the timer:
    /// a peer that does not answer gets a second initiation.
    func testHandshakeRetriedByTheSessionTimer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let a = try await TestNode.start(on: loop)
        let (silent, counter) = try await RawSocketCounter.open(on: loop)
        let silentAddress = try XCTUnwrap(silent.localAddress.flatMap(UDPAddress.init))
        let peer = IdentitySecretKey.generate().publicKey
        try await a.endpoint.setPeers([peer: silentAddress]).get()

        try await a.endpoint.send([1], to: peer).get()
        let first = await eventually(timeout: .seconds(2)) { (try? await counter.count(on: loop)) == 1 }
        XCTAssertTrue(first, "the first initiation goes out at once")
        let retried = await eventually(timeout: .seconds(8)) { (try? await counter.count(on: loop)) == 2 }
        XCTAssertTrue(retried, "the retry timer sent a second initiation")
        let stats = try await a.endpoint.stats().get()
        XCTAssertEqual(stats.sessions.handshakesInitiated, 2)
        XCTAssertGreaterThanOrEqual(stats.shell.timerFirings, 1)

        try await silent.close().get()
        try await a.endpoint.close().get()
        try await group.shutdownGracefully()
    }
}

/// Sends a numbered tick at each of three deadlines 30 ms apart.
final class TickConsumer: MeshPeerConsumer {
    var next: Instant?
    var ticks: UInt8 = 0

    init(first: Instant) { next = first }

    func receive(_ payload: [UInt8], counter: UInt64, now: Instant) {}

    func produce(_ link: MeshPeerLink, now: Instant) {
        guard let due = next, due <= now, link.nextSendCounter != nil else { return }
        ticks += 1
        link.send([ticks])
        next = ticks < 3 ? now + .milliseconds(30) : nil
    }

    var nextDeadline: Instant? { next }
}
