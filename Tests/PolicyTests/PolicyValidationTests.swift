import XCTest
import Policy

final class PolicyValidationTests: XCTestCase {
    func testFixtureIsValid() throws {
        let file = try PolicyFile.parse(Fixtures.policy)
        XCTAssertEqual(file.tags.map(\.value), ["tag:laptop", "tag:nas", "tag:gpu", "tag:ci"])
        XCTAssertEqual(file.groups.map(\.name), ["group:clients", "group:everyone"])
        XCTAssertEqual(file.grants.map(\.ref), [Fixtures.grant0, Fixtures.grant1, Fixtures.grant2])
        XCTAssertEqual(file.grants[0].description, "{src: group:clients, dst: tag:nas, mcp: files, git:read_*}")
        XCTAssertEqual(file.grants[0].mcp.map(\.location), [loc(9, 61), loc(9, 70)])
        XCTAssertEqual(file.tests.map(\.location), [loc(14, 5), loc(15, 5)])
        XCTAssertEqual(file.tests[1].source.value, .tag("tag:laptop"))
        XCTAssertEqual(file.tests[1].allow.map(\.value), [AccessTarget(peer: "gpu-1", server: "llama"),
                                                         AccessTarget(peer: "nas-2", server: "files")])
    }

    /// Every problem of the file at once, each with its line and column, sorted by position.
    func testEveryProblemIsReportedAtOnceWithLineAndColumn() {
        let text = """
        {
          "tags": ["tag:laptop", "nas", "tag:laptop", "tag:gpu"],
          "groups": {
            "group:a": ["group:b", "tag:undeclared"],
            "group:b": ["group:a", "*"],
            "clients": [],
          },
          "grants": [
            { "src": [], "dst": ["tag:gpu"], "mcp": ["files"] },
            { "src": ["group:missing"], "dst": ["laptop"], "mcp": ["git:read_[ab]", "fi*les", ":x"] },
            { "src": ["tag:gpu"], "mcp": [] , "extra": 1},
            "not an object",
          ],
          "tests": [
            { "src": "group:a", "allow": ["nas-1"] },
            { "src": "node:x" },
          ],
          "tag": [],
          "grants": [],
        }
        """
        let grantClause = "write tag:NAME, group:NAME, node:NAME or *"
        XCTAssertEqual(Fixtures.errors(text), [
            .invalidTag(loc(2, 26), text: "nas", reason: "it must start with \"tag:\""),
            .duplicateTag(loc(2, 33), tag: "tag:laptop", first: loc(2, 12)),
            .undeclaredTag(loc(4, 28), tag: "tag:undeclared"),
            .groupCycle(loc(5, 17), cycle: ["group:a", "group:b", "group:a"]),
            .invalidSelector(loc(5, 28), text: "*", reason: "group members are tag:NAME, group:NAME or node:NAME"),
            .invalidGroupName(loc(6, 5), text: "clients", reason: "it must start with \"group:\""),
            .emptyList(loc(9, 14), what: "The grant's \"src\"", consequence: "so the grant can never apply"),
            .unknownGroup(loc(10, 15), group: "group:missing"),
            .invalidSelector(loc(10, 41), text: "laptop", reason: grantClause),
            .invalidToolGlob(loc(10, 60), glob: "read_[ab]", reason: "only \"*\" and \"?\" are wildcards, and \"[\" is not allowed"),
            .invalidMCPEntry(loc(10, 77), text: "fi*les",
                             reason: "server names cannot be globs (only \"*\" alone means every server)"),
            .invalidMCPEntry(loc(10, 87), text: ":x", reason: "the server name before \":\" is empty"),
            .missingField(loc(11, 5), field: "dst", container: "grant"),
            .emptyList(loc(11, 34), what: "The grant's \"mcp\"", consequence: "so the grant gives access to nothing"),
            .unknownField(loc(11, 39), field: "extra", container: "a grant", allowed: ["src", "dst", "mcp"]),
            .wrongType(loc(12, 5), what: "Each entry of \"grants\"", expected: "an object", found: "a string"),
            .invalidSelector(loc(15, 14), text: "group:a", reason: "a test's src is node:NAME or tag:NAME"),
            .invalidTestTarget(loc(15, 35), text: "nas-1", reason: "write PEER/SERVER or PEER/SERVER/TOOL"),
            .emptyTest(loc(16, 5)),
            .unknownField(loc(18, 3), field: "tag", container: "the policy", allowed: ["tags", "groups", "grants", "tests"]),
            .duplicateKey(loc(19, 3), key: "grants", first: loc(8, 3)),
        ])
    }

    func testMessagesReadAsOneSentenceWithLocation() {
        let text = """
        {
          "tags": ["tag:nas"],
          "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["files", "git:read *"] }],
        }
        """
        let errors = Fixtures.errors(text)
        XCTAssertEqual(errors.map(\.description), [
            "3:24: tag:laptop is not declared in \"tags\".",
            "3:76: \"read *\" is not a valid tool glob: it contains U+0020.",
        ])
        XCTAssertEqual(PolicyErrors(errors).description, errors.map(\.description).joined(separator: "\n"))
    }

