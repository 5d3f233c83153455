import MeshSim
import MeshStream
import MeshWire
import XCTest

/// Flow control (RFC 9000 §4): a receiver that stops reading bounds what the sender keeps in
/// flight and in its buffers; credit comes back as it reads; a peer that exceeds its credit
/// is cut off.
final class FlowControlTests: XCTestCase {
    private func runFor(_ link: inout SimLink, _ duration: Duration, each: (inout SimLink) -> Void = { _ in }) {
        let end = link.now + duration
        repeat { each(&link) } while link.step(until: end)
        link.net.advance(to: end)
    }

    func testStalledReceiverBoundsStreamCreditAndSendBuffer() {
        let sender = StreamConfig(streamSendBuffer: 100_000)
        let receiver = StreamConfig(initialStreamWindow: StreamConstants.initialMaxStreamData,
                                    maxStreamWindow: StreamConstants.initialMaxStreamData)
        var link = SimLink(seed: 3, conditions: SimConditions(delay: .milliseconds(10)), configA: sender, configB: receiver)
        let id = link.a.openStream()!
        var accepted = 0
        var peakUnacknowledged = 0
        runFor(&link, .seconds(10)) { link in
            accepted += link.a.write([UInt8](repeating: 1, count: 50_000), to: id)
            peakUnacknowledged = max(peakUnacknowledged, link.a.unacknowledgedBytes)
        }
        XCTAssertEqual(accepted, 100_000 + Int(StreamConstants.initialMaxStreamData),
                       "write stops once the unacknowledged bytes fill the send buffer")
        XCTAssertEqual(peakUnacknowledged, 100_000)
        XCTAssertEqual(link.b.readableBytes(on: id), Int(StreamConstants.initialMaxStreamData),
                       "the receiver holds exactly the credit it granted")
        XCTAssertEqual(link.a.stats.streamBytesSent, StreamConstants.initialMaxStreamData)
        XCTAssertEqual(link.a.stats.bytesInFlight, 0, "everything sent was acknowledged; nothing more may go")
        XCTAssertLessThan(link.a.stats.packetsSent, 100, "a blocked sender stays quiet")

        // The receiver reads: credit flows back and the rest arrives, with `.writable` on the way.
        var received = 0
        var writable = 0
        runFor(&link, .seconds(20)) { link in
            received += link.b.read(from: id).count
            while let e = link.a.pollEvent() { if case .writable(id) = e { writable += 1 } }
            if writable > 0, accepted < 300_000 {
                accepted += link.a.write([UInt8](repeating: 1, count: 300_000 - accepted), to: id)
            }
        }
        XCTAssertGreaterThan(writable, 0)
        XCTAssertEqual(accepted, 300_000)
        XCTAssertEqual(received, 300_000)
    }

    func testStalledReceiverBoundsConnectionCreditAcrossStreams() {
        let receiver = StreamConfig(initialConnectionWindow: StreamConstants.initialMaxData,
                                    maxConnectionWindow: StreamConstants.initialMaxData)
        var link = SimLink(seed: 4, conditions: SimConditions(delay: .milliseconds(5)), configB: receiver)
        let ids = (0..<8).map { _ in link.a.openStream()! }
        runFor(&link, .seconds(5)) { link in
            for id in ids { link.a.write([UInt8](repeating: 2, count: 10_000), to: id) }
        }
        let held = ids.map { link.b.readableBytes(on: $0) }.reduce(0, +)
        XCTAssertEqual(held, Int(StreamConstants.initialMaxData), "all streams together stop at the connection credit")
        XCTAssertEqual(link.a.stats.streamBytesSent, StreamConstants.initialMaxData)
        XCTAssertLessThanOrEqual(link.a.unacknowledgedBytes, StreamConfig().connectionSendBuffer)
    }

    func testDataBeyondCreditIsAFlowControlError() {
        var b = StreamConnection(role: .responder, now: .zero)
        let id = StreamID(index: 0, opener: .initiator)
        let beyond = Int(StreamConstants.initialMaxStreamData) + 1
        var payload: [UInt8] = []
        FrameCodec.encode(.stream(StreamFrame(id: id, offset: 0, data: ArraySlice(repeating: 0, count: beyond), fin: false)), into: &payload)
        b.receive(payload, packetNumber: 0, now: .zero)
        XCTAssertEqual(b.pollEvent(), .opened(id))
        guard case let .connectionClosed(.protocolError(error)) = b.pollEvent() else {
            return XCTFail("expected a protocol error")
        }
        XCTAssertEqual(error, .flowControl(stream: id, limit: StreamConstants.initialMaxStreamData, offset: UInt64(beyond)))
        let sent = b.nextDatagram(packetNumber: 0, now: .zero).flatMap { try? FrameCodec.decodeFrames($0) }
        guard case let .connectionClose(frame)? = sent?.first else { return XCTFail("no CONNECTION_CLOSE sent") }
        XCTAssertEqual(frame.kind, .transport(frameType: 0))
        XCTAssertEqual(frame.errorCode, TransportErrorCode.flowControlError.rawValue)
    }

    func testWindowGrowsWhenTheReaderKeepsUp() {
        var link = SimLink(seed: 5, conditions: SimConditions(delay: .milliseconds(20)))
        let id = link.a.openStream()!
        let total = 8_000_000
        var written = 0, received = 0
        runFor(&link, .seconds(30)) { link in
            if written < total { written += link.a.write([UInt8](repeating: 3, count: min(1 << 20, total - written)), to: id) }
            received += link.b.read(from: id).count
        }
        XCTAssertEqual(received, total)
        // 8 MB in well under 30 s over a 40 ms RTT needs far more than the initial 256 KiB window.
        XCTAssertLessThan(link.now.nanoseconds, UInt64(40e9))
    }
}
