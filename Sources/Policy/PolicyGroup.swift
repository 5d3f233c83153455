/// One entry of `"groups"`: a name for a set of tags, nodes and other groups.
public struct PolicyGroup: Hashable, Sendable {
    /// The group's name with its prefix, e.g. `group:clients`.
    public var name: String
    /// Where the group's key is written.
    public var location: SourceLocation
    /// The members: `.tag`, `.node` or `.group` selectors (never `.any`).
    public var members: [Located<PolicySelector>]
}
