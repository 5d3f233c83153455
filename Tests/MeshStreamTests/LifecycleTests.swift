import MeshSim
import MeshStream
import MeshWire
import XCTest

/// Resets, STOP_SENDING, stream limits, idle timeout, keep-alive, PING, close, and protocol
/// violations.
final class LifecycleTests: XCTestCase {
    private func runFor(_ link: inout SimLink, _ duration: Duration, each: (inout SimLink) -> Void = { _ in }) {
        let end = link.now + duration
        repeat { each(&link) } while link.step(until: end)
        link.net.advance(to: end)
    }

    private func events(_ c: inout StreamConnection) -> [StreamEvent] {
        var out: [StreamEvent] = []
        while let e = c.pollEvent() { out.append(e) }
        return out
    }

    private func payload(_ frames: Frame...) -> [UInt8] {
        var out: [UInt8] = []
        for f in frames { FrameCodec.encode(f, into: &out) }
        return out
    }

    func testResetReachesThePeerAndRetiresTheStream() {
        var link = SimLink(seed: 10, conditions: SimConditions(delay: .milliseconds(5)))
        let id = link.a.openStream()!
        link.a.write([1, 2, 3], to: id)
        runFor(&link, .milliseconds(100))
        link.a.reset(id, code: 7)
        XCTAssertEqual(link.a.write([4], to: id), 0, "a reset stream takes no more data")
        runFor(&link, .milliseconds(100))
        let seen = events(&link.b)
        XCTAssertTrue(seen.contains(.opened(id)))
        XCTAssertTrue(seen.contains(.reset(id, code: 7)), "\(seen)")
        XCTAssertEqual(link.b.read(from: id), [], "data of a reset stream is discarded")
        link.b.finish(id)
        runFor(&link, .milliseconds(100))
        XCTAssertEqual(link.a.activeStreams, [])
        XCTAssertEqual(link.b.activeStreams, [])
    }

    func testStopSendingMakesThePeerReset() {
        var link = SimLink(seed: 11, conditions: SimConditions(delay: .milliseconds(5)))
        let id = link.a.openStream()!
        link.a.write([UInt8](repeating: 9, count: 5000), to: id)
        runFor(&link, .milliseconds(50))
        link.b.stopSending(id, code: 3)
        runFor(&link, .milliseconds(100))
        XCTAssertTrue(events(&link.a).contains(.stopSending(id, code: 3)))
        XCTAssertEqual(link.a.write([1], to: id), 0)
        XCTAssertEqual(link.a.unacknowledgedBytes, 0, "the reset dropped the buffered data")
        XCTAssertFalse(events(&link.b).contains(.reset(id, code: 3)), "no reset event: the application asked for it")
        link.a.finish(id)
        link.b.finish(id)
        runFor(&link, .milliseconds(100))
        XCTAssertEqual(link.a.activeStreams, [])
        XCTAssertEqual(link.b.activeStreams, [])
    }

    func testStreamLimitAndMaxStreams() {
        let tight = StreamConfig(maxStreams: StreamConstants.initialMaxStreams)
        var link = SimLink(seed: 12, conditions: SimConditions(delay: .milliseconds(5)), configB: tight)
        var ids: [StreamID] = []
        while let id = link.a.openStream() { ids.append(id) }
        XCTAssertEqual(ids.count, Int(StreamConstants.initialMaxStreams))
        for id in ids { link.a.finish(id) }
        runFor(&link, .milliseconds(100)) { link in
            for e in self.events(&link.b) { if case let .opened(id) = e { link.b.finish(id) } }
        }
        XCTAssertTrue(events(&link.a).contains(.streamsAvailable), "closed streams give room for new ones")
        XCTAssertNotNil(link.a.openStream())
    }

    func testOpeningBeyondTheLimitIsAStreamLimitError() {
        var b = StreamConnection(role: .responder, config: StreamConfig(maxStreams: 16), now: .zero)
        let id = StreamID(index: 16, opener: .initiator)
        b.receive(payload(.stream(StreamFrame(id: id, offset: 0, data: [1], fin: false))), packetNumber: 0, now: .zero)
        XCTAssertEqual(events(&b), [.connectionClosed(.protocolError(.streamLimit(stream: id, allowed: 16)))])
    }

