import MeshCrypto
import MeshTransport
import MeshWire
import NIOCore
import NIOPosix
import XCTest

@testable import MeshNet

/// Two real endpoints on 127.0.0.1 (ephemeral ports), each on its own event loop.
final class EndpointTests: XCTestCase {
    var group: MultiThreadedEventLoopGroup!

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    override func tearDown() async throws {
        try await group.shutdownGracefully()
        group = nil
    }

    func testHandshakeAndDatagramsBothWays() async throws {
        let (a, b) = try await connectedPair(group: group)
        XCTAssertNotEqual(a.address.port, 0, "port 0 binds an ephemeral port and reports it")
        try await a.endpoint.send(Array("ping".utf8), to: b.key).get()
        let gotPing = await eventually { (try? await b.read { $0.datagrams.count }) == 1 }
        XCTAssertTrue(gotPing)
        try await b.endpoint.send(Array("pong".utf8), to: a.key).get()
        let gotPong = await eventually { (try? await a.read { $0.datagrams.count }) == 1 }
        XCTAssertTrue(gotPong)

        let atB = try await b.read { $0.datagrams.map { ($0.from, $0.payload) } }
        XCTAssertEqual(atB.first?.0, a.key)
        XCTAssertEqual(atB.first?.1, Array("ping".utf8))
        let atA = try await a.read { $0.datagrams.map { ($0.from, $0.payload) } }
        XCTAssertEqual(atA.first?.0, b.key)
        XCTAssertEqual(atA.first?.1, Array("pong".utf8))

        let completedA = try await a.read { $0.completed.map { $0.1 } }
        let completedB = try await b.read { $0.completed.map { $0.1 } }
        XCTAssertEqual(completedA, [true], "A initiated")
        XCTAssertEqual(completedB, [false], "B responded")

        let status = try await a.endpoint.status(of: b.key).get()
        XCTAssertEqual(status?.hasSession, true)
        XCTAssertEqual(status?.endpoint, b.address.description)
        let stats = try await b.endpoint.stats().get()
        XCTAssertEqual(stats.sessions.dropped, 0)
        XCTAssertGreaterThan(stats.shell.readBatches, 0)

        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
    }

    func testIPv6Loopback() async throws {
        let (a, b) = try await connectedPair(group: group, host: "::1")
        XCTAssertTrue(a.address.isIPv6)
        try await a.endpoint.send([6], to: b.key).get()
        let there = await eventually { (try? await b.read { $0.datagrams.map(\.payload) }) == [[6]] }
        XCTAssertTrue(there)
        try await b.endpoint.send([7], to: a.key).get()
        let back = await eventually { (try? await a.read { $0.datagrams.map(\.payload) }) == [[7]] }
        XCTAssertTrue(back)
        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
    }

    func testSendToUnknownPeerFails() async throws {
        let (a, b) = try await connectedPair(group: group)
        let stranger = IdentitySecretKey.generate().publicKey
        do {
            try await a.endpoint.send([1], to: stranger).get()
            XCTFail("sending to a peer that is not allowed must fail")
        } catch let error as MeshNetError {
            XCTAssertEqual(error, .unknownPeer(stranger))
        }
        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
    }

    func testUnknownPeerGetsNoAnswer() async throws {
        let loop = group.next()
        let b = try await TestNode.start(on: loop)
        let allowed = IdentitySecretKey.generate().publicKey
        try await b.endpoint.setPeers([allowed: nil]).get()

        // A stranger's initiation, made by a sessions core of its own, sent from a plain socket.
        let stranger = IdentitySecretKey.generate()
        let (raw, counter) = try await RawSocketCounter.open(on: loop)
        var core = SessionManager<UDPAddress>(identity: stranger, config: SessionConfig(wallClockAtZero: 1_764_000_000_000_000_000))
        try core.addPeer(b.key, endpoint: b.address)
        func initiation(now: Instant) throws -> [UInt8] {
            var actions: [SessionAction<UDPAddress>] = []
            try core.send([1, 2, 3], to: b.key, now: now, into: &actions)
            guard case .transmit(let bytes, _)? = actions.first else { throw MeshNetError.closed }
            return bytes
        }
        let first = try initiation(now: Instant(nanoseconds: 1_000_000_000))
        try await raw.writeAndFlush(AddressedEnvelope(remoteAddress: b.address.socketAddress,
                                                      data: ByteBuffer(bytes: first))).get()
        let counted = await eventually(timeout: .seconds(2)) {
            (try? await b.endpoint.stats().get().sessions.unknownPeer) == 1
        }
        XCTAssertTrue(counted, "the endpoint saw the initiation and counted it as from an unknown peer")
        try await Task.sleep(for: .milliseconds(300))
        let answers = try await counter.count(on: loop)
        XCTAssertEqual(answers, 0, "an unknown static key gets no answer at all")
        let written = try await b.endpoint.stats().get().shell.datagramsWritten
        XCTAssertEqual(written, 0)

        // Control: once the same key is allowed, the same kind of packet is answered, so the
        // silence above was the policy, not the test's plumbing.
        try await b.endpoint.addPeer(stranger.publicKey, endpoint: nil).get()
        core = SessionManager<UDPAddress>(identity: stranger, config: SessionConfig(wallClockAtZero: 1_764_000_000_000_000_000))
        try core.addPeer(b.key, endpoint: b.address)
        let second = try initiation(now: Instant(nanoseconds: 2_000_000_000))
        try await raw.writeAndFlush(AddressedEnvelope(remoteAddress: b.address.socketAddress,
                                                      data: ByteBuffer(bytes: second))).get()
        let answered = await eventually(timeout: .seconds(2)) { (try? await counter.count(on: loop)) == 1 }
        XCTAssertTrue(answered, "an allowed key's initiation gets a response")

        try await raw.close().get()
        try await b.endpoint.close().get()
    }

