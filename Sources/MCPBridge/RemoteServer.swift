/// A server on a peer, as this node's user names it: `PEER/SERVER` on the command line and
/// `/PEER/SERVER/mcp` on the loopback HTTP endpoint.
public struct RemoteServer: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The peer's node name.
    public var peer: String
    /// The server's name on that peer.
    public var server: String

    /// The server `server` on `peer`.
    public init(peer: String, server: String) {
        self.peer = peer
        self.server = server
    }

    /// Parses `PEER/SERVER`; nil unless both are valid names.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        self.init(validatingPeer: String(parts[0]), server: String(parts[1]))
    }

    /// Parses a loopback endpoint path, `/PEER/SERVER/mcp` (a query string is ignored).
    public init?(path: String) {
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = route.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[3] == "mcp" else { return nil }
        self.init(validatingPeer: String(parts[1]), server: String(parts[2]))
    }

    private init?(validatingPeer peer: String, server: String) {
        guard Self.isName(peer), Self.isName(server) else { return nil }
        self.init(peer: peer, server: server)
    }

    /// The loopback endpoint path.
    public var path: String { "/\(peer)/\(server)/mcp" }

    /// `PEER/SERVER`.
    public var description: String { "\(peer)/\(server)" }

    public static func < (lhs: RemoteServer, rhs: RemoteServer) -> Bool {
        (lhs.peer, lhs.server) < (rhs.peer, rhs.server)
    }

    /// True for 1 to 128 letters, digits, `-`, `_` and `.` (the policy's names), except
    /// `.` and `..`, which a path must never carry.
    static func isName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 128, text != ".", text != ".." else { return false }
        return text.unicodeScalars.allSatisfy { s in
            switch s {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return true
            default: return false
            }
        }
    }
}