    func testFramesOnStreamsThisSideNeverOpened() {
        var b = StreamConnection(role: .responder, now: .zero)
        let own = StreamID(index: 0, opener: .responder)
        b.receive(payload(.maxStreamData(id: own, maximum: 100_000)), packetNumber: 0, now: .zero)
        XCTAssertEqual(events(&b), [.connectionClosed(.protocolError(.streamState(stream: own, problem: "frame for a stream this side has not opened")))])
        var c = StreamConnection(role: .responder, now: .zero)
        let uni = StreamID(rawValue: 2)
        c.receive(payload(.stream(StreamFrame(id: uni, offset: 0, data: [1], fin: false))), packetNumber: 0, now: .zero)
        XCTAssertEqual(events(&c), [.connectionClosed(.protocolError(.streamState(stream: uni, problem: "unidirectional streams are not used")))])
    }

    func testFinalSizeViolations() {
        let id = StreamID(index: 0, opener: .initiator)
        var b = StreamConnection(role: .responder, now: .zero)
        b.receive(payload(.stream(StreamFrame(id: id, offset: 0, data: [1, 2], fin: true))), packetNumber: 0, now: .zero)
        b.receive(payload(.stream(StreamFrame(id: id, offset: 2, data: [3], fin: false))), packetNumber: 1, now: .zero)
        XCTAssertEqual(events(&b).last, .connectionClosed(.protocolError(.finalSize(stream: id, finalSize: 2, offset: 3))))
        var c = StreamConnection(role: .responder, now: .zero)
        c.receive(payload(.stream(StreamFrame(id: id, offset: 0, data: [1, 2, 3], fin: false))), packetNumber: 0, now: .zero)
        c.receive(payload(.resetStream(id: id, errorCode: 0, finalSize: 2)), packetNumber: 1, now: .zero)
        XCTAssertEqual(events(&c).last, .connectionClosed(.protocolError(.finalSize(stream: id, finalSize: 2, offset: 3))))
    }

    func testMalformedPayloadClosesWithFrameEncodingError() {
        var link = SimLink(seed: 13, conditions: SimConditions(delay: .milliseconds(5)))
        link.b.receive([0x1e], packetNumber: 0, now: .zero)
        XCTAssertEqual(events(&link.b), [.connectionClosed(.protocolError(.unknownFrameType(0x1e, at: 0)))])
        runFor(&link, .seconds(1))
        XCTAssertEqual(events(&link.a), [.connectionClosed(.peerError(.frameEncodingError, reason: "unknown frame type 0x1e at byte 0"))])
        runFor(&link, .seconds(60))
        XCTAssertTrue(link.a.isClosed && link.b.isClosed)
        XCTAssertNil(link.a.nextTimeout)
    }

    /// A peer that shreds a stream into tiny out-of-order pieces is cut off before reassembly
    /// gets expensive.
    func testFragmentingAStreamIsAProtocolViolation() {
        var b = StreamConnection(role: .responder, now: .zero)
        let id = StreamID(index: 0, opener: .initiator)
        var pn: UInt64 = 0
        b.receive(payload(.stream(StreamFrame(id: id, offset: 1, data: [0], fin: false))), packetNumber: pn, now: .zero)
        while b.nextDatagram(packetNumber: pn, now: .zero) != nil { pn += 1 }  // grants the 256 KiB window
        var offset: UInt64 = 3
        while b.isOpen, offset < 200_000 {
            var frames: [UInt8] = []
            for _ in 0..<50 {
                FrameCodec.encode(.stream(StreamFrame(id: id, offset: offset, data: [0], fin: false)), into: &frames)
                offset += 2
            }
            pn += 1
            b.receive(frames, packetNumber: pn, now: .zero)
        }
        let closed = events(&b).last
        XCTAssertEqual(closed, .connectionClosed(.protocolError(.tooFragmented(stream: id, ranges: StreamConstants.maxReassemblyRanges + 1))))
    }

