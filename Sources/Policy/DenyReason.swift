/// Why a `Decision` is a denial. Node state is checked first (same node, expiry,
/// publication); then, when grants cover the server but not this request, the closest grant
/// is named: one missing only the tool, else only the source, else only the destination.
public enum DenyReason: Hashable, Sendable, CustomStringConvertible {
    /// Source and destination are the same node.
    case sameNode(node: String)
    /// The source or destination node has expired.
    case nodeExpired(node: String)
    /// The destination does not publish the server.
    case serverNotPublished(node: String, server: String)
    /// No grant comes close: none covers the server for this source or this destination.
    case noGrant(source: String, target: AccessTarget)
    /// A grant covers this destination, server and tool, but not this source: the source
    /// holds none of its tags and is in none of its groups or nodes.
    case sourceNotMatched(source: String, grant: GrantRef, src: [String])
    /// A grant covers this source, server and tool, but not this destination.
    case destinationNotMatched(destination: String, grant: GrantRef, dst: [String])
    /// A grant covers this source, destination and server, but only other tools.
    case toolNotMatched(tool: String, server: String, grant: GrantRef, globs: [String])

    /// One sentence, lower-case first, for use after "denied: ".
    public var description: String {
        switch self {
        case .sameNode(let node):
            return "\(node) is the destination itself, and a node never reaches its own servers through the mesh"
        case .nodeExpired(let node):
            return "node \(node) has expired"
        case .serverNotPublished(let node, let server):
            return "node \(node) does not publish a server named \(server)"
        case .noGrant(let source, let target):
            return "no grant gives \(source) access to \(target)"
        case .sourceNotMatched(let source, let grant, let src):
            return "\(grant) covers this server on this node, but only for src \(src.joined(separator: ", ")),"
                + " and \(source) matches none of them"
        case .destinationNotMatched(let destination, let grant, let dst):
            return "\(grant) covers this source and server, but only on dst \(dst.joined(separator: ", ")),"
                + " and \(destination) matches none of them"
        case .toolNotMatched(let tool, let server, let grant, let globs):
            return "\(grant) allows only tools matching \(globs.joined(separator: ", ")) on \(server),"
                + " and \(tool) matches none of them"
        }
    }
}
