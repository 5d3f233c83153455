/// Names one grant of a policy: its position in `"grants"` (from 0) and where it is written.
public struct GrantRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The grant's index in the `"grants"` list, counting from 0.
    public var index: Int
    /// Where the grant's `{` is.
    public var location: SourceLocation

    /// A reference to grant number `index` written at `location`.
    public init(index: Int, location: SourceLocation) {
        self.index = index
        self.location = location
    }

    public static func < (lhs: GrantRef, rhs: GrantRef) -> Bool { lhs.index < rhs.index }

    /// `grants[2] at 14:5`.
    public var description: String { "grants[\(index)] at \(location)" }
}
