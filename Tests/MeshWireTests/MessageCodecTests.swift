import XCTest
@testable import MeshWire

final class MessageCodecTests: XCTestCase {
    func bytes(_ n: Int, _ seed: UInt8) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) } }

    func testRoundTripsAndLayout() throws {
        let i = HandshakeInitiation(sender: SessionIndex(0x0403_0201), noise: bytes(148, 1), mac1: bytes(16, 2), mac2: bytes(16, 3))
        let e = i.encoded()
        XCTAssertEqual(e.count, WireSize.initiation)
        XCTAssertEqual(Array(e[0..<8]), [1, 0, 0, 0, 1, 2, 3, 4], "type, reserved, little-endian sender")
        XCTAssertEqual(Array(e[WireSize.initiationMAC1..<(WireSize.initiationMAC1 + 16)]), bytes(16, 2))
        XCTAssertEqual(try HandshakeInitiation(decoding: e[...]), i)

        let r = HandshakeResponse(sender: SessionIndex(5), receiver: SessionIndex(0xdead_beef), noise: bytes(56, 4))
        let re = r.encoded()
        XCTAssertEqual(re.count, WireSize.response)
        XCTAssertEqual(Array(re[8..<12]), [0xef, 0xbe, 0xad, 0xde])
        XCTAssertEqual(try HandshakeResponse(decoding: re[...]), r)

        let c = CookieReply(receiver: SessionIndex(9), nonce: bytes(24, 5), encryptedCookie: bytes(32, 6))
        XCTAssertEqual(try CookieReply(decoding: c.encoded()[...]), c)
        XCTAssertEqual(c.encoded().count, WireSize.cookieReply)

        var t = [UInt8](repeating: 0xaa, count: 40)
        t.withUnsafeMutableBytes { TransportHeader(receiver: SessionIndex(7), counter: 0x0102_0304_0506_0708).write(into: $0) }
        XCTAssertEqual(Array(t[0..<16]), [4, 0, 0, 0, 7, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(try TransportHeader(decoding: t[...]), TransportHeader(receiver: SessionIndex(7), counter: 0x0102_0304_0506_0708))
    }

    func testDecodersRejectWrongLengthsTypesAndReservedBytes() {
        let good = HandshakeInitiation(sender: SessionIndex(1), noise: bytes(148, 0)).encoded()
        for n in [0, 1, 187, 189, 300] {
            let b = n <= good.count ? Array(good.prefix(n)) : good + [UInt8](repeating: 0, count: n - good.count)
            XCTAssertThrowsError(try HandshakeInitiation(decoding: b[...]), "\(n) bytes")
        }
        for pos in 1...3 {
            var b = good; b[pos] = 1
            XCTAssertThrowsError(try HandshakeInitiation(decoding: b[...])) { XCTAssertEqual($0 as? WireError, .nonZeroReserved(message: "handshake initiation")) }
        }
        var wrongType = good; wrongType[0] = 2
        XCTAssertThrowsError(try HandshakeInitiation(decoding: wrongType[...])) { XCTAssertEqual($0 as? WireError, .unknownType(2)) }
        XCTAssertThrowsError(try HandshakeResponse(decoding: [UInt8](repeating: 2, count: 99)[...]))
        XCTAssertThrowsError(try CookieReply(decoding: [UInt8](repeating: 3, count: 63)[...]))
        XCTAssertThrowsError(try TransportHeader(decoding: [4, 0, 0, 0] + [UInt8](repeating: 0, count: 27))) { e in
            XCTAssertEqual(e as? WireError, .tooShort(message: "transport data", minimum: 32, got: 31))
        }
        XCTAssertThrowsError(try peekMessageType([][...])) { XCTAssertEqual($0 as? WireError, .empty) }
        XCTAssertThrowsError(try peekMessageType([0][...])) { XCTAssertEqual($0 as? WireError, .unknownType(0)) }
        XCTAssertThrowsError(try peekMessageType([5][...]))
    }

    func testDecodersWorkOnSlicesWithNonZeroStart() throws {
        let i = HandshakeInitiation(sender: SessionIndex(77), noise: bytes(148, 9))
        let padded = [0xff, 0xff] + i.encoded()
        XCTAssertEqual(try HandshakeInitiation(decoding: padded[2...]), i)
    }

    func testTimestampOrderingAndWhitening() throws {
        let a = Timestamp(unixNanoseconds: 1_700_000_000_123_456_789)
        XCTAssertEqual(a.seconds, 1_700_000_000)
        XCTAssertEqual(a.nanoseconds & 0x00ff_ffff, 0, "low 24 bits of nanoseconds are cleared")
        let b = Timestamp(unixNanoseconds: 1_700_000_001_000_000_000)
        XCTAssertLessThan(a, b)
        XCTAssertLessThan(a.bytes.lexicographicallyPrecedes(b.bytes) ? 0 : 1, 1, "big-endian bytes sort like the time")
        XCTAssertEqual(Timestamp(bytes: a.bytes), a)
        XCTAssertEqual(a.bytes.prefix(1), [0x40])
        XCTAssertNil(Timestamp(bytes: [UInt8](repeating: 0, count: 12)), "below the TAI64 base")
        XCTAssertNil(Timestamp(bytes: [UInt8](repeating: 0x40, count: 11)))
        var badNanos = a.bytes; badNanos[8] = 0xff
        XCTAssertNil(Timestamp(bytes: badNanos))
    }
}
