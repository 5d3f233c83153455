import XCTest
@testable import MCPBridge

final class SSEParserTests: XCTestCase {
    private func texts(_ events: [SSEParser.Event]) -> [String] { events.map { String(decoding: $0.data, as: UTF8.self) } }

    func testEventsInAnyChunkingAndLineEnding() throws {
        let stream = ": keep-alive\n\nid: 1\nevent: message\ndata: {\"a\":1}\n\nid: 2\r\ndata: line one\r\ndata:line two\r\n\r\ndata: x\rretry: 500\r\r"
        var whole = SSEParser()
        let all = try whole.append(Array(stream.utf8))
        XCTAssertEqual(texts(all), ["{\"a\":1}", "line one\nline two", "x"])
        XCTAssertEqual(all.map(\.lastEventID), ["1", "2", "2"])
        XCTAssertEqual(all.map(\.type), ["message", nil, nil])
        XCTAssertEqual(all.last?.retry, 500)
        var bytewise = SSEParser()
        var got: [SSEParser.Event] = []
        for byte in Array(stream.utf8) { got += try bytewise.append([byte]) }
        XCTAssertEqual(got, all)
    }

    func testPrimingEventHasEmptyDataAndCommentsAreSkipped() throws {
        var parser = SSEParser()
        let events = try parser.append(Array("id: p\ndata: \n\n:comment\n\n".utf8))
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.data, [])
        XCTAssertEqual(events.first?.lastEventID, "p")
    }

    func testOversizedEventIsReportedAndSkipped() throws {
        var parser = SSEParser(maxEventBytes: 8)
        XCTAssertThrowsError(try parser.append(Array("data: 0123456789abcdef\n".utf8)))
        XCTAssertEqual(texts(try parser.append(Array("\ndata: ok\n\n".utf8))), ["ok"])
    }

    func testGarbageNeverTraps() {
        var rng = SeededGenerator(seed: 5)
        var parser = SSEParser(maxEventBytes: 32)
        for _ in 0..<2000 {
            let chunk = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                [UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ":"), UInt8(ascii: "d")].randomElement(using: &rng)!
                    ^ (Bool.random(using: &rng) ? 0 : UInt8.random(in: 0...255, using: &rng))
            }
            _ = try? parser.append(chunk)
        }
    }
}