    func testWrongTypes() {
        let text = """
        [
        ]
        """
        XCTAssertEqual(Fixtures.errors(text), [.wrongType(loc(1, 1), what: "The policy", expected: "an object", found: "a list")])
        let fields = """
        {"tags": "tag:x", "groups": [], "grants": [{"src": "tag:x", "dst": [1], "mcp": [null]}],
         "tests": [{"src": 5, "allow": "x", "deny": [true]}]}
        """
        XCTAssertEqual(Fixtures.errors(fields), [
            .wrongType(loc(1, 10), what: "\"tags\"", expected: "a list", found: "a string"),
            .wrongType(loc(1, 29), what: "\"groups\"", expected: "an object", found: "a list"),
            .wrongType(loc(1, 52), what: "The grant's \"src\"", expected: "a list", found: "a string"),
            .wrongType(loc(1, 69), what: "Each entry of the grant's \"dst\"", expected: "a string", found: "a number"),
            .wrongType(loc(1, 81), what: "Each entry of the grant's \"mcp\"", expected: "a string", found: "null"),
            .wrongType(loc(2, 20), what: "A test's \"src\"", expected: "a string", found: "a number"),
            .wrongType(loc(2, 32), what: "A test's \"allow\"", expected: "a list", found: "a string"),
            .wrongType(loc(2, 46), what: "Each entry of a test's \"deny\"", expected: "a string", found: "a boolean"),
        ])
    }

    func testGroupsNestAndLongCyclesAreFound() {
        let chain = (0..<5_000).map { "\"group:g\($0)\": [\"group:g\($0 + 1)\"]," }.joined(separator: "\n")
        let text = "{\"groups\": {\n\(chain)\n\"group:g5000\": [\"group:g0\"]}}"
        let errors = Fixtures.errors(text)
        XCTAssertEqual(errors.count, 1)
        guard case .groupCycle(let at, let cycle) = errors.first else { return XCTFail("no cycle: \(errors)") }
        XCTAssertEqual(at, loc(5_002, 17))
        XCTAssertEqual(cycle.count, 5_002)
        XCTAssertEqual(cycle.first, "group:g0")
        XCTAssertEqual(cycle.last, "group:g0")
        XCTAssertEqual(Fixtures.errors("{\"groups\": {\"group:self\": [\"group:self\"]}}"),
                       [.groupCycle(loc(1, 28), cycle: ["group:self", "group:self"])])
    }

    func testNameAndSelectorSyntax() {
        let text = """
        {"tags": ["tag:", "tag:a b", "tag:ok"],
         "grants": [{"src": ["node:", "tag:ok", "*"], "dst": ["group:", "node:x/y"], "mcp": ["*", "*:get_*", "git:", "a/b"]}],
         "tests": [{"src": "tag:ok", "allow": ["p/s/t*", "p//t", "p/s/t/u"], "deny": []}]}
        """
        let names = "names may contain only letters, digits, \"-\", \"_\" and \".\""
        XCTAssertEqual(Fixtures.errors(text), [
            .invalidTag(loc(1, 11), text: "tag:", reason: "after \"tag:\", the name is empty"),
            .invalidTag(loc(1, 19), text: "tag:a b", reason: "after \"tag:\", \(names), not U+0020"),
            .invalidSelector(loc(2, 22), text: "node:", reason: "after \"node:\", the name is empty"),
            .invalidSelector(loc(2, 55), text: "group:", reason: "after \"group:\", the name is empty"),
            .invalidSelector(loc(2, 65), text: "node:x/y", reason: "after \"node:\", \(names), not \"/\""),
            .invalidToolGlob(loc(2, 102), glob: "", reason: "it is empty"),
            .invalidMCPEntry(loc(2, 110), text: "a/b", reason: "\(names), not \"/\""),
            .invalidTestTarget(loc(3, 40), text: "p/s/t*", reason: "name one tool, not a glob"),
            .invalidTestTarget(loc(3, 50), text: "p//t", reason: "the server name is not valid: the name is empty"),
            .invalidTestTarget(loc(3, 58), text: "p/s/t/u", reason: "write PEER/SERVER or PEER/SERVER/TOOL"),
        ])
    }

    func testEmptyTestsAndEmptyGroups() {
        let text = """
        {"groups": {"group:none": []},
         "tests": [{"src": "tag:x", "allow": [], "deny": []}, {"src": "node:a", "deny": ["a/b"]}]}
        """
        XCTAssertEqual(Fixtures.errors(text), [.emptyTest(loc(2, 12)), .undeclaredTag(loc(2, 20), tag: "tag:x")])
    }

    func testEmptyPolicyDeniesEverything() throws {
        let policy = try Fixtures.compiled("{}")
        XCTAssertEqual(policy.inboundAccess(to: "nas-1"), [])
        XCTAssertFalse(policy.may(Fixtures.nodes["laptop-1"]!, Fixtures.nodes["nas-1"]!, server: "files").isAllowed)
    }
}
