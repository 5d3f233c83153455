import MeshCrypto
import MeshWire

/// Maps this side's session indices to the peer and what the index names: a handshake in
/// progress or a keypair (docs/protocol.md, "Indices"). Indices are random 32-bit values,
/// unique among the live ones, so they reveal nothing and collide rarely.
struct IndexTable: Sendable {
    enum Entry: Sendable, Equatable {
        case handshake(StaticPublicKey)
        case keypair(StaticPublicKey)

        var peer: StaticPublicKey {
            switch self {
            case .handshake(let p), .keypair(let p): return p
            }
        }
    }

    private var entries: [SessionIndex: Entry] = [:]

    var count: Int { entries.count }

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
