import MeshCrypto
import MeshWire

/// The allowed peers, each in a slot of an array and found by static key through a
/// dictionary of slots. The packet path addresses a peer by its slot (session indices map
/// to slots), so it reads and changes a peer in place through the array's accessors:
/// never a copy of the whole peer, never a second hash of its key.
///
/// A slot is freed when its peer is removed and reused by the next insertion; the caller
/// removes every session index naming a slot before freeing it (`zeroKeys` does).
@usableFromInline
struct PeerTable: Sendable {
    @usableFromInline private(set) var slots: [Peer?] = []
    private var slotByKey: [StaticPublicKey: Int] = [:]
    private var freeSlots: [Int] = []

    @inlinable
    init() {}

    var count: Int { slotByKey.count }

    /// The slot of the peer with static key `key`.
    @usableFromInline
    func slot(of key: StaticPublicKey) -> Int? { slotByKey[key] }

    /// Whether `slot` holds a peer.
    @inlinable
    func isOccupied(_ slot: Int) -> Bool { slot >= 0 && slot < slots.count && slots[slot] != nil }

    /// The peer in `slot`, which must be occupied.
    @inlinable
    subscript(slot: Int) -> Peer {
        get { slots[slot]! }
        _modify { yield &slots[slot]! }
    }

    // Reads for the packet path. They run here, where `Peer` is concrete and its methods
    // inline, so that no caller ever materialises a copy of a whole peer to ask it.

    /// Whether the peer in `slot` can send now (see `Peer.canSend(at:)`).
    @usableFromInline
    func canSend(_ slot: Int, at now: Instant) -> Bool {
        // Plain fields read through a pointer to the slot: asking the peer itself
        // (`slots[slot]!.canSend(at:)`) makes the compiler copy the whole peer first.
        slots.withUnsafeBufferPointer { buffer in
            guard let createdAt = buffer[slot]?.current?.createdAt, let counter = buffer[slot]?.sendCounter else {
                return false
            }
            return Peer.canSend(keypairCreatedAt: createdAt, sendCounter: counter, at: now)
        }
    }

    /// Whether the peer in `slot` must start a handshake on receipt (see
    /// `Peer.wantsRekeyOnReceive(now:)`).
    @usableFromInline
    func wantsRekeyOnReceive(_ slot: Int, now: Instant) -> Bool {
        slots.withUnsafeBufferPointer { buffer in
            guard buffer[slot]?.current?.isInitiator == true, let createdAt = buffer[slot]?.current?.createdAt else {
                return false
            }
            return Peer.wantsRekeyOnReceive(keypairCreatedAt: createdAt, now: now)
        }
    }

    /// The next send counter of the peer in `slot`.
    @usableFromInline
    func sendCounter(_ slot: Int) -> UInt64 { slots.withUnsafeBufferPointer { $0[slot]!.sendCounter } }

    /// The identity of the peer in `slot`.
    @usableFromInline
    func identity(_ slot: Int) -> IdentityPublicKey { slots.withUnsafeBufferPointer { $0[slot]!.identity } }

    /// The peer with static key `key` (cold paths and tests; the packet path uses slots).
    subscript(key: StaticPublicKey) -> Peer? {
        get { slotByKey[key].map { slots[$0]! } }
    }

    /// Adds `peer` (whose key must not be present) and returns its slot.
    mutating func insert(_ peer: Peer) -> Int {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[slot] = peer
        } else {
            slot = slots.count
            slots.append(peer)
        }
        slotByKey[peer.staticKey] = slot
        return slot
    }

    /// Frees `slot`; its peer is dropped.
    mutating func remove(at slot: Int) {
        guard let peer = slots[slot] else { return }
        slotByKey[peer.staticKey] = nil
        slots[slot] = nil
        freeSlots.append(slot)
    }

    /// The occupied slots, in slot order.
    var occupied: [Int] { slots.indices.filter { slots[$0] != nil } }

    /// The earliest timer deadline of any peer, read in place.
    var nextDeadline: Instant? {
        slots.withUnsafeBufferPointer { buffer in
            var next: Instant?
            for i in buffer.indices where buffer[i] != nil {
                next = earliest(next, earliest(earliest(buffer[i]?.retransmitHandshakeAt, buffer[i]?.sendKeepaliveAt),
                                               earliest(buffer[i]?.newHandshakeAt, buffer[i]?.zeroKeysAt)))
            }
            return next
        }
    }
}
