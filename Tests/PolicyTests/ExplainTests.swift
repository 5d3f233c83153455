import XCTest
import Policy

final class ExplainTests: XCTestCase {
    private func explain(_ source: String, _ target: String) throws -> String {
        try Fixtures.compiled().explain(source: source, target: target).description
    }

    func testExplainNamesTheGrantOrTheReason() throws {
        XCTAssertEqual(try explain("alice-desktop", "nas-1/files/read_file"), "allowed by grants[0] at 9:5")
        XCTAssertEqual(try explain("node:laptop-1", "gpu-1/llama"), "allowed by grants[1] at 10:5")
        XCTAssertEqual(try explain("alice-desktop", "nas-1/git/write_file"),
                       "denied: grants[0] at 9:5 allows only tools matching read_* on git, and write_file matches none of them")
        XCTAssertEqual(try explain("alice-desktop", "gpu-1/llama"),
                       "denied: grants[1] at 10:5 covers this server on this node, but only for src tag:laptop,"
                           + " and alice-desktop matches none of them")
        XCTAssertEqual(try explain("laptop-1", "ci-1/llama"),
                       "denied: grants[1] at 10:5 covers this source and server, but only on dst tag:gpu,"
                           + " and ci-1 matches none of them")
        XCTAssertEqual(try explain("gpu-1", "ci-1/llama/chat"), "denied: no grant gives gpu-1 access to ci-1/llama/chat")
        XCTAssertEqual(try explain("old-laptop", "gpu-1/llama"), "denied: node old-laptop has expired")
        XCTAssertEqual(try explain("laptop-1", "nas-2/git"), "denied: node nas-2 does not publish a server named git")
        XCTAssertEqual(try explain("laptop-1", "laptop-1/x"),
                       "denied: laptop-1 is the destination itself, and a node never reaches its own servers through the mesh")
    }

    func testExplainForAHypotheticalTaggedNode() throws {
        XCTAssertEqual(try explain("tag:laptop", "gpu-1/files/anything"), "allowed by grants[1] at 10:5")
        XCTAssertEqual(try explain("tag:ci", "nas-1/git/get_1"), "allowed by grants[2] at 11:5")
        XCTAssertEqual(try explain("tag:unheard-of", "nas-1/files"),
                       "denied: grants[0] at 9:5 covers this server on this node, but only for src group:clients,"
                           + " and tag:unheard-of matches none of them")
    }

    func testExplainRejectsBadArguments() throws {
        let policy = try Fixtures.compiled()
        XCTAssertThrowsError(try policy.explain(source: "nobody", target: "nas-1/files")) { error in
            XCTAssertEqual(error as? PolicyError, .unknownNode("nobody"))
            XCTAssertEqual("\(error)", "There is no node named \"nobody\".")
        }
        XCTAssertThrowsError(try policy.explain(source: "laptop-1", target: "nas-9/files")) { error in
            XCTAssertEqual(error as? PolicyError, .unknownNode("nas-9"))
        }
        XCTAssertThrowsError(try policy.explain(source: "laptop-1", target: "nas-1")) { error in
            XCTAssertEqual(error as? PolicyError, .invalidArgument("nas-1", reason: "write PEER/SERVER or PEER/SERVER/TOOL"))
        }
        XCTAssertThrowsError(try policy.explain(source: "tag:", target: "nas-1/files")) { error in
            XCTAssertEqual(error as? PolicyError, .invalidArgument("tag:", reason: "after \"tag:\", the name is empty"))
        }
    }
}