    func testDuplicatePacketsAreIgnored() {
        let id = StreamID(index: 0, opener: .initiator)
        var b = StreamConnection(role: .responder, now: .zero)
        let p = payload(.stream(StreamFrame(id: id, offset: 0, data: [1, 2, 3], fin: false)))
        b.receive(p, packetNumber: 4, now: .zero)
        b.receive(p, packetNumber: 4, now: .zero)
        XCTAssertEqual(b.read(from: id), [1, 2, 3])
        XCTAssertEqual(b.stats.duplicatePackets, 1)
        XCTAssertEqual(b.stats.packetsReceived, 1)
    }

    func testIdleTimeoutClosesBothSides() {
        var link = SimLink(seed: 14, conditions: SimConditions(delay: .milliseconds(5)))
        let id = link.a.openStream()!
        link.a.write([1], to: id)
        runFor(&link, .seconds(29))
        XCTAssertTrue(link.a.isOpen && link.b.isOpen)
        runFor(&link, .seconds(2))
        XCTAssertEqual(events(&link.a).last, .connectionClosed(.idleTimeout))
        XCTAssertEqual(events(&link.b).last, .connectionClosed(.idleTimeout))
        XCTAssertTrue(link.a.isClosed && link.b.isClosed)
    }

    func testKeepAliveKeepsAnIdleConnectionOpen() {
        let config = StreamConfig(keepAliveInterval: .seconds(10))
        var link = SimLink(seed: 15, conditions: SimConditions(delay: .milliseconds(5)), configA: config)
        runFor(&link, .seconds(120))
        XCTAssertTrue(link.a.isOpen && link.b.isOpen)
        XCTAssertGreaterThanOrEqual(link.a.stats.packetsSent, 11, "a PING every 10 s")
    }

    func testPingMeasuresTheRoundTrip() {
        var link = SimLink(seed: 16, conditions: SimConditions(delay: .milliseconds(20)))
        link.a.ping()
        runFor(&link, .seconds(1))
        // 40 ms round trip plus the peer's ACK delay (a lone PING is acknowledged after
        // max_ack_delay, which the estimator subtracts only from later samples).
        XCTAssertEqual(link.a.stats.smoothedRTT, .milliseconds(65))
        XCTAssertEqual(link.a.stats.minRTT, .milliseconds(65))
    }

    func testCloseCarriesCodeAndReason() {
        var link = SimLink(seed: 17, conditions: SimConditions(loss: 0.3, delay: .milliseconds(5)))
        link.a.close(code: 42, reason: "maintenance")
        XCTAssertEqual(events(&link.a), [.connectionClosed(.closedLocally(code: 42))])
        XCTAssertNil(link.a.openStream())
        runFor(&link, .seconds(40))
        XCTAssertEqual(events(&link.b), [.connectionClosed(.closedByPeer(code: 42, reason: "maintenance"))])
        XCTAssertTrue(link.a.isClosed && link.b.isClosed)
    }

    /// The session may spend counter values on its own messages: packet numbers with gaps
    /// work, and an unused number can be offered again.
    func testPacketNumbersWithGaps() {
        var a = StreamConnection(role: .initiator, now: .zero)
        var b = StreamConnection(role: .responder, now: .zero)
        let id = a.openStream()!
        a.write([UInt8](repeating: 5, count: 50_000), to: id)
        a.finish(id)
        var now = Instant.zero
        var pnA: UInt64 = 0, pnB: UInt64 = 0
        var got = 0
        for _ in 0..<2000 {
            while let p = a.nextDatagram(packetNumber: pnA, now: now) {
                b.receive(p, packetNumber: pnA, now: now + .milliseconds(1))
                pnA += 3
            }
            XCTAssertNil(a.nextDatagram(packetNumber: pnA, now: now), "nil leaves the number unused")
            while let p = b.nextDatagram(packetNumber: pnB, now: now) {
                a.receive(p, packetNumber: pnB, now: now + .milliseconds(2))
                pnB += 7
            }
            got += b.read(from: id).count
            now = now + .milliseconds(2)
            if let t = a.nextTimeout, t <= now { a.handleTimeout(now: now) }
            if let t = b.nextTimeout, t <= now { b.handleTimeout(now: now) }
            if got == 50_000 && a.unacknowledgedBytes == 0 { break }
        }
        XCTAssertEqual(got, 50_000)
        XCTAssertEqual(a.unacknowledgedBytes, 0)
        XCTAssertEqual(a.stats.packetsLost, 0, "gaps in packet numbers are not losses")
    }
}
