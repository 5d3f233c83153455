/// Which tools of one server a peer may use.
public enum ToolAccess: Hashable, Sendable, CustomStringConvertible {
    /// Every tool.
    case all
    /// Only tools matching one of these globs (sorted by pattern, no repeats, never empty).
    case only([ToolGlob])

    /// True when `tool` is permitted.
    public func permits(_ tool: String) -> Bool {
        switch self {
        case .all: return true
        case .only(let globs): return globs.contains { $0.matches(tool) }
        }
    }

    /// The patterns as an operator reads them: `["*"]` for every tool.
    public var patterns: [String] {
        switch self {
        case .all: return ["*"]
        case .only(let globs): return globs.map(\.pattern)
        }
    }

    /// `every tool` or `tools read_*, list_*`.
    public var description: String {
        switch self {
        case .all: return "every tool"
        case .only(let globs): return "tools " + globs.map(\.pattern).joined(separator: ", ")
        }
    }
}

/// Accumulates the `"mcp"` entries that apply to one server into a `ToolAccess`.
struct ToolAccessBuilder: Sendable {
    private var all = false
    private var globs: Set<ToolGlob> = []

    /// Adds a rule's tool part: nil means every tool.
    mutating func add(_ glob: ToolGlob?) {
        guard !all else { return }
        if let glob { globs.insert(glob) } else { all = true; globs = [] }
    }

    mutating func merge(_ other: ToolAccessBuilder) {
        if other.all { add(nil) } else { other.globs.forEach { add($0) } }
    }

    var access: ToolAccess { all ? .all : .only(globs.sorted()) }
}
