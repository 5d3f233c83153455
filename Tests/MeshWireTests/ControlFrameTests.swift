import XCTest
@testable import MeshWire

final class ControlFrameTests: XCTestCase {
    let messages: [ControlMessage] = [
        .register(.init(joinSecret: "abc", hostname: "nas", name: nil, servers: ["files"], endpoints: ["192.0.2.1:41641"])),
        .registered(.init(nodeId: 7, name: "nas", tags: ["tag:nas"], keyExpiry: 1_800_000_000_000)),
        .update(.init(servers: ["files", "git"], endpoints: nil)),
        .netmap([1, 2, 3, 0, 255]),
        .rotateKey(envelope: [9, 9]),
        .logout,
        .error(ControlFailure(.joinKeyExpired, "the join key expired at 2026-11-25 10:00 UTC")),
    ]

    func testRoundTripAndPartialFrames() throws {
        var stream: [UInt8] = messages.flatMap { ControlFrame.encode($0) }
        // Fed a byte at a time, frames come out whole and in order.
        var buffer: [UInt8] = []
        var decoded: [ControlMessage] = []
        for b in stream {
            buffer.append(b)
            decoded += try ControlFrame.decode(from: &buffer)
        }
        XCTAssertEqual(decoded, messages)
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(try ControlFrame.decode(from: &stream), messages)
    }

    func testMalformedFramesAreRejected() {
        var tooLong: [UInt8] = [0xff, 0xff, 0xff, 0x7f, 1]
        XCTAssertThrowsError(try ControlFrame.decode(from: &tooLong)) { XCTAssertEqual($0 as? ControlFrame.DecodeError, .tooLong(0x7fff_ffff)) }
        var empty: [UInt8] = [0, 0, 0, 0]
        XCTAssertThrowsError(try ControlFrame.decode(from: &empty)) { XCTAssertEqual($0 as? ControlFrame.DecodeError, .empty) }
        var unknown: [UInt8] = [1, 0, 0, 0, 99]
        XCTAssertThrowsError(try ControlFrame.decode(from: &unknown)) { XCTAssertEqual($0 as? ControlFrame.DecodeError, .unknownKind(99)) }
        var badJSON: [UInt8] = [3, 0, 0, 0, 1, 0x7b, 0x7d]
        XCTAssertThrowsError(try ControlFrame.decode(from: &badJSON))
        var logoutWithBody: [UInt8] = [2, 0, 0, 0, 6, 0]
        XCTAssertThrowsError(try ControlFrame.decode(from: &logoutWithBody))
    }
}
