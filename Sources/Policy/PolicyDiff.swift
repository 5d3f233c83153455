/// Who gains and who loses access to what when `old` is replaced by `new`: what `policy set`
/// shows before it applies a policy.
///
/// Changes are listed per granted pattern: narrowing `files` (every tool) to `files:read_*`
/// shows as losing every tool and gaining `read_*`. Only sources matched by a grant that
/// differs in effect between the two policies are recomputed, so a small edit to a large
/// policy costs little; if the two node directories differ, every node is recomputed.
public struct PolicyDiff: Hashable, Sendable, CustomStringConvertible {
    /// Every change, sorted (see `AccessChange.<`).
    public let changes: [AccessChange]

    /// The changes from `old` to `new`, both compiled over the same node directory.
    public init(from old: CompiledPolicy, to new: CompiledPolicy) {
        var changes: [AccessChange] = []
        for source in new.changedGrantSides(since: old, includingDestinations: false) {
            let before = Self.entries(old.outboundAccess(from: source))
            let after = Self.entries(new.outboundAccess(from: source))
            for e in after.subtracting(before) {
                changes.append(AccessChange(kind: .gained, source: source, destination: e.peer, server: e.server, tools: e.tools))
            }
            for e in before.subtracting(after) {
                changes.append(AccessChange(kind: .lost, source: source, destination: e.peer, server: e.server, tools: e.tools))
            }
        }
        self.changes = changes.sorted()
    }

    /// True when no one gains or loses anything.
    public var isEmpty: Bool { changes.isEmpty }

    /// The changes that add access.
    public var gained: [AccessChange] { changes.filter { $0.kind == .gained } }

    /// The changes that remove access.
    public var lost: [AccessChange] { changes.filter { $0.kind == .lost } }

    /// One change per line, or `no access changes`.
    public var description: String {
        changes.isEmpty ? "no access changes" : changes.map(\.description).joined(separator: "\n")
    }

    private struct Entry: Hashable {
        var peer: String
        var server: String
        var tools: ToolGlob?
    }

    private static func entries(_ view: [PeerAccess]) -> Set<Entry> {
        var result: Set<Entry> = []
        for peer in view {
            for access in peer.servers {
                switch access.tools {
                case .all:
                    result.insert(Entry(peer: peer.peer, server: access.server, tools: nil))
                case .only(let globs):
                    for glob in globs { result.insert(Entry(peer: peer.peer, server: access.server, tools: glob)) }
                }
            }
        }
        return result
    }
}
