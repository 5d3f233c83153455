import Foundation
import MCP
import MeshWire
import XCTest
@testable import MCPBridge

final class ToolFilterTests: XCTestCase {
    private let t0 = Instant(nanoseconds: 1_000_000_000)

    private func filter(_ globs: [String]) -> ToolFilter {
        ToolFilter(peer: "laptop", server: "files", grant: ToolGrant(globs: globs))
    }

    private func json(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    private func upstreamBytes(_ actions: [ToolFilter.Action]) -> [Data] {
        actions.compactMap { if case .toUpstream(let d) = $0 { return d }; return nil }
    }

    private func clientBytes(_ actions: [ToolFilter.Action]) -> [Data] {
        actions.compactMap { if case .toClient(let d) = $0 { return d }; return nil }
    }

    private func audits(_ actions: [ToolFilter.Action]) -> [CallAudit] {
        actions.compactMap { if case .audit(let a) = $0 { return a }; return nil }
    }

    private static let toolsResult = #"{"jsonrpc":"2.0","id":ID,"result":{"tools":[{"name":"read_file","description":"Read","inputSchema":{"type":"object","properties":{"path":{"type":"string"}}}},{"name":"write_file","inputSchema":{"type":"object"}},{"name":"list_dir","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}}],"nextCursor":"page-2","_meta":{"x":[1,2]}}}"#

    // MARK: tools/list

    func testToolsListIsRewrittenKeepingEveryOtherField() throws {
        var f = filter(["read_*", "list_dir"])
        let request = Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"page-1"}}"#.utf8)
        XCTAssertEqual(f.clientMessage(request, now: t0), [.toUpstream(request)])
        let result = Data(Self.toolsResult.replacingOccurrences(of: "ID", with: "1").utf8)
        let out = f.upstreamMessage(result, now: t0)
        let bytes = try XCTUnwrap(clientBytes(out).first)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file","description":"Read","inputSchema":{"type":"object","properties":{"path":{"type":"string"}}}},{"name":"list_dir","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}}],"nextCursor":"page-2","_meta":{"x":[1,2]}}}"#)
        XCTAssertEqual(f.requestsInFlight, 0)
    }

    func testToolsListUnchangedWhenAllToolsGranted() {
        var f = filter(["*"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":"L","method":"tools/list"}"#.utf8), now: t0)
        let result = Data(Self.toolsResult.replacingOccurrences(of: "ID", with: "\"L\"").utf8)
        XCTAssertEqual(f.upstreamMessage(result, now: t0), [.toClient(result)])
    }

    func testToolsListWithNothingGrantedIsEmpty() throws {
        var f = ToolFilter(peer: "p", server: "s", grant: .tools([]))
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.utf8), now: t0)
        let out = f.upstreamMessage(Data(Self.toolsResult.replacingOccurrences(of: "ID", with: "2").utf8), now: t0)
        let result = try XCTUnwrap(json(try XCTUnwrap(clientBytes(out).first))["result"] as? [String: Any])
        XCTAssertEqual((result["tools"] as? [Any])?.count, 0)
        XCTAssertEqual(result["nextCursor"] as? String, "page-2")
    }

    func testToolWithoutAStringNameIsHidden() throws {
        var f = filter(["*_file"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#.utf8), now: t0)
        let result = #"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"read_file"},{"title":"x"},{"name":7},"odd",{"name":"a","name":"read_file"}]}}"#
        let out = f.upstreamMessage(Data(result.utf8), now: t0)
        XCTAssertEqual(String(decoding: try XCTUnwrap(clientBytes(out).first), as: UTF8.self),
                       #"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"read_file"}]}}"#)
    }

    func testMalformedToolsListBecomesAnError() throws {
        var f = filter(["read_file"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#.utf8), now: t0)
        let out = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":4,"result":{"tools":{"name":"write_file"}}}"#.utf8), now: t0)
        let reply = json(try XCTUnwrap(clientBytes(out).first))
        XCTAssertEqual((reply["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.internalError)
        XCTAssertEqual(reply["id"] as? Int, 4)
    }

    func testToolsListErrorPassesThrough() {
        var f = filter(["read_file"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#.utf8), now: t0)
        let error = Data(#"{"jsonrpc":"2.0","id":5,"error":{"code":-32601,"message":"no tools"}}"#.utf8)
        XCTAssertEqual(f.upstreamMessage(error, now: t0), [.toClient(error)])
    }

    // MARK: tools/call

    func testDeniedCallIsAnsweredLocallyAndNeverForwarded() throws {
        var f = filter(["read_*"])
        let call = Data(#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"/etc/passwd"}}}"#.utf8)
        let out = f.clientMessage(call, now: t0)
        XCTAssertTrue(upstreamBytes(out).isEmpty)
        let reply = json(try XCTUnwrap(clientBytes(out).first))
        XCTAssertEqual(reply["id"] as? Int, 9)
        let error = try XCTUnwrap(reply["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, -32001)
        XCTAssertEqual(error["message"] as? String, "tool \"write_file\" is not permitted for this peer by the mesh policy")
        XCTAssertEqual((error["data"] as? [String: String])?["tool"], "write_file")
        XCTAssertEqual(audits(out), [CallAudit(method: "tools/call", tool: "write_file", decision: .denied, duration: .zero,
                                               bytesIn: call.count, bytesOut: clientBytes(out)[0].count, outcome: "not permitted")])
        XCTAssertEqual(f.requestsInFlight, 0)
        // A later response with that id from a confused server is not passed on.
        let stray = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":9,"result":{"content":[]}}"#.utf8), now: t0)
        XCTAssertTrue(clientBytes(stray).isEmpty)
    }

    func testAllowedCallIsForwardedAndAuditedWithItsDuration() throws {
        var f = filter(["read_*"])
        let call = Data(#"{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"read_file","arguments":{"path":"/a"}}}"#.utf8)
        XCTAssertEqual(f.clientMessage(call, now: t0), [.toUpstream(call)])
        let result = Data(#"{"jsonrpc":"2.0","id":"c1","result":{"content":[{"type":"text","text":"hi"}]}}"#.utf8)
        let out = f.upstreamMessage(result, now: t0 + .milliseconds(25))
        XCTAssertEqual(out, [.toClient(result), .audit(CallAudit(method: "tools/call", tool: "read_file", decision: .allowed,
                                                                   duration: .milliseconds(25), bytesIn: call.count,
                                                                   bytesOut: result.count, outcome: "ok"))])
    }

    func testCallErrorIsAuditedWithItsCode() {
        var f = filter(["*"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#.utf8), now: t0)
        let out = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}"#.utf8), now: t0)
        XCTAssertEqual(audits(out).first?.outcome, "error -32602")
    }

    func testEscapedToolNameCannotSlipPastTheFilter() throws {
        var f = filter(["read_file"])
        // "write\u005ffile" is write_file to any JSON parser.
        let call = Data(#"{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"write\u005ffile"}}"#.utf8)
        let out = f.clientMessage(call, now: t0)
        XCTAssertTrue(upstreamBytes(out).isEmpty)
        XCTAssertEqual(audits(out).first?.tool, "write_file")
        // A duplicated name key is refused rather than guessed.
        let dup = Data(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","name":"write_file"}}"#.utf8)
        let out2 = f.clientMessage(dup, now: t0)
        XCTAssertTrue(upstreamBytes(out2).isEmpty)
        XCTAssertEqual((json(clientBytes(out2)[0])["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.invalidParams)
    }

    func testNearMissToolMethodNamesAreRefused() {
        var f = filter(["read_file"])
        for method in ["Tools/Call", " tools/call", "tools/call\\u0000", "TOOLS/LIST", "tools/list\\t"] {
            let out = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":{"name":"write_file"}}"#.utf8), now: t0)
            XCTAssertTrue(upstreamBytes(out).isEmpty, method)
            XCTAssertEqual((json(clientBytes(out)[0])["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.invalidRequest, method)
        }
        let other = Data(#"{"jsonrpc":"2.0","id":2,"method":"tools/other"}"#.utf8)
        XCTAssertEqual(f.clientMessage(other, now: t0), [.toUpstream(other)])
    }

    func testCallWithoutToolNameIsRefused() {
        var f = filter(["*"])
        for params in [#""#, #","params":{}"#, #","params":{"name":3}"#, #","params":["read_file"]"#] {
            let out = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call""# .appending(params + "}").utf8), now: t0)
            XCTAssertTrue(upstreamBytes(out).isEmpty, params)
            XCTAssertEqual((json(clientBytes(out)[0])["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.invalidParams, params)
        }
    }

    // MARK: pass-through

    func testEverythingElsePassesUnchanged() {
        var f = filter(["read_file"])
        let fromClient = [
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":"p","method":"ping"}"#,
            #"{"jsonrpc":"2.0","id":11,"method":"resources/read","params":{"uri":"file:///a"}}"#,
            #"{"jsonrpc":"2.0","id":12,"method":"prompts/get","params":{"name":"x"}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":11,"reason":"user"}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":0.5}}"#,
            #"{"jsonrpc":"2.0","id":"srv-1","result":{"model":"m","role":"assistant","content":{"type":"text","text":"x"}}}"#,
        ]
        for text in fromClient {
            let data = Data(text.utf8)
            XCTAssertEqual(f.clientMessage(data, now: t0), [.toUpstream(data)], text)
        }
        let fromServer = [
            #"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"s","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","id":"p","result":{}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1,"total":2}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#,
            #"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}"#,
            #"{"jsonrpc":"2.0","id":"srv-2","method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}"#,
            #"{"jsonrpc":"2.0","id":11,"result":{"contents":[]}}"#,
            #"{"jsonrpc":"2.0","id":12,"error":{"code":-32602,"message":"unknown prompt"}}"#,
            #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}"#,
        ]
        for text in fromServer {
            let data = Data(text.utf8)
            XCTAssertEqual(f.upstreamMessage(data, now: t0), [.toClient(data)], text)
        }
        XCTAssertEqual(f.requestsInFlight, 0)
    }

    // MARK: ids

    func testIdsAreTrackedByTypeAndValue() throws {
        var f = filter(["read_file"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8), now: t0)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":"1","method":"tools/call","params":{"name":"read_file"}}"#.utf8), now: t0)
        XCTAssertEqual(f.requestsInFlight, 2)
        // The string id "1" answers the call, not the list: passed as is, and audited.
        let callResult = Data(#"{"jsonrpc":"2.0","id":"1","result":{"tools":[{"name":"write_file"}]}}"#.utf8)
        let out = f.upstreamMessage(callResult, now: t0)
        XCTAssertEqual(clientBytes(out), [callResult])
        XCTAssertEqual(audits(out).count, 1)
        // The numeric id 1 answers the list: filtered.
        let listResult = Data(#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"write_file"},{"name":"read_file"}]}}"#.utf8)
        XCTAssertEqual(String(decoding: clientBytes(f.upstreamMessage(listResult, now: t0))[0], as: UTF8.self),
                       #"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file"}]}}"#)
    }

    func testReusedIdInFlightIsRefused() throws {
        var f = filter(["read_file"])
        let list = Data(#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#.utf8)
        XCTAssertEqual(f.clientMessage(list, now: t0), [.toUpstream(list)])
        let again = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"read_file"}}"#.utf8), now: t0)
        XCTAssertTrue(upstreamBytes(again).isEmpty)
        XCTAssertEqual((json(clientBytes(again)[0])["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.invalidRequest)
    }

    func testResponseToUnknownIdIsDropped() {
        var f = filter(["*"])
        let out = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":77,"result":{"tools":[{"name":"secret"}]}}"#.utf8), now: t0)
        XCTAssertTrue(clientBytes(out).isEmpty)
        guard case .dropped(.upstream, _) = out.first else { return XCTFail("\(out)") }
    }

    func testLateListResultAfterCancelIsStillFiltered() throws {
        var f = filter(["read_file"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":"l","method":"tools/list"}"#.utf8), now: t0)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"l"}}"#.utf8), now: t0)
        let out = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":"l","result":{"tools":[{"name":"write_file"}]}}"#.utf8), now: t0)
        XCTAssertEqual(String(decoding: clientBytes(out)[0], as: UTF8.self), #"{"jsonrpc":"2.0","id":"l","result":{"tools":[]}}"#)
    }

    func testInFlightLimitEvictsCancelledFirst() throws {
        var f = ToolFilter(peer: "p", server: "s", grant: .allTools, limits: .init(maxPendingRequests: 2))
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8), now: t0)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8), now: t0)
        let third = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#.utf8), now: t0)
        XCTAssertEqual((json(clientBytes(third)[0])["error"] as? [String: Any])?["code"] as? Int, RPCErrorCode.tooManyRequests)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#.utf8), now: t0)
        let fourth = Data(#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#.utf8)
        XCTAssertEqual(f.clientMessage(fourth, now: t0), [.toUpstream(fourth)])
        // The evicted list's late result is dropped, not passed unfiltered.
        XCTAssertTrue(clientBytes(f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#.utf8), now: t0)).isEmpty)
    }

    // MARK: batches and garbage

    func testBatchFromClientIsSplitAndFilteredPerElement() throws {
        var f = filter(["read_file"])
        let batch = Data(#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file"}},{"jsonrpc":"2.0","method":"notifications/progress","params":{}}]"#.utf8)
        let out = f.clientMessage(batch, now: t0)
        XCTAssertEqual(upstreamBytes(out).map { String(decoding: $0, as: UTF8.self) },
                       [#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file"}}"#,
                        #"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#])
        XCTAssertEqual(clientBytes(out).count, 1)
        XCTAssertEqual(json(clientBytes(out)[0])["id"] as? Int, 1)
    }

    func testBatchFromUpstreamIsSplitAndFiltered() throws {
        var f = filter(["read_file"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8), now: t0)
        let out = f.upstreamMessage(Data(#"[{"jsonrpc":"2.0","method":"notifications/message","params":{}},{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"write_file"}]}}]"#.utf8), now: t0)
        XCTAssertEqual(clientBytes(out).map { String(decoding: $0, as: UTF8.self) },
                       [#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#,
                        #"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#])
    }

    func testEmptyBatchAndGarbageFromClientGetErrors() throws {
        var f = filter(["*"])
        for (text, code) in [("[]", RPCErrorCode.invalidRequest), ("not json", RPCErrorCode.parseError),
                             (#"{"jsonrpc":"2.0","id":"x","method":3}"#, RPCErrorCode.invalidRequest),
                             ("[1,2", RPCErrorCode.parseError)] {
            let out = f.clientMessage(Data(text.utf8), now: t0)
            XCTAssertTrue(upstreamBytes(out).isEmpty, text)
            let reply = json(try XCTUnwrap(clientBytes(out).first, text))
            XCTAssertEqual((reply["error"] as? [String: Any])?["code"] as? Int, code, text)
        }
        let withID = json(clientBytes(f.clientMessage(Data(#"{"jsonrpc":"2.0","id":"x","method":3}"#.utf8), now: t0))[0])
        XCTAssertEqual(withID["id"] as? String, "x")
    }

    func testGarbageFromUpstreamIsDropped() {
        var f = filter(["*"])
        for text in ["Server listening on port 3000", "{}", #"{"jsonrpc":"2.0","id":1,"result":{},"result":{}}"#, "[]"] {
            let out = f.upstreamMessage(Data(text.utf8), now: t0)
            XCTAssertTrue(clientBytes(out).isEmpty, text)
        }
    }

    // MARK: grant changes

    func testNarrowedGrantAppliesToTheNextMessageAndAnnouncesTheChange() throws {
        var f = filter(["*"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#.utf8), now: t0)
        _ = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":0,"result":{"capabilities":{"tools":{"listChanged":true}}}}"#.utf8), now: t0)
        let out = f.updateGrant(ToolGrant(globs: ["read_file"]), now: t0)
        XCTAssertEqual(clientBytes(out).map { json($0)["method"] as? String }, ["notifications/tools/list_changed"])
        XCTAssertEqual(f.grant, .tools([ToolPattern("read_file")]))
        XCTAssertTrue(upstreamBytes(f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file"}}"#.utf8), now: t0)).isEmpty)
        XCTAssertEqual(f.updateGrant(ToolGrant(globs: ["read_file"]), now: t0), [])
    }

    func testNoAnnouncementWhenServerDoesNotDeclareListChanged() {
        var f = filter(["*"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#.utf8), now: t0)
        _ = f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":0,"result":{"capabilities":{"tools":{}}}}"#.utf8), now: t0)
        XCTAssertEqual(f.updateGrant(.tools([]), now: t0), [])
    }

    func testRevokedGrantClosesTheSessionAndAuditsCallsInFlight() throws {
        var f = filter(["*"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}"#.utf8), now: t0)
        let out = f.updateGrant(nil, now: t0 + .seconds(2))
        guard case .closeSession(let reason)? = out.last else { return XCTFail("\(out)") }
        XCTAssertTrue(reason.contains("laptop") && reason.contains("files"), reason)
        XCTAssertEqual(audits(out).map(\.outcome), ["unanswered"])
        XCTAssertEqual(audits(out).first?.duration, .seconds(2))
        XCTAssertNil(f.grant)
        XCTAssertEqual(f.clientMessage(Data(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8), now: t0).count, 1)
        XCTAssertTrue(upstreamBytes(f.clientMessage(Data(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8), now: t0)).isEmpty)
        XCTAssertTrue(clientBytes(f.upstreamMessage(Data(#"{"jsonrpc":"2.0","id":1,"result":{}}"#.utf8), now: t0)).isEmpty)
        XCTAssertEqual(f.updateGrant(.allTools, now: t0), [])
    }

    func testSessionEndAuditsUnansweredAndCancelledCalls() {
        var f = filter(["*"])
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}"#.utf8), now: t0)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"b"}}"#.utf8), now: t0)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#.utf8), now: t0)
        _ = f.clientMessage(Data(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}"#.utf8), now: t0)
        XCTAssertEqual(audits(f.sessionEnded(now: t0)).map { "\($0.tool ?? ""):\($0.outcome)" }, ["a:unanswered", "b:cancelled"])
    }

    // MARK: robustness

    func testRandomMessagesNeverTrap() {
        var rng = SeededGenerator(seed: 99)
        let pieces = [#"{"#, #"}"#, #"["#, #"]"#, #","#, #":"#, #""jsonrpc""#, #""2.0""#, #""id""#, "1", #""x""#, #""method""#,
                      #""tools/call""#, #""tools/list""#, #""params""#, #""name""#, #""result""#, #""tools""#, #""error""#,
                      "null", "true", "-0.5e3", #""\u00""#, " ", #""\ud800""#]
        var f = ToolFilter(peer: "p", server: "s", grant: ToolGrant(globs: ["x"]), limits: .init(maxPendingRequests: 8))
        for _ in 0..<5000 {
            let text = (0..<Int.random(in: 1...30, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            _ = f.clientMessage(Data(text.utf8), now: t0)
            _ = f.upstreamMessage(Data(text.utf8), now: t0)
        }
        let valid = Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#.utf8)
        _ = f.clientMessage(valid, now: t0)
    }
}
