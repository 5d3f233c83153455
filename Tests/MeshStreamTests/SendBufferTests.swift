import XCTest
@testable import MeshStream

/// The chunked send buffer against a flat array: random writes (whole arrays and slices,
/// small and large), reads of random held ranges (sequential and not, across chunks) and
/// releases from the front.
final class SendBufferTests: XCTestCase {
    func testMatchesAFlatArrayUnderRandomUse() {
        for seed in 1...200 {
            var rng = SplitMix(seed: UInt64(seed))
            var buffer = SendBuffer()
            var model: [UInt8] = []
            var released: UInt64 = 0
            var sequential: UInt64 = 0
            for step in 0..<300 {
                switch rng.next() % 5 {
                case 0, 1:
                    let n = Int(rng.next() % 3 == 0 ? rng.next() % 20_000 : rng.next() % 300)
                    let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    if rng.next() % 2 == 0 { buffer.append(bytes) } else { buffer.append(contentsOf: bytes[...]) }
                    model += bytes
                case 2:
                    // The sender's usual pattern: the next frame's worth after the last.
                    let end = UInt64(model.count)
                    if sequential < released { sequential = released }
                    let n = Int(min(end - sequential, rng.next() % 1500))
                    var out: [UInt8] = [0xAA]
                    buffer.copy(offset: sequential, length: n, into: &out)
                    XCTAssertEqual(out, [0xAA] + model[Int(sequential)..<(Int(sequential) + n)], "seed \(seed) step \(step)")
                    sequential += UInt64(n)
                case 3:
                    // A retransmission: anywhere in what is held.
                    let end = UInt64(model.count)
                    guard end > released else { continue }
                    let offset = released + rng.next() % (end - released)
                    let n = Int(min(end - offset, rng.next() % 3000))
                    var out: [UInt8] = []
                    buffer.copy(offset: offset, length: n, into: &out)
                    XCTAssertEqual(out, Array(model[Int(offset)..<(Int(offset) + n)]), "seed \(seed) step \(step)")
                default:
                    let end = UInt64(model.count)
                    guard end > released else { continue }
                    released += rng.next() % (end - released + 1)
                    buffer.release(below: released)
                }
                XCTAssertEqual(buffer.end, UInt64(model.count))
            }
        }
    }

    func testAWholeArrayIsKeptAndReleasedByChunk() {
        var buffer = SendBuffer()
        buffer.append([UInt8](repeating: 1, count: 10_000))
        buffer.append([UInt8](repeating: 2, count: 10_000))
        buffer.release(below: 9_999)
        var out: [UInt8] = []
        buffer.copy(offset: 9_999, length: 2, into: &out)
        XCTAssertEqual(out, [1, 2])
        buffer.release(below: 20_000)
        buffer.append([3])
        out = []
        buffer.copy(offset: 20_000, length: 1, into: &out)
        XCTAssertEqual(out, [3])
    }
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
