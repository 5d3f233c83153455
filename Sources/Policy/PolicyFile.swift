/// A policy file that parsed and validated: every tag it uses is declared, every group it
/// names is defined and acyclic, and every selector, `"mcp"` entry and test target is well
/// formed. Only `parse` makes one, so holding a `PolicyFile` means holding a valid policy.
///
/// ```json
/// {
///   "tags": ["tag:laptop", "tag:nas"],
///   "groups": { "group:clients": ["tag:laptop", "node:alice-desktop"] },
///   "grants": [ { "src": ["group:clients"], "dst": ["tag:nas"], "mcp": ["files", "git:read_*"] } ],
///   "tests": [ { "src": "node:alice-desktop", "allow": ["nas-1/files/read_file"] } ]
/// }
/// ```
public struct PolicyFile: Hashable, Sendable {
    /// The fields a policy object may have.
    public static let fields = ["tags", "groups", "grants", "tests"]

    /// The declared tags (`tag:NAME`), in file order.
    public internal(set) var tags: [Located<String>] = []
    /// The groups, in file order.
    public internal(set) var groups: [PolicyGroup] = []
    /// The grants, in file order; `grants[i].ref.index == i`.
    public internal(set) var grants: [PolicyGrant] = []
    /// The tests, in file order.
    public internal(set) var tests: [PolicyTest] = []

    init() {}

    /// Parses and validates policy text, throwing every problem found, sorted by location.
    ///
    /// A syntax error stops parsing, so it is reported alone; all other problems (duplicate
    /// keys, wrong types, unknown fields, undeclared tags, unknown groups, cycles, bad globs…)
    /// are collected and thrown together.
    public static func parse(_ text: String) throws(PolicyErrors) -> PolicyFile {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses and validates UTF-8 policy bytes; see `parse(_:)`.
    public static func parse(bytes: some Sequence<UInt8>) throws(PolicyErrors) -> PolicyFile {
        let root: JSONValue
        let duplicates: [PolicyError]
        do {
            (root, duplicates) = try JSONParser.parseKeepingDuplicates(Array(bytes))
        } catch {
            throw PolicyErrors(error)
        }
        var decoder = PolicyDecoder()
        let file = decoder.decode(root)
        let problems = duplicates + decoder.errors + PolicyValidator.problems(in: file)
        guard problems.isEmpty else { throw PolicyErrors(problems) }
        return file
    }
}
