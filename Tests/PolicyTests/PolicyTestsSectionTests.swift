import XCTest
import Policy

final class PolicyTestsSectionTests: XCTestCase {
    private let failing = """
    {
      "tags": ["tag:laptop", "tag:nas"],
      "grants": [
        {"src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files:read_*"]},
      ],
      "tests": [
        {"src": "node:laptop-1", "allow": ["nas-1/files/write_file", "nas-1/files/read_file"], "deny": ["nas-2/files/read_x"]},
        {"src": "node:ghost", "allow": ["nas-1/files"]},
        {"src": "tag:laptop", "deny": ["nas-9/files"]},
      ],
    }
    """

    func testPassingTests() throws {
        let report = try Fixtures.compiled().runTests()
        XCTAssertTrue(report.passed)
        XCTAssertEqual(report.tests, 2)
        XCTAssertEqual(report.expectations, 5)
        XCTAssertEqual(report.description, "2 tests, 5 expectations: all passed")
        XCTAssertNoThrow(try CompiledPolicy.check(Fixtures.policy, nodes: Fixtures.nodes))
    }

    func testFailuresNameTheTestAndTheExpectation() throws {
        let report = try Fixtures.compiled(failing).runTests()
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.expectations, 5)
        let grant = GrantRef(index: 0, location: loc(4, 5))
        XCTAssertEqual(report.failures, [
            PolicyTestFailure(test: 0, testLocation: loc(7, 5), location: loc(7, 40), source: "node:laptop-1",
                              expectation: .allow, target: AccessTarget(peer: "nas-1", server: "files", tool: "write_file"),
                              reason: .denied(.toolNotMatched(tool: "write_file", server: "files", grant: grant, globs: ["read_*"]))),
            PolicyTestFailure(test: 0, testLocation: loc(7, 5), location: loc(7, 101), source: "node:laptop-1",
                              expectation: .deny, target: AccessTarget(peer: "nas-2", server: "files", tool: "read_x"),
                              reason: .allowed(by: grant)),
            PolicyTestFailure(test: 1, testLocation: loc(8, 5), location: loc(8, 13), source: "node:ghost",
                              expectation: nil, target: nil, reason: .unknownSource),
            PolicyTestFailure(test: 2, testLocation: loc(9, 5), location: loc(9, 36), source: "tag:laptop",
                              expectation: .deny, target: AccessTarget(peer: "nas-9", server: "files"), reason: .unknownPeer),
        ])
        XCTAssertEqual(report.failures.map(\.description), [
            "7:40: Test tests[0] at 7:5 expects node:laptop-1 to be allowed nas-1/files/write_file, but it is denied:"
                + " grants[0] at 4:5 allows only tools matching read_* on files, and write_file matches none of them.",
            "7:101: Test tests[0] at 7:5 expects node:laptop-1 to be denied nas-2/files/read_x, but grants[0] at 4:5 allows it.",
            "8:13: Test tests[1] at 8:5 uses node:ghost, which is not in the node directory.",
            "9:36: Test tests[2] at 9:5 expects tag:laptop to be denied nas-9/files, but there is no node named nas-9.",
        ])
    }

    func testCheckThrowsEveryFailedTest() {
        XCTAssertThrowsError(try CompiledPolicy.check(failing, nodes: Fixtures.nodes)) { error in
            guard let errors = error as? PolicyErrors else { return XCTFail("\(error)") }
            XCTAssertEqual(errors.map(\.location), [loc(7, 40), loc(7, 101), loc(8, 13), loc(9, 36)])
            guard case .testFailed(let first) = errors.first else { return XCTFail("not a test failure") }
            XCTAssertEqual(first.expectation, .allow)
        }
        // Validation problems come before tests are run.
        XCTAssertThrowsError(try CompiledPolicy.check("{\"tags\": [\"x\"]}", nodes: Fixtures.nodes)) { error in
            XCTAssertEqual((error as? PolicyErrors)?.errors, [.invalidTag(loc(1, 11), text: "x", reason: "it must start with \"tag:\"")])
        }
    }

    /// Tests check the policy, not the nodes' current state: expiry and publication are ignored.
    func testTestsIgnoreExpiryAndPublication() throws {
        let text = """
        {"tags": ["tag:laptop", "tag:nas", "tag:gpu"],
         "grants": [{"src": ["tag:laptop"], "dst": ["tag:nas", "tag:gpu"], "mcp": ["git"]}],
         "tests": [{"src": "node:old-laptop", "allow": ["nas-2/git/x", "gpu-1/git"], "deny": ["nas-2/files"]}]}
        """
        let policy = try Fixtures.compiled(text)
        XCTAssertTrue(policy.runTests().passed, policy.runTests().description)
        XCTAssertEqual(policy.may(Fixtures.nodes["old-laptop"]!, Fixtures.nodes["nas-2"]!, server: "git"),
                       .denied(.nodeExpired(node: "old-laptop")))
    }

    func testSessionTargetsVersusToolTargets() throws {
        // A session is allowed when some tool is; a deny of the whole server fails if any tool is allowed.
        let text = """
        {"tags": ["tag:laptop", "tag:nas"],
         "grants": [{"src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["git:read_*"]}],
         "tests": [{"src": "tag:laptop", "allow": ["nas-1/git"], "deny": ["nas-1/git", "nas-1/git/push"]}]}
        """
        let report = try Fixtures.compiled(text).runTests()
        XCTAssertEqual(report.failures.map(\.location), [loc(3, 67)])
        XCTAssertEqual(report.failures.first?.reason, .allowed(by: GrantRef(index: 0, location: loc(2, 13))))
    }
}
