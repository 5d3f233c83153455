/// One line of a `PolicyDiff`: a source node gains or loses the use of some tools of one
/// server on one destination node.
public struct AccessChange: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whether access appears or disappears.
    public enum Kind: String, Hashable, Sendable {
        case gained, lost
    }

    /// Gained or lost.
    public var kind: Kind
    /// The node whose access changes.
    public var source: String
    /// The node serving it.
    public var destination: String
    /// The server on `destination`.
    public var server: String
    /// The tool glob gained or lost; nil means every tool.
    public var tools: ToolGlob?

    /// A change of `kind` for `source` using `tools` (nil: every tool) of `server` on `destination`.
    public init(kind: Kind, source: String, destination: String, server: String, tools: ToolGlob?) {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.server = server
        self.tools = tools
    }

    /// Ordered by source, destination, server, tools (every tool first), then lost before gained.
    public static func < (lhs: AccessChange, rhs: AccessChange) -> Bool {
        func key(_ c: AccessChange) -> (String, String, String, Int, String, Int) {
            (c.source, c.destination, c.server, c.tools == nil ? 0 : 1, c.tools?.pattern ?? "", c.kind == .lost ? 0 : 1)
        }
        return key(lhs) < key(rhs)
    }

    /// `+ alice gains nas-1/files (every tool)` or `- alice loses nas-1/git (tools write_*)`.
    public var description: String {
        let what = tools.map { "tools \($0.pattern)" } ?? "every tool"
        switch kind {
        case .gained: return "+ \(source) gains \(destination)/\(server) (\(what))"
        case .lost: return "- \(source) loses \(destination)/\(server) (\(what))"
        }
    }
}
