import MeshSim
@testable import MeshStream
import XCTest

final class FrameCodecTests: XCTestCase {
    private let s4 = StreamID(rawValue: 4)

    private var everyFrame: [Frame] {
        [
            .ping,
            .ack(AckFrame(ranges: [100...120], ackDelay: 0)),
            .ack(AckFrame(ranges: [1000...1000, 990...995, 0...7], ackDelay: 12345)),
            .resetStream(id: s4, errorCode: 9, finalSize: 70000),
            .stopSending(id: StreamID(rawValue: 1), errorCode: 0),
            .stream(StreamFrame(id: s4, offset: 0, data: [1, 2, 3], fin: false)),
            .stream(StreamFrame(id: s4, offset: 1 << 40, data: [], fin: true)),
            .stream(StreamFrame(id: StreamID(rawValue: 1 << 20), offset: 77, data: ArraySlice(repeating: 0xab, count: 300), fin: true)),
            .maxData(1 << 33),
            .maxStreamData(id: s4, maximum: 65536),
            .maxStreams(StreamConstants.maxStreamCount),
            .dataBlocked(limit: 5),
            .streamDataBlocked(id: s4, limit: 16384),
            .streamsBlocked(limit: 16),
            .connectionClose(ConnectionCloseFrame(kind: .application, errorCode: 42, reason: Array("bye".utf8))),
            .connectionClose(ConnectionCloseFrame(kind: .transport(frameType: 0x08), errorCode: 3, reason: [])),
        ]
    }

    func testEveryFrameRoundTrips() throws {
        for frame in everyFrame {
            var bytes: [UInt8] = []
            FrameCodec.encode(frame, into: &bytes)
            XCTAssertEqual(bytes.count, FrameCodec.encodedLength(frame), "\(frame)")
            XCTAssertEqual(try FrameCodec.decodeFrames(bytes), [frame])
        }
    }

    func testFramesInOnePayloadRoundTrip() throws {
        var bytes: [UInt8] = []
        for frame in everyFrame { FrameCodec.encode(frame, into: &bytes) }
        FrameCodec.encode(.padding(count: 20), into: &bytes)
        XCTAssertEqual(try FrameCodec.decodeFrames(bytes), everyFrame + [.padding(count: 20)])
    }

    func testStreamFrameWithoutLengthRunsToTheEnd() throws {
        // Type 0x0d: OFF and FIN, no LEN.
        let bytes: [UInt8] = [0x0d, 0x04, 0x05, 9, 8, 7]
        XCTAssertEqual(try FrameCodec.decodeFrames(bytes),
                       [.stream(StreamFrame(id: s4, offset: 5, data: [9, 8, 7], fin: true))])
    }

    func testAckWireLayout() {
        // Largest 10, delay 2, two ranges: 8...10 and 2...5 (gap = 8 - 5 - 2 = 1, length 3).
        var bytes: [UInt8] = []
        FrameCodec.encode(.ack(AckFrame(ranges: [8...10, 2...5], ackDelay: 2)), into: &bytes)
        XCTAssertEqual(bytes, [0x02, 10, 2, 1, 2, 1, 3])
    }