    func testRoamingToANewPort() async throws {
        let (a, b) = try await connectedPair(group: group)
        try await a.endpoint.send([1], to: b.key).get()
        let first = await eventually { (try? await b.read { $0.datagrams.count }) == 1 }
        XCTAssertTrue(first)
        let oldAddress = a.address

        let newAddress = try await a.endpoint.rebind(host: "127.0.0.1", port: 0).get()
        XCTAssertNotEqual(newAddress.port, oldAddress.port)
        let current = try await a.endpoint.localAddress().get()
        XCTAssertEqual(current, newAddress)

        // The session survives the move: A's next packet reaches B from the new port, B
        // follows it, and B's reply comes back to the new socket.
        try await a.endpoint.send([2], to: b.key).get()
        let moved = await eventually {
            (try? await b.read { $0.endpointChanges.last?.1 }) == newAddress
        }
        XCTAssertTrue(moved, "B saw A's endpoint change to \(newAddress)")
        try await b.endpoint.send([3], to: a.key).get()
        let reply = await eventually { (try? await a.read { $0.datagrams.map(\.payload) }) == [[3]] }
        XCTAssertTrue(reply, "B's reply reached A's new socket")

        let handshakes = try await b.endpoint.stats().get().sessions.handshakesCompleted
        XCTAssertEqual(handshakes, 1, "roaming needs no new handshake")
        let status = try await b.endpoint.status(of: a.key).get()
        XCTAssertEqual(status?.endpoint, newAddress.description)
        let closedEvents = try await a.read { $0.socketClosed }
        XCTAssertEqual(closedEvents, [], "the old socket's close during rebind is not a failure")

        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
    }

    func testCloseIsClean() async throws {
        let (a, b) = try await connectedPair(group: group)
        try await a.endpoint.send([1], to: b.key).get()
        _ = await eventually { (try? await b.read { $0.datagrams.count }) == 1 }
        let port = a.address.port

        try await a.endpoint.close().get()
        try await a.endpoint.close().get()  // twice is fine
        let detached = try await a.endpoint.execute { $0.context == nil && $0.timer == nil }.get()
        XCTAssertTrue(detached, "the handler left its channel and its timer is cancelled")
        do {
            _ = try await a.endpoint.localAddress().get()
            XCTFail("a closed endpoint has no address")
        } catch let error as MeshNetError {
            XCTAssertEqual(error, .closed)
        }
        do {
            _ = try await a.endpoint.rebind(host: "127.0.0.1", port: 0).get()
            XCTFail("a closed endpoint cannot move")
        } catch let error as MeshNetError {
            XCTAssertEqual(error, .closed)
        }
        let closedEvents = try await a.read { $0.socketClosed }
        XCTAssertEqual(closedEvents, [], "close() is not reported as a failure")

        // The port is free again: the socket is really gone.
        let (raw, _) = try await RawSocketCounter.open(on: group.next(), port: Int(port))
        try await raw.close().get()
        try await b.endpoint.close().get()
    }

    func testConsumerOnTheLoopEchoesWithCounters() async throws {
        let (a, b) = try await connectedPair(group: group)
        // B's consumer for A echoes each datagram back from `produce`, on B's loop.
        try await b.endpoint.execute { handler in handler.attach(EchoConsumer(), for: a.key) }.get()
        try await a.endpoint.send(batch: (0..<10).map { [UInt8($0)] }, to: b.key).get()
        let echoed = await eventually { (try? await a.read { $0.datagrams.count }) == 10 }
        XCTAssertTrue(echoed)
        let payloads = try await a.read { $0.datagrams.map(\.payload) }
        XCTAssertEqual(Set(payloads), Set((0..<10).map { [UInt8($0)] }))
        let sentCounters = try await b.endpoint.execute { handler in
            (handler.consumers[a.key]?.consumer as? EchoConsumer)?.sentCounters ?? []
        }.get()
        let receivedCounters = try await a.read { $0.datagrams.map(\.counter) }
        XCTAssertEqual(Set(sentCounters), Set(receivedCounters), "link.send reports the counter the datagram went under")
        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
    }
}

/// Echoes what it receives, at the end of the batch, through the link.
final class EchoConsumer: MeshPeerConsumer {
    var pending: [[UInt8]] = []
    var sentCounters: [UInt64] = []

    func receive(_ payload: [UInt8], counter: UInt64, now: Instant) { pending.append(payload) }

    func produce(_ link: MeshPeerLink, now: Instant) {
        while !pending.isEmpty, let expected = link.nextSendCounter {
            let counter = link.send(pending.removeFirst())
            XCTAssertEqual(counter, expected)
            if let counter { sentCounters.append(counter) }
        }
    }

    var nextDeadline: Instant? { nil }
}
