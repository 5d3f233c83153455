import MeshWire

/// Maps this side's session indices to the peer (its slot in the `PeerTable`) and what the
/// index names: a handshake in progress or a keypair (docs/protocol.md, "Indices"). Indices
/// are random 32-bit values, unique among the live ones, so they reveal nothing and
/// collide rarely.
@usableFromInline
struct IndexTable: Sendable {
    @usableFromInline
    enum Entry: Sendable, Equatable {
        case handshake(slot: Int)
        case keypair(slot: Int)

        var slot: Int {
            switch self {
            case .handshake(let s), .keypair(let s): return s
            }
        }
    }

    private var entries: [SessionIndex: Entry] = [:]

    @inlinable
    init() {}

    var count: Int { entries.count }

    @usableFromInline
    subscript(index: SessionIndex) -> Entry? { entries[index] }

    /// A fresh random index bound to `entry`.
    mutating func allocate<R: RandomNumberGenerator>(_ entry: Entry, rng: inout R) -> SessionIndex {
        while true {
            let candidate = SessionIndex(UInt32(truncatingIfNeeded: rng.next()))
            if entries[candidate] == nil {
                entries[candidate] = entry
                return candidate
            }
        }
    }

    mutating func update(_ index: SessionIndex, to entry: Entry) { entries[index] = entry }

    mutating func remove(_ index: SessionIndex?) {
        if let index { entries[index] = nil }
    }
}
