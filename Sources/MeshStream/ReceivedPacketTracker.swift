import MeshWire

/// The receiving half of packet-level reliability: which packet numbers arrived (to drop
/// duplicates and to build ACK frames), and when an ACK is owed (RFC 9000 §13.2).
///
/// An ACK is due at once after `ackElicitingThreshold` ack-eliciting packets or when a
/// packet arrives out of order, otherwise `maxAckDelay` after the first unacknowledged
/// ack-eliciting packet. ACK frames carry at most `maxEncodedAckRanges` ranges, the highest,
/// and stop at `ackFloor`: packets at or below the Largest Acknowledged of an ACK frame the
/// peer has acknowledged (RFC 9000 §13.2.4).
struct ReceivedPacketTracker: Sendable {
    /// Packet numbers received, for duplicate detection and ACK frames.
    private(set) var received = IntervalSet()
    /// Packet numbers below this were forgotten (range budget) and count as duplicates.
    private(set) var forgottenBelow: UInt64 = 0
    /// Packet numbers below this are no longer reported in ACK frames.
    private(set) var ackFloor: UInt64 = 0
    private(set) var largest: UInt64?
    private var largestReceivedAt: Instant?
    /// Packets received since the last ACK frame was sent.
    private(set) var ackPending = false
    private var ackElicitingSinceAck = 0
    /// When an ACK must be sent (set by ack-eliciting packets).
    private(set) var ackDeadline: Instant?

    /// Whether `packetNumber` has not been seen (nor forgotten).
    func isNew(_ packetNumber: UInt64) -> Bool {
        packetNumber >= forgottenBelow && !received.contains(packetNumber)
    }

    /// Records a packet that passed `isNew` and was decoded.
    mutating func onPacket(_ packetNumber: UInt64, ackEliciting: Bool, now: Instant) {
        let outOfOrder: Bool
        if let top = largest {
            outOfOrder = packetNumber < top || packetNumber > top + 1
        } else {
            outOfOrder = packetNumber != 0 && packetNumber != forgottenBelow
        }
        received.insert(packetNumber)
        if received.count > StreamConstants.maxTrackedPacketRanges {
            // Forget the lowest eighth at once rather than one range per packet.
            let k = StreamConstants.maxTrackedPacketRanges / 8
            forgottenBelow = received.ranges[k - 1].upperBound
            received.removeFirst(k)
        }
        if largest.map({ packetNumber > $0 }) ?? true {
            largest = packetNumber
            largestReceivedAt = now
        }
        ackPending = true
        guard ackEliciting else { return }
        ackElicitingSinceAck += 1
        if outOfOrder || ackElicitingSinceAck >= StreamConstants.ackElicitingThreshold {
            ackDeadline = now
        } else if ackDeadline == nil {
            ackDeadline = now + StreamConstants.maxAckDelay
        }
    }

    /// Whether an ACK must go out now, alone if nothing else is sent.
    func ackDue(now: Instant) -> Bool {
        guard let deadline = ackDeadline else { return false }
        return deadline <= now
    }

    /// An ACK frame for what was received, fitting in `room` bytes; nil if nothing to report
    /// or no room for even one range.
    func makeAck(now: Instant, room: Int) -> AckFrame? {
        guard let largest, largest >= ackFloor, let at = largestReceivedAt else { return nil }
        let micros = max(Int64(0), (now - at).nanoseconds / 1000)
        let delay = UInt64(micros) >> StreamConstants.ackDelayExponent
        var ranges: [ClosedRange<UInt64>] = []
        var size = 1 + VarInt.length(of: largest) + VarInt.length(of: delay) + 1
        for r in received.ranges.reversed() {
            guard r.upperBound > ackFloor, ranges.count < StreamConstants.maxEncodedAckRanges else { break }
            let range = max(r.lowerBound, ackFloor)...(r.upperBound - 1)
            let cost: Int
            if let previous = ranges.last {
                cost = VarInt.length(of: previous.lowerBound - range.upperBound - 2)
                    + VarInt.length(of: range.upperBound - range.lowerBound)
            } else {
                cost = VarInt.length(of: range.upperBound - range.lowerBound)
            }
            guard size + cost <= room else { break }
            size += cost
            ranges.append(range)
        }
        guard !ranges.isEmpty else { return nil }
        return AckFrame(ranges: ranges, ackDelay: delay)
    }

    /// An ACK frame was put in a packet.
    mutating func onAckSent() {
        ackPending = false
        ackElicitingSinceAck = 0
        ackDeadline = nil
    }

    /// The peer acknowledged a packet carrying an ACK frame whose Largest Acknowledged was
    /// `largest`: those packets need not be reported again.
    mutating func onAckAcknowledged(largest acked: UInt64) {
        ackFloor = max(ackFloor, acked + 1)
    }
}
