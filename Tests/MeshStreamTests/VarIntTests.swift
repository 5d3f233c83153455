@testable import MeshStream
import XCTest

final class VarIntTests: XCTestCase {
    private func decode(_ bytes: [UInt8]) throws -> UInt64 {
        var r = ByteReader(bytes)
        let v = try r.readVarInt("value")
        XCTAssertTrue(r.isAtEnd)
        return v
    }

    /// RFC 9000 Appendix A.1 sample encodings.
    func testRFC9000Examples() throws {
        XCTAssertEqual(try decode([0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c]), 151_288_809_941_952_652)
        XCTAssertEqual(try decode([0x9d, 0x7f, 0x3e, 0x7d]), 494_878_333)
        XCTAssertEqual(try decode([0x7b, 0xbd]), 15293)
        XCTAssertEqual(try decode([0x25]), 37)
        XCTAssertEqual(try decode([0x40, 0x25]), 37, "a non-minimal value encoding is still a value")
        var out: [UInt8] = []
        VarInt.encode(151_288_809_941_952_652, into: &out)
        XCTAssertEqual(out, [0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c])
        out = []
        VarInt.encode(494_878_333, into: &out)
        XCTAssertEqual(out, [0x9d, 0x7f, 0x3e, 0x7d])
        out = []
        VarInt.encode(15293, into: &out)
        XCTAssertEqual(out, [0x7b, 0xbd])
    }

    func testLengthBoundariesRoundTrip() throws {
        let cases: [(UInt64, Int)] = [(0, 1), (63, 1), (64, 2), (16383, 2), (16384, 4),
                                      ((1 << 30) - 1, 4), (1 << 30, 8), (StreamConstants.maxVarInt, 8)]
        for (value, length) in cases {
            var out: [UInt8] = []
            VarInt.encode(value, into: &out)
            XCTAssertEqual(out.count, length, "\(value)")
            XCTAssertEqual(VarInt.length(of: value), length)
            XCTAssertEqual(try decode(out), value)
        }
    }

    func testTruncatedVarIntIsRejected() {
        for bytes: [UInt8] in [[], [0x40], [0x80, 1, 2], [0xc0, 1, 2, 3, 4, 5, 6]] {
            var r = ByteReader(bytes)
            XCTAssertThrowsError(try r.readVarInt("value")) { error in
                XCTAssertEqual(error as? StreamError, .truncated(field: "value", at: 0))
            }
        }
    }
}
