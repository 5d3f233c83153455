import XCTest
import Policy

final class ToolGlobTests: XCTestCase {
    func testMatching() {
        let rows: [(String, String, Bool)] = [
            ("read_*", "read_file", true), ("read_*", "read_", true), ("read_*", "rea", false),
            ("read_*", "xread_file", false), ("*_file", "read_file", true), ("*_file", "read_files", false),
            ("get_?", "get_a", true), ("get_?", "get_", false), ("get_?", "get_ab", false),
            ("*", "", true), ("*", "anything", true), ("a*b*c", "aXbYc", true), ("a*b*c", "aXbY", false),
            ("a*a*a*a*b", String(repeating: "a", count: 60), false), ("?é?", "xéy", true),
            ("exact", "exact", true), ("exact", "Exact", false), ("**x", "x", true),
        ]
        for (pattern, tool, expected) in rows {
            XCTAssertEqual(ToolGlob(pattern)?.matches(tool), expected, "\(pattern) ~ \(tool)")
        }
    }

    func testInvalidGlobs() {
        for bad in ["", "a b", "a/b", "[ab]", "{a,b}", "a\\*", "tab\there", String(repeating: "x", count: 129)] {
            XCTAssertNil(ToolGlob(bad), bad)
        }
        XCTAssertTrue(ToolGlob("**")!.matchesEverything)
        XCTAssertFalse(ToolGlob("*a")!.matchesEverything)
    }

    func testMCPRuleForms() throws {
        let file = try PolicyFile.parse("""
        {"grants": [{"src": ["*"], "dst": ["*"], "mcp": ["files", "git:read_*", "*", "*:get_?", "git:*"]}]}
        """)
        let rules = file.grants[0].mcp.map(\.value)
        XCTAssertEqual(rules, [
            MCPRule(server: .named("files")), MCPRule(server: .named("git"), tools: ToolGlob("read_*")),
            MCPRule(server: .any), MCPRule(server: .any, tools: ToolGlob("get_?")), MCPRule(server: .named("git")),
        ])
        XCTAssertEqual(rules.map(\.description), ["files", "git:read_*", "*", "*:get_?", "git"])
        XCTAssertTrue(rules[1].permits(server: "git", tool: nil))
        XCTAssertFalse(rules[1].permits(server: "git", tool: "push"))
        XCTAssertTrue(rules[3].permits(server: "anything", tool: "get_x"))
        XCTAssertFalse(rules[0].covers(server: "files2"))
    }

    func testAccessTargets() {
        XCTAssertEqual(AccessTarget("nas-1/files/read_file"), AccessTarget(peer: "nas-1", server: "files", tool: "read_file"))
        XCTAssertEqual(AccessTarget("nas-1/files"), AccessTarget(peer: "nas-1", server: "files"))
        for bad in ["nas-1", "nas-1/", "/files", "a/b/c/d", "a/b/*", "a b/c"] { XCTAssertNil(AccessTarget(bad), bad) }
    }
}