    /// Malformed input is rejected with the error naming what and where.
    func testRejectionTable() {
        let cases: [(String, [UInt8], StreamError)] = [
            ("unknown type 0x03 (ACK with ECN)", [0x03, 0, 0, 0, 0, 0, 0, 0], .unknownFrameType(0x03, at: 0)),
            ("unknown type 0x06 (CRYPTO)", [0x01, 0x06], .unknownFrameType(0x06, at: 1)),
            ("unknown type 0x13 (uni MAX_STREAMS)", [0x13, 0x01], .unknownFrameType(0x13, at: 0)),
            ("unknown type 0x1e", [0x1e], .unknownFrameType(0x1e, at: 0)),
            ("PING as two bytes", [0x40, 0x01], .nonMinimalFrameType(0x01, at: 0)),
            ("truncated type", [0x40], .truncated(field: "frame type", at: 0)),
            ("ACK without delay", [0x02, 0x05], .truncated(field: "ACK delay", at: 2)),
            ("ACK first range above largest", [0x02, 0x05, 0x00, 0x00, 0x06], .invalidAckRange(at: 0)),
            ("ACK gap below zero", [0x02, 0x05, 0x00, 0x01, 0x02, 0x02, 0x00], .invalidAckRange(at: 0)),
            ("ACK range length below zero", [0x02, 0x05, 0x00, 0x01, 0x00, 0x00, 0x04], .invalidAckRange(at: 0)),
            ("ACK with 257 ranges", [0x02, 0x05, 0x00, 0x41, 0x00, 0x00], .tooManyAckRanges(256, at: 3)),
            ("ACK count beyond the bytes left", [0x02, 0x3f, 0x00, 0x10, 0x00], .truncated(field: "ACK ranges", at: 4)),
            ("STREAM length beyond the end", [0x0a, 0x04, 0x05, 1, 2], .truncated(field: "STREAM data", at: 3)),
            ("STREAM length 2^62-1 (no allocation)", [0x0a, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
             .truncated(field: "STREAM data", at: 10)),
            ("STREAM offset + length beyond 2^62-1", [0x0e, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xaa],
             .valueTooLarge(field: "STREAM offset + length", value: 1 << 62, limit: StreamConstants.maxStreamOffset, at: 0)),
            ("STREAM without id", [0x08], .truncated(field: "STREAM stream id", at: 1)),
            ("RESET_STREAM without final size", [0x04, 0x04, 0x00], .truncated(field: "RESET_STREAM final size", at: 3)),
            ("MAX_STREAMS above 2^60", [0x12, 0xd0, 0, 0, 0, 0, 0, 0, 1],
             .valueTooLarge(field: "MAX_STREAMS maximum", value: (1 << 60) + 1, limit: 1 << 60, at: 1)),
            ("STREAMS_BLOCKED above 2^60", [0x16, 0xd0, 0, 0, 0, 0, 0, 0, 1],
             .valueTooLarge(field: "STREAMS_BLOCKED limit", value: (1 << 60) + 1, limit: 1 << 60, at: 1)),
            ("CONNECTION_CLOSE reason beyond the end", [0x1d, 0x00, 0x05, 0x61],
             .truncated(field: "CONNECTION_CLOSE reason phrase", at: 3)),
            ("CONNECTION_CLOSE 0x1c without frame type", [0x1c, 0x07], .truncated(field: "CONNECTION_CLOSE frame type", at: 2)),
            ("MAX_STREAM_DATA without maximum", [0x11, 0x04], .truncated(field: "MAX_STREAM_DATA maximum", at: 2)),
        ]
        for (name, bytes, expected) in cases {
            XCTAssertThrowsError(try FrameCodec.decodeFrames(bytes), name) { error in
                XCTAssertEqual(error as? StreamError, expected, name)
            }
        }
    }

    func testErrorsMapToTransportCodes() {
        XCTAssertEqual(StreamError.truncated(field: "x", at: 0).transportErrorCode, .frameEncodingError)
        XCTAssertEqual(StreamError.nonMinimalFrameType(1, at: 0).transportErrorCode, .protocolViolation)
        XCTAssertEqual(StreamError.flowControl(stream: nil, limit: 1, offset: 2).transportErrorCode, .flowControlError)
        XCTAssertEqual(StreamError.streamLimit(stream: StreamID(rawValue: 1), allowed: 1).transportErrorCode, .streamLimitError)
        XCTAssertEqual(StreamError.finalSize(stream: StreamID(rawValue: 1), finalSize: 1, offset: 2).transportErrorCode, .finalSizeError)
        XCTAssertEqual(StreamError.tooManyAckRanges(300, at: 3).description, "ACK Range Count 300 at byte 3 exceeds 255")
    }

    /// Random and mutated payloads: the decoder returns or throws, never traps, and whatever
    /// it accepts encodes back to an equivalent frame list.
    func testRandomAndMutatedPayloadsNeverTrap() throws {
        var rng = SimRandom(seed: 99)
        var valid: [UInt8] = []
        for frame in everyFrame { FrameCodec.encode(frame, into: &valid) }
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            }
            guard let frames = try? FrameCodec.decodeFrames(bytes) else { continue }
            var again: [UInt8] = []
            for frame in frames { FrameCodec.encode(frame, into: &again) }
            XCTAssertEqual(try FrameCodec.decodeFrames(again), frames)
        }
    }
}
