/// One entry of `"tests"`: what a source must and must not be able to use.
///
/// Run by `CompiledPolicy.runTests()` before a policy is applied.
public struct PolicyTest: Hashable, Sendable {
    /// The test's index in `"tests"`, counting from 0.
    public var index: Int
    /// Where the test's `{` is.
    public var location: SourceLocation
    /// `node:NAME` (a node of the directory) or `tag:NAME` (a hypothetical node holding only
    /// that tag).
    public var source: Located<PolicySelector>
    /// Targets the source must be allowed to use.
    public var allow: [Located<AccessTarget>]
    /// Targets the source must be denied.
    public var deny: [Located<AccessTarget>]
}
