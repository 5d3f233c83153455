import Foundation
import Policy
import XCTest
@testable import Coordinator

/// coordinator/policy.example.json stays a valid policy whose tests pass once its nodes have
/// joined, and without them fails only for the missing nodes (as its comments say).
final class ExamplePolicyTests: XCTestCase {
    private func exampleText() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("coordinator/policy.example.json"), encoding: .utf8)
    }

    func testTheExamplePolicyPassesItsTestsWithItsNodes() throws {
        let nodes = NodeDirectory([
            PolicyNode(name: "alice-desktop", tags: [], servers: []),
            PolicyNode(name: "nas-1", tags: ["tag:nas"], servers: ["files", "git"]),
            PolicyNode(name: "gpu-1", tags: ["tag:gpu"], servers: ["llama"]),
            PolicyNode(name: "ci-1", tags: ["tag:ci"], servers: []),
            PolicyNode(name: "laptop-1", tags: ["tag:laptop"], servers: []),
        ])
        let policy = try CompiledPolicy.check(try exampleText(), nodes: nodes)
        XCTAssertEqual(policy.runTests().description, "3 tests, 9 expectations: all passed")
        XCTAssertEqual(try policy.explain(source: "alice-desktop", target: "gpu-1/llama/complete").description,
                       "allowed by grants[3] at 30:5")
    }

    func testWithoutItsNodesOnlyTheTestsFail() throws {
        XCTAssertThrowsError(try CoordinatorState.checkPolicyOffline(text: try exampleText(), file: "policy.example.json")) { error in
            guard case .policyRejected(_, let problems, _)? = error as? CoordinatorError else { return XCTFail("\(error)") }
            XCTAssertFalse(problems.isEmpty)
            for problem in problems { XCTAssertTrue(problem.contains("Test tests["), problem) }
        }
    }
}
