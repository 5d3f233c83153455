import Foundation
import XCTest
@testable import Coordinator

/// The admin socket's wire format: every command survives encoding and decoding, and bad
/// lines are refused with a code and a sentence.
final class AdminProtocolTests: XCTestCase {
    let commands: [AdminCommand] = [
        .status,
        .joinKeyCreate(JoinKeyOptions(tags: ["tag:nas", "tag:gpu"], reusable: true, ephemeral: true, expiresInSeconds: 86_400)),
        .joinKeyCreate(JoinKeyOptions()),
        .joinKeyList,
        .joinKeyRevoke(id: "abcd2345efgh"),
        .nodesList,
        .nodesTag(node: "nas-1", tags: ["tag:nas"]),
        .nodesExpire(node: "nas-1"),
        .nodesRemove(node: "old-laptop"),
        .policyGet(version: nil),
        .policyGet(version: 3),
        .policyCheck(text: "{\n  // comment \"quoted\"\n}\n", file: "policy.json"),
        .policySet(text: "{ \"tags\": [\"tag:é\"] }", file: "/etc/mcpmesh/policy.json"),
        .policyHistory,
        .policyRollback(version: 2),
        .policyExplain(source: "tag:laptop", target: "nas-1/files/read_file"),
    ]

    func testEveryCommandRoundTrips() throws {
        XCTAssertEqual(Set(commands.map(\.name)), Set(AdminCommand.names), "the table covers every command")
        for command in commands {
            let line = AdminRequest(command: command, actor: "alice", id: 7).encodedLine()
            XCTAssertEqual(line.last, UInt8(ascii: "\n"))
            XCTAssertEqual(line.filter { $0 == UInt8(ascii: "\n") }.count, 1, "one line: \(command.name)")
            let decoded = try AdminRequest.decode(line.dropLast()).get()
            XCTAssertEqual(decoded.command, command)
            XCTAssertEqual(decoded.actor, "alice")
            XCTAssertEqual(decoded.id, 7)
            XCTAssertEqual(decoded.version, 1)
        }
    }

    func testWireFormatIsTheDocumentedOne() throws {
        let line = AdminRequest(command: .nodesTag(node: "nas-1", tags: ["tag:nas"]), actor: "alice", id: 7).encodedLine()
        XCTAssertEqual(String(decoding: line, as: UTF8.self),
                       #"{"actor":"alice","args":{"node":"nas-1","tags":["tag:nas"]},"command":"nodes.tag","id":7,"v":1}"# + "\n")
        let create = AdminRequest(command: .joinKeyCreate(JoinKeyOptions(tags: [], expiresInSeconds: 60)), actor: "a").encodedLine()
        XCTAssertTrue(String(decoding: create, as: UTF8.self).contains(#""expires_in_seconds":60"#))
        // A hand-written request in the documented form decodes.
        let handWritten = #"{"v":1,"command":"policy.explain","args":{"source":"alice","target":"nas-1/files"}}"#
        XCTAssertEqual(try AdminRequest.decode(Array(handWritten.utf8)).get().command,
                       .policyExplain(source: "alice", target: "nas-1/files"))
        // Commands without arguments may leave "args" out.
        XCTAssertEqual(try AdminRequest.decode(Array(#"{"v":1,"command":"nodes.list"}"#.utf8)).get().command, .nodesList)
    }

    func testBadLinesAreRefusedWithACodeAndASentence() {
        let table: [(String, AdminFailure.Code, String, Int64?)] = [
            ("not json", .badRequest, "not valid JSON", nil),
            ("[1,2]", .badRequest, "not a JSON object", nil),
            (#"{"command":"nodes.list"}"#, .badRequest, "no \"v\"", nil),
            (#"{"v":2,"id":4,"command":"nodes.list"}"#, .unsupportedVersion, "version 1, not 2", 4),
            (#"{"v":1,"id":5}"#, .badRequest, "no \"command\"", 5),
            (#"{"v":1,"command":"nodes.frobnicate"}"#, .unknownCommand, "unknown command \"nodes.frobnicate\"", nil),
            (#"{"v":1,"command":"nodes.tag","args":{"node":"x"}}"#, .badRequest, "\"args.tags\" is missing", nil),
            (#"{"v":1,"command":"policy.rollback","args":{"version":"two"}}"#, .badRequest, "is not a", nil),
            (#"{"v":1,"command":"joinkey.revoke"}"#, .badRequest, "\"args\" is missing", nil),
        ]
        for (line, code, fragment, id) in table {
            switch AdminRequest.decode(Array(line.utf8)) {
            case .success(let request):
                XCTFail("\(line) decoded as \(request)")
            case .failure(let refusal):
                XCTAssertEqual(refusal.failure.code, code, line)
                XCTAssertTrue(refusal.failure.message.contains(fragment), "\(line): \(refusal.failure.message)")
                XCTAssertEqual(refusal.id, id, line)
            }
        }
    }

    func testRepliesCarryResultOrError() throws {
        let ok = AdminJSON.line(AdminReply.success(AdminResults.NodeList(nodes: []), id: 3))
        XCTAssertEqual(String(decoding: ok, as: UTF8.self), #"{"id":3,"ok":true,"result":{"nodes":[]},"v":1}"# + "\n")
        let failure = AdminFailure(code: .policyRejected, message: "p.json was rejected (1 problem)", problems: ["p.json:1:2: x"])
        let refused = AdminJSON.line(AdminReply<AdminResults.NodeList>.failure(failure, id: 3))
        let decoded = try AdminJSON.decoder().decode(AdminReply<AdminResults.NodeList>.self, from: Data(refused))
        XCTAssertFalse(decoded.ok)
        XCTAssertThrowsError(try decoded.get()) { error in
            XCTAssertEqual(error as? AdminFailure, failure)
        }
        XCTAssertTrue(String(decoding: refused, as: UTF8.self).contains(#""code":"policy_rejected""#))
    }
}
