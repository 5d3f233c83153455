/// One entry of a grant's `src` or `dst`, a group's members, or a test's `src`.
///
/// Tags and groups keep their prefix (`tag:nas`, `group:clients`), the form nodes carry and
/// `"groups"` keys use; node names are bare (`alice`), as the node directory holds them.
public enum PolicySelector: Hashable, Sendable, CustomStringConvertible {
    /// `*`: every node.
    case any
    /// `tag:NAME`: every node holding the tag, e.g. `.tag("tag:nas")`.
    case tag(String)
    /// `group:NAME`: every node matched by the group's members, e.g. `.group("group:clients")`.
    case group(String)
    /// `node:NAME`: the node with that name, e.g. `.node("alice")`.
    case node(String)

    /// Which forms a place in the policy accepts.
    enum Kinds {
        /// Grant `src` and `dst`: everything.
        case grant
        /// Group members: no `*`.
        case groupMember
        /// Test `src`: a node or a tag.
        case testSource

        var hint: String {
            switch self {
            case .grant: return "write tag:NAME, group:NAME, node:NAME or *"
            case .groupMember: return "group members are tag:NAME, group:NAME or node:NAME"
            case .testSource: return "a test's src is node:NAME or tag:NAME"
            }
        }
    }

    /// Reads `text` as a selector allowed in `kinds`, or says why it cannot.
    static func parse(_ text: String, kinds: Kinds) -> Result<PolicySelector, SyntaxProblem> {
        let problem: String?
        let selector: PolicySelector
        if text == "*" {
            guard case .grant = kinds else { return .failure(SyntaxProblem(kinds.hint)) }
            return .success(.any)
        } else if text.hasPrefix("tag:") {
            problem = NameSyntax.problem(in: text, prefix: "tag:")
            selector = .tag(text)
        } else if text.hasPrefix("group:") {
            if case .testSource = kinds { return .failure(SyntaxProblem(kinds.hint)) }
            problem = NameSyntax.problem(in: text, prefix: "group:")
            selector = .group(text)
        } else if text.hasPrefix("node:") {
            problem = NameSyntax.problem(in: text, prefix: "node:")
            selector = .node(String(text.dropFirst("node:".count)))
        } else {
            return .failure(SyntaxProblem(kinds.hint))
        }
        if let problem { return .failure(SyntaxProblem(problem)) }
        return .success(selector)
    }

    /// The selector as written in a policy: `*`, `tag:nas`, `group:clients`, `node:alice`.
    public var description: String {
        switch self {
        case .any: return "*"
        case .tag(let t): return t
        case .group(let g): return g
        case .node(let n): return "node:" + n
        }
    }
}

/// Why a piece of policy syntax could not be read; becomes the `reason` of a `PolicyError`.
struct SyntaxProblem: Error, Hashable, Sendable {
    var reason: String
    /// For `"mcp"` entries: the problem is in the tool glob after the `:`.
    var inToolGlob: Bool

    init(_ reason: String, inToolGlob: Bool = false) {
        self.reason = reason
        self.inToolGlob = inToolGlob
    }
}
