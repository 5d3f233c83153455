import Policy

/// A pattern over MCP tool names with the policy's glob semantics: `*` matches any run of
/// characters (including none), `?` matches exactly one Unicode scalar, everything else
/// matches itself; the whole name must match. `read_*` matches `read_file`; `get_?` matches
/// `get_a` but not `get_ab`.
///
/// The policy validated the pattern before it reached a netmap, so any string is accepted
/// here. Matching is linear in pattern × name length, with no backtracking blow-up.
public struct ToolPattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written in the policy.
    public let pattern: String
    private let scalars: [Unicode.Scalar]

    /// The pattern `pattern`.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
    }

    /// True when the pattern is only `*`s and so matches every tool.
    public var matchesEverything: Bool { !scalars.isEmpty && scalars.allSatisfy { $0 == "*" } }

    /// True when `tool` matches the whole pattern (the policy's own matcher).
    public func matches(_ tool: String) -> Bool { ToolGlob.matches(pattern: scalars, tool) }

    public static func == (lhs: ToolPattern, rhs: ToolPattern) -> Bool { lhs.pattern == rhs.pattern }

    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    /// The pattern.
    public var description: String { pattern }
}
