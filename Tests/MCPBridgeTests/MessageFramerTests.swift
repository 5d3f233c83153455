import Foundation
import XCTest
@testable import MCPBridge

final class MessageFramerTests: XCTestCase {
    private func drain(_ framer: inout MessageFramer) throws -> [String] {
        var out: [String] = []
        while let m = try framer.next() { out.append(String(decoding: m, as: UTF8.self)) }
        return out
    }

    func testWholeMessagesInOneChunk() throws {
        var framer = MessageFramer()
        framer.append(Data("{\"a\":1}\n{\"b\":2}\n".utf8))
        XCTAssertEqual(try drain(&framer), ["{\"a\":1}", "{\"b\":2}"])
        XCTAssertEqual(framer.bufferedByteCount, 0)
    }

    func testByteAtATime() throws {
        let text = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n\n  \n{\"x\":\"ü€😀\"}\n"
        var framer = MessageFramer()
        var out: [String] = []
        for byte in Array(text.utf8) {
            framer.append([byte])
            out += try drain(&framer)
        }
        XCTAssertEqual(out, ["{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", "{\"x\":\"ü€😀\"}"])
    }

    func testArbitraryChunkingGivesTheSameMessages() throws {
        var messages: [String] = []
        for i in 0..<200 { messages.append("{\"id\":\(i),\"pad\":\"\(String(repeating: "x", count: i * 7 % 301))\"}") }
        let stream = Array(messages.map { $0 + "\n" }.joined().utf8)
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            var framer = MessageFramer()
            var out: [String] = []
            var i = 0
            while i < stream.count {
                let n = Int.random(in: 1...700, using: &rng)
                framer.append(Array(stream[i..<min(stream.count, i + n)]))
                out += try drain(&framer)
                i += n
            }
            XCTAssertEqual(out, messages)
        }
    }

    func testTenMegabyteMessagePassesInChunks() throws {
        let payload = String(repeating: "abcdefghij", count: 1_000_000)  // 10 MB
        let message = Data("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"text\":\"\(payload)\"}}".utf8)
        var framer = MessageFramer()
        let framed = MessageFramer.frame(message)
        var got: [Data] = []
        var i = 0
        while i < framed.count {
            let end = min(framed.count, i + 65_536 + (i % 3))
            framer.append(framed.subdata(in: i..<end))
            while let m = try framer.next() { got.append(m) }
            i = end
        }
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got.first, message)
        XCTAssertEqual(framer.bufferedByteCount, 0)
    }

    func testOversizedLineIsReportedOnceThenSkipped() throws {
        var framer = MessageFramer(maxMessageBytes: 16)
        framer.append(Data("{\"ok\":1}\n".utf8))
        framer.append(Data(String(repeating: "y", count: 40).utf8))
        XCTAssertEqual(String(decoding: try XCTUnwrap(try framer.next()), as: UTF8.self), "{\"ok\":1}")
        XCTAssertThrowsError(try framer.next()) { XCTAssertEqual($0 as? MCPBridgeError, .messageTooLarge(limit: 16)) }
        // More of the same oversized line is dropped silently until its newline.
        framer.append(Data(String(repeating: "z", count: 100).utf8))
        XCTAssertNil(try framer.next())
        XCTAssertLessThanOrEqual(framer.bufferedByteCount, 0)
        framer.append(Data("zz\n{\"ok\":2}\n".utf8))
        XCTAssertEqual(try drain(&framer), ["{\"ok\":2}"])
    }

    func testOversizedLineArrivingWholeIsReported() throws {
        var framer = MessageFramer(maxMessageBytes: 8)
        framer.append(Data("0123456789\n{\"a\":1}\n".utf8))
        XCTAssertThrowsError(try framer.next())
        XCTAssertEqual(try drain(&framer), ["{\"a\":1}"])
    }

    func testExactlyTheLimitPasses() throws {
        var framer = MessageFramer(maxMessageBytes: 8)
        framer.append(Data("01234567".utf8))
        XCTAssertNil(try framer.next())
        framer.append(Data("\n".utf8))
        XCTAssertEqual(try drain(&framer), ["01234567"])
    }

    func testFinishReturnsAnUnterminatedLastMessage() throws {
        var framer = MessageFramer()
        framer.append(Data("{\"a\":1}\n{\"b\":".utf8))
        XCTAssertEqual(try drain(&framer), ["{\"a\":1}"])
        framer.append(Data("2}".utf8))
        XCTAssertEqual(try framer.finish().map { String(decoding: $0, as: UTF8.self) }, "{\"b\":2}")
        XCTAssertNil(try framer.finish())
    }

    func testFrameReplacesRawNewlinesAndEndsWithOne() throws {
        let pretty = Data("{\n  \"a\": 1,\n  \"b\": \"x\\ny\"\n}".utf8)
        let framed = MessageFramer.frame(pretty)
        XCTAssertEqual(framed.last, UInt8(ascii: "\n"))
        XCTAssertEqual(framed.filter { $0 == UInt8(ascii: "\n") }.count, 1)
        let decoded = try JSONSerialization.jsonObject(with: framed) as? [String: Any]
        XCTAssertEqual(decoded?["b"] as? String, "x\ny")
        var framer = MessageFramer()
        framer.append(framed)
        XCTAssertEqual(try drain(&framer).count, 1)
    }

    func testGarbageNeverTraps() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<300 {
            var framer = MessageFramer(maxMessageBytes: Int.random(in: 1...64, using: &rng))
            for _ in 0..<20 {
                let chunk = (0..<Int.random(in: 0...50, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? UInt8(ascii: "\n") : UInt8.random(in: 0...255, using: &rng)
                }
                framer.append(chunk)
                while true {
                    do {
                        guard let message = try framer.next() else { break }
                        XCTAssertLessThanOrEqual(message.count, framer.maxMessageBytes)
                        XCTAssertFalse(message.contains(UInt8(ascii: "\n")))
                        _ = try? JSONRPCMessage.parse(message)
                    } catch {
                        XCTAssertEqual(error, .messageTooLarge(limit: framer.maxMessageBytes))
                    }
                }
            }
            _ = try? framer.finish()
        }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible random tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
