/// The outcome of running a policy's `"tests"` against a compiled policy.
public struct PolicyTestReport: Hashable, Sendable, CustomStringConvertible {
    /// How many tests ran.
    public var tests: Int
    /// How many allow and deny expectations were checked.
    public var expectations: Int
    /// The expectations that did not hold, in file order.
    public var failures: [PolicyTestFailure]

    /// True when every expectation held.
    public var passed: Bool { failures.isEmpty }

    /// `3 tests, 7 expectations: all passed` or the same with the failures, one per line.
    public var description: String {
        let tally = "\(tests) tests, \(expectations) expectations"
        guard !failures.isEmpty else { return tally + ": all passed" }
        return tally + ": \(failures.count) failed\n" + failures.map(\.description).joined(separator: "\n")
    }
}
