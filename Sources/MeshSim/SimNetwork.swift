import HeapModule
import MeshWire

/// A datagram in flight or delivered on the simulated network.
public struct SimDatagram: Sendable {
    public var from: SimAddress
    public var to: SimAddress
    public var bytes: [UInt8]
    /// When it arrives (or arrived).
    public var arrival: Instant

    public init(from: SimAddress, to: SimAddress, bytes: [UInt8], arrival: Instant) {
        self.from = from
        self.to = to
        self.bytes = bytes
        self.arrival = arrival
    }
}

/// A deterministic, seeded simulated datagram network with a manual clock.
///
/// Tests send datagrams into it and pull deliveries out in time order; `now` moves only
/// when a test advances it. The same seed and the same calls give the same deliveries,
/// byte for byte, so any failing seed can be replayed.
///
/// Per-link conditions override the default ones: `setConditions(_:from:to:)`.
public struct SimNetwork: Sendable {
    private struct Pending: Comparable, Sendable {
        var at: Instant
        var sequence: UInt64
        var datagram: SimDatagram
        static func < (a: Pending, b: Pending) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }
        static func == (a: Pending, b: Pending) -> Bool { a.at == b.at && a.sequence == b.sequence }
    }

    private struct Link: Hashable, Sendable { var from: SimAddress; var to: SimAddress }

    public private(set) var now: Instant
    public var conditions: SimConditions
    private var linkConditions: [Link: SimConditions] = [:]
    private var rng: SimRandom
    private var queue = Heap<Pending>()
    private var sequence: UInt64 = 0

    /// Counters of what the network did.
    public private(set) var sent = 0
    public private(set) var dropped = 0
    public private(set) var duplicated = 0
    public private(set) var corrupted = 0
    public private(set) var delivered = 0

    public init(seed: UInt64, conditions: SimConditions = .perfect, start: Instant = .zero) {
        self.rng = SimRandom(seed: seed)
        self.conditions = conditions
        self.now = start
    }

    /// Conditions for the one-way link `from` → `to` only.
    public mutating func setConditions(_ c: SimConditions, from: SimAddress, to: SimAddress) {
        linkConditions[Link(from: from, to: to)] = c
    }

    /// Puts a datagram on the wire at `now`.
    public mutating func send(_ bytes: [UInt8], from: SimAddress, to: SimAddress) {
        sent += 1
        let c = linkConditions[Link(from: from, to: to)] ?? conditions
        if c.partitions.contains(where: { $0.contains(now) }) || rng.chance(c.loss) {
            dropped += 1
            return
        }
        let copies = rng.chance(c.duplication) ? 2 : 1
        if copies == 2 { duplicated += 1 }
        for _ in 0..<copies {
            var payload = bytes
            if !payload.isEmpty, rng.chance(c.corruption) {
                corrupted += 1
                let i = Int(rng.next() % UInt64(payload.count))
                payload[i] ^= UInt8(1 + rng.next() % 255)
            }
            var extra = Duration.zero
            let j = c.jitter.nanoseconds
            if j > 0 { extra = .nanoseconds(Int64(rng.next() % UInt64(j + 1))) }
            sequence += 1
            queue.insert(Pending(at: now + c.delay + extra, sequence: sequence,
                                 datagram: SimDatagram(from: from, to: to, bytes: payload, arrival: now + c.delay + extra)))
        }
    }

    /// When the next datagram arrives, if any is in flight.
    public var nextDelivery: Instant? { queue.min?.at }

    /// Number of datagrams in flight.
    public var inFlight: Int { queue.count }

    /// Removes and returns the next datagram due at or before `deadline`, moving `now` to
    /// its arrival time; nil (and `now` unchanged) when none is due by then.
    public mutating func deliverNext(notAfter deadline: Instant) -> SimDatagram? {
        guard let head = queue.min, head.at <= deadline else { return nil }
        _ = queue.removeMin()
        if head.at > now { now = head.at }
        delivered += 1
        return head.datagram
    }

    /// Moves the clock forward (never back).
    public mutating func advance(to instant: Instant) {
        if instant > now { now = instant }
    }

    /// Drops everything in flight (a hard partition of the whole network).
    public mutating func flush() {
        dropped += queue.count
        queue = Heap()
    }
}
