/// One expectation of a policy's `"tests"` that did not hold.
public struct PolicyTestFailure: Hashable, Sendable, CustomStringConvertible {
    /// What an expectation asked for.
    public enum Expectation: String, Hashable, Sendable {
        case allow, deny
    }

    /// What went wrong.
    public enum Reason: Hashable, Sendable {
        /// The test's `src` is `node:NAME` and no such node is in the directory.
        case unknownSource
        /// The target's peer is not in the directory.
        case unknownPeer
        /// The target was expected to be allowed but is denied for this reason.
        case denied(DenyReason)
        /// The target was expected to be denied but this grant allows it.
        case allowed(by: GrantRef)
    }

    /// The test's index in `"tests"`, counting from 0.
    public var test: Int
    /// Where the test's `{` is.
    public var testLocation: SourceLocation
    /// Where the failing part is written: the expectation's string, or the `src`.
    public var location: SourceLocation
    /// The test's `src` as written (`node:alice`, `tag:laptop`).
    public var source: String
    /// `allow` or `deny`; nil when the source itself could not be resolved.
    public var expectation: Expectation?
    /// The target that failed; nil when the source itself could not be resolved.
    public var target: AccessTarget?
    /// What went wrong.
    public var reason: Reason

    /// A failure of test number `test` (written at `testLocation`) at `location`.
    public init(test: Int, testLocation: SourceLocation, location: SourceLocation, source: String,
                expectation: Expectation?, target: AccessTarget?, reason: Reason) {
        self.test = test
        self.testLocation = testLocation
        self.location = location
        self.source = source
        self.expectation = expectation
        self.target = target
        self.reason = reason
    }

    /// One sentence naming the test, the expectation and what happened instead.
    public var message: String {
        let test = "Test tests[\(self.test)] at \(testLocation)"
        let expects: String
        switch (expectation, target) {
        case (.allow?, let target?): expects = "expects \(source) to be allowed \(target)"
        case (.deny?, let target?): expects = "expects \(source) to be denied \(target)"
        default: expects = "uses \(source)"
        }
        switch reason {
        case .unknownSource:
            return "\(test) uses \(source), which is not in the node directory."
        case .unknownPeer:
            return "\(test) \(expects), but there is no node named \(target?.peer ?? "")."
        case .denied(let why):
            return "\(test) \(expects), but it is denied: \(why)."
        case .allowed(let grant):
            return "\(test) \(expects), but \(grant) allows it."
        }
    }

    /// `line:column: message`, at the failing expectation.
    public var description: String { "\(location): \(message)" }
}
