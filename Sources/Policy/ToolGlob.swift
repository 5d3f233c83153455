/// A pattern over MCP tool names: `*` matches any run of characters (including none), `?`
/// matches exactly one, everything else matches itself. `read_*` matches `read_file` and
/// `read_`; `get_?` matches `get_a` but not `get_ab`.
///
/// Matching runs in time proportional to the pattern length times the name length; there is
/// no backtracking blow-up.
public struct ToolGlob: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let scalars: [Unicode.Scalar]

    /// A glob for `pattern`, or nil when `pattern` is not valid (see `problem(in:)`).
    public init?(_ pattern: String) {
        guard Self.problem(in: pattern) == nil else { return nil }
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
    }

    /// Why `pattern` cannot be used as a tool glob, or nil when it can.
    ///
    /// A glob is non-empty, at most 128 characters, and holds no whitespace, control
    /// characters or `/`; `[`, `]`, `{`, `}` and `\` are refused because they are wildcards
    /// in other glob dialects and would not mean here what an operator expects.
    static func problem(in pattern: String) -> String? {
        if pattern.isEmpty { return "it is empty" }
        if pattern.unicodeScalars.count > NameSyntax.maximumLength {
            return "tool globs are at most \(NameSyntax.maximumLength) characters"
        }
        for s in pattern.unicodeScalars {
            switch s {
            case "[", "]", "{", "}", "\\":
                return "only \"*\" and \"?\" are wildcards, and \"\(s)\" is not allowed"
            case "/":
                return "tool names never contain \"/\""
            default:
                if s.properties.isWhitespace || s.value < 0x20 || s.value == 0x7F {
                    return "it contains \(NameSyntax.describe(s))"
                }
            }
        }
        return nil
    }

    /// True when the pattern is only `*`s and so matches every tool.
    public var matchesEverything: Bool { scalars.allSatisfy { $0 == "*" } }

    /// True when `tool` matches the whole pattern.
    public func matches(_ tool: String) -> Bool { Self.matches(pattern: scalars, tool) }

    /// The glob matcher itself, for callers that hold an already validated pattern (the
    /// node's MCP bridge, whose patterns come from a verified netmap): `*` any run, `?` one
    /// scalar, anything else itself; the whole name must match. Linear in pattern × name.
    public static func matches(pattern scalars: [Unicode.Scalar], _ tool: String) -> Bool {
        let name = Array(tool.unicodeScalars)
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < name.count {
            if p < scalars.count, scalars[p] == "*" {
                starP = p
                starT = t
                p += 1
            } else if p < scalars.count, scalars[p] == "?" || scalars[p] == name[t] {
                p += 1
                t += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }

    public static func < (lhs: ToolGlob, rhs: ToolGlob) -> Bool { lhs.pattern < rhs.pattern }

    public static func == (lhs: ToolGlob, rhs: ToolGlob) -> Bool { lhs.pattern == rhs.pattern }

    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    /// The pattern.
    public var description: String { pattern }
}
