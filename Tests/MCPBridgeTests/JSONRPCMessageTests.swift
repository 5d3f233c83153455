import Foundation
import MCP
import XCTest
@testable import MCPBridge

final class JSONRPCMessageTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONRPCMessage { try JSONRPCMessage.parse(Data(text.utf8)) }

    func testKinds() throws {
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).kind, .request(id: 1, method: "tools/list"))
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":"a-1","method":"ping","params":{}}"#).kind, .request(id: "a-1", method: "ping"))
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}"#).kind,
                       .notification(method: "notifications/progress"))
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":-3,"result":{}}"#).kind, .response(id: -3, isError: false))
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#).kind,
                       .response(id: nil, isError: true))
        XCTAssertEqual(try parse(#" {"id":"7","result":null,"jsonrpc":"2.0"} "#).kind, .response(id: "7", isError: false))
    }

    func testStringAndNumberIdsDiffer() throws {
        XCTAssertNotEqual(try parse(#"{"jsonrpc":"2.0","id":1,"method":"a"}"#).kind,
                          try parse(#"{"jsonrpc":"2.0","id":"1","method":"a"}"#).kind)
    }

    func testEscapedMethodNamesDecode() throws {
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":1,"method":"tools\/call"}"#).method, "tools/call")
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":1,"method":"tools\u002fcall"}"#).method, "tools/call")
        XCTAssertEqual(try parse(#"{"jsonrpc":"2.0","id":"\ud83d\ude00","method":"x"}"#).kind, .request(id: "😀", method: "x"))
    }

    func testRejections() {
        let bad = [
            #"[]"#, #""x""#, #"{"#, #"{"jsonrpc":"2.0","id":1,"method":"a",}"#,
            #"{"jsonrpc":"1.0","id":1,"method":"a"}"#, #"{"id":1,"method":"a"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}"#,  // duplicate key
            #"{"jsonrpc":"2.0","id":1.5,"method":"a"}"#, #"{"jsonrpc":"2.0","id":true,"method":"a"}"#,
            #"{"jsonrpc":"2.0","id":null,"method":"a"}"#, #"{"jsonrpc":"2.0","id":1,"method":5}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"a","params":3}"#, #"{"jsonrpc":"2.0","id":1}"#,
            #"{"jsonrpc":"2.0","id":1,"result":1,"error":{}}"#, #"{"jsonrpc":"2.0","result":1}"#,
            #"{"jsonrpc":"2.0","id":1,"error":"no"}"#, #"{"jsonrpc":"2.0","id":1,"method":"a"} x"#,
            #"{"jsonrpc":"2.0","id":"\ud800","method":"a"}"#, "{\"jsonrpc\":\"2.0\",\"id\":\"a\tb\",\"method\":\"a\"}",
            #"{"jsonrpc":"2.0","id":01,"method":"a"}"#, #"{"jsonrpc":"2.0","id":1,"method":"a","params":{"x":tru}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"a","params":{"x":"\q"}}"#, #"{"jsonrpc":"2.0","id":99999999999999999999,"method":"a"}"#,
        ]
        for text in bad {
            XCTAssertThrowsError(try parse(text), text)
        }
        XCTAssertThrowsError(try JSONRPCMessage.parse(Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])))
    }

    func testDeepNestingIsRefusedWithoutRecursion() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let text = #"{"jsonrpc":"2.0","id":1,"method":"a","params":{"x":"# + deep + "}}"
        XCTAssertThrowsError(try parse(text)) { error in
            guard case .invalidJSON(_, let reason) = error as? MCPBridgeError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("nest"), reason)
        }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        XCTAssertNoThrow(try parse(#"{"jsonrpc":"2.0","id":1,"method":"a","params":{"x":"# + fine + "}}"))
    }

    func testBatchElements() throws {
        let batch = Data(#" [ {"jsonrpc":"2.0","id":1,"method":"a"} , {"jsonrpc":"2.0","method":"n"} ] "#.utf8)
        let elements = try XCTUnwrap(try JSONRPCMessage.batchElements(batch))
        XCTAssertEqual(elements.map { String(decoding: $0, as: UTF8.self) },
                       [#"{"jsonrpc":"2.0","id":1,"method":"a"}"#, #"{"jsonrpc":"2.0","method":"n"}"#])
        XCTAssertNil(try JSONRPCMessage.batchElements(Data(#"{"a":1}"#.utf8)))
        XCTAssertEqual(try JSONRPCMessage.batchElements(Data("[]".utf8)), [])
        XCTAssertThrowsError(try JSONRPCMessage.batchElements(Data("[1,".utf8)))
    }

    func testBestEffortID() {
        XCTAssertEqual(JSONRPCMessage.bestEffortID(Data(#"{"id":"q","method":7}"#.utf8)), "q")
        XCTAssertNil(JSONRPCMessage.bestEffortID(Data(#"{"id":"q","#.utf8)))
    }

    func testSlicedDataParses() throws {
        let whole = Data(#"xx{"jsonrpc":"2.0","id":1,"method":"a"}"#.utf8)
        let message = try JSONRPCMessage.parse(whole[2...])
        XCTAssertEqual(message.kind, .request(id: 1, method: "a"))
        XCTAssertEqual(message.bytes.startIndex, 0)
    }

    func testNumbersAndLiterals() {
        for good in ["0", "-0", "1.5e10", "-2E-3", "123", "true", "false", "null", #""""#, "[]", "{}", "[1,[2,{}]]"] {
            XCTAssertNoThrow(try parse(#"{"jsonrpc":"2.0","id":1,"method":"a","params":{"v":"# + good + "}}"), good)
        }
        for bad in ["-", "1.", ".5", "1e", "+1", "nul", "[1,]", "{\"a\"}", "{\"a\":1,}", "[1 2]", "'a'"] {
            XCTAssertThrowsError(try parse(#"{"jsonrpc":"2.0","id":1,"method":"a","params":{"v":"# + bad + "}}"), bad)
        }
    }
}
