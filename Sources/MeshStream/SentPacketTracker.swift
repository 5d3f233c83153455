import DequeModule
import MeshWire

/// What a sent packet carried, so that its loss can be repaired frame by frame (RFC 9000
/// §13.3: data is retransmitted in new packets, never the packet itself).
enum SentFrame: Sendable, Equatable {
    case stream(StreamID, offset: UInt64, length: Int, fin: Bool)
    case resetStream(StreamID)
    case stopSending(StreamID)
    case maxData
    case maxStreamData(StreamID)
    case maxStreams
    case ack(largest: UInt64)
    case ping
    /// DATA_BLOCKED, STREAM_DATA_BLOCKED, STREAMS_BLOCKED: informational, not repaired.
    case blocked
}

struct SentPacket: Sendable {
    enum State: Sendable { case outstanding, acknowledged, lost }

    var packetNumber: UInt64
    /// Position in send order: the packet threshold counts packets sent, not packet numbers,
    /// because the session may spend counter values on messages of its own.
    var sequence: UInt64
    var timeSent: Instant
    var size: Int
    var ackEliciting: Bool
    var frames: [SentFrame]
    var state: State = .outstanding
    /// Once lost: when, and how far behind the largest acknowledged packet it was (in
    /// packets sent; 0 when the time threshold condemned it).
    var declaredLostAt: Instant?
    var lossDistance: UInt64 = 0
}

/// The sending half of packet-level reliability (RFC 9002 §6, Appendix A): the packets in
/// flight, acknowledgement processing, and packet- and time-threshold loss detection.
/// Only ack-eliciting packets count as in flight.
struct SentPacketTracker: Sendable {
    /// Packets in send order (packet numbers increase); settled ones leave from the front.
    private var packets = Deque<SentPacket>()
    private var nextSequence: UInt64 = 0
    private(set) var largestSent: UInt64?
    private(set) var largestAcked: UInt64?
    private var largestAckedSequence: UInt64?
    private(set) var bytesInFlight = 0
    private(set) var ackElicitingInFlight = 0
    private(set) var timeOfLastAckEliciting: Instant?
    /// When the earliest not-yet-lost packet before the largest acknowledged times out.
    private(set) var lossTime: Instant?
    /// Packets declared lost, oldest first, to recognise spurious losses.
    private var recentlyLost = Deque<SentPacket>()
    /// Current reordering thresholds (RFC 9002 §6.1.1, §6.1.2), adapted to spurious losses.
    private(set) var packetThreshold = StreamConstants.packetThreshold
    private(set) var timeThresholdNumerator = StreamConstants.timeThresholdNumerator

    struct AckResult {
        /// Newly acknowledged packets, including ones already declared lost (their frames
        /// still count as delivered; they no longer count for congestion control).
        var acked: [SentPacket] = []
        /// latest_rtt when the largest acknowledged is newly acknowledged and something
        /// ack-eliciting was (RFC 9002 §5.1).
        var rttSample: Duration?
        /// Packets acknowledged after having been declared lost.
        var spurious: [SentPacket] = []
    }

    struct LossResult {
        var lost: [SentPacket] = []
        /// Whether the losses show persistent congestion (RFC 9002 §7.6).
        var persistentCongestion = false
    }

    var isEmpty: Bool { packets.isEmpty }

    mutating func onSent(packetNumber: UInt64, timeSent: Instant, size: Int, ackEliciting: Bool, frames: [SentFrame]) {
        precondition(largestSent.map { packetNumber > $0 } ?? true, "packet numbers must increase")
        largestSent = packetNumber
        packets.append(SentPacket(packetNumber: packetNumber, sequence: nextSequence, timeSent: timeSent,
                                  size: size, ackEliciting: ackEliciting, frames: frames))
        nextSequence += 1
        if ackEliciting {
            bytesInFlight += size
            ackElicitingInFlight += 1
            timeOfLastAckEliciting = timeSent
        }
    }

    /// Index of the first packet with a number ≥ `pn`.
    private func firstIndex(atLeast pn: UInt64) -> Int {
        var lo = 0, hi = packets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if packets[mid].packetNumber < pn { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func onAck(_ ack: AckFrame, now: Instant) throws(StreamError) -> AckResult {
        guard let top = largestSent, ack.largest <= top else {
            throw .ackOfUnsentPacket(ack.largest, largestSent: largestSent)
        }
        var result = AckResult()
        var largestNewlyAcked: SentPacket?
        var anyAckEliciting = false
        for range in ack.ranges.reversed() {
            findSpuriousLosses(in: range, into: &result)
            var i = firstIndex(atLeast: range.lowerBound)
            while i < packets.count, packets[i].packetNumber <= range.upperBound {
                let previous = packets[i].state
                if previous == .lost {
                    packets[i].state = .acknowledged  // reported through `recentlyLost`
                } else if previous == .outstanding {
                    packets[i].state = .acknowledged
                    let p = packets[i]
                    if previous == .outstanding, p.ackEliciting {
                        bytesInFlight -= p.size
                        ackElicitingInFlight -= 1
                        anyAckEliciting = true
                    }
                    var reported = p
                    reported.state = previous
                    result.acked.append(reported)
                    if p.packetNumber == ack.largest { largestNewlyAcked = p }
                }
                i += 1
            }
        }
        if result.acked.isEmpty { return result }
        if largestAcked.map({ ack.largest > $0 }) ?? true {
            largestAcked = ack.largest
            if let p = largestNewlyAcked { largestAckedSequence = p.sequence }
        }
        if let p = largestNewlyAcked, anyAckEliciting {
            result.rttSample = now - p.timeSent
        }
        popSettled()
        return result
    }

    /// Moves remembered lost packets that `range` acknowledges into the result, and widens
    /// the threshold that condemned each one.
    private mutating func findSpuriousLosses(in range: ClosedRange<UInt64>, into result: inout AckResult) {
        guard let first = recentlyLost.first, let last = recentlyLost.last,
              range.upperBound >= first.packetNumber, range.lowerBound <= last.packetNumber else { return }
        var lo = 0, hi = recentlyLost.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if recentlyLost[mid].packetNumber < range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        while lo < recentlyLost.count, recentlyLost[lo].packetNumber <= range.upperBound {
            let p = recentlyLost.remove(at: lo)
            if p.lossDistance > 0 {
                packetThreshold = min(max(packetThreshold, p.lossDistance + 1), StreamConstants.maxPacketThreshold)
            } else {
                timeThresholdNumerator = min(timeThresholdNumerator + 1, StreamConstants.maxTimeThresholdNumerator)
            }
            result.acked.append(p)
            result.spurious.append(p)
        }
    }

    /// How long after a later packet was acknowledged an earlier one counts as lost (§6.1.2):
    /// max(threshold × max(smoothed, latest), kGranularity), threshold 9/8 at first.
    func lossDelay(_ rtt: RTTEstimator) -> Duration {
        let base = max(rtt.smoothed, rtt.latest)
        let delay = base * Int(timeThresholdNumerator) / Int(StreamConstants.timeThresholdDenominator)
        return max(delay, StreamConstants.granularity)
    }

    /// Declares lost every outstanding packet sent before the largest acknowledged one that
    /// is `packetThreshold` packets or `lossDelay` older than it (RFC 9002 §6.1), and sets
    /// `lossTime` for the rest. `persistentDuration` is nil before the first RTT sample.
    mutating func detectLosses(now: Instant, lossDelay: Duration, persistentDuration: Duration?,
                               firstSampleTime: Instant?) -> LossResult {
        lossTime = nil
        var result = LossResult()
        guard let largest = largestAcked, let largestSequence = largestAckedSequence else { return result }
        let lostSendTime = now - lossDelay
        // Persistent congestion: a run of lost ack-eliciting packets, nothing acknowledged in
        // between, spanning more than `persistentDuration`.
        var runStart: Instant?
        var i = 0
        while i < packets.count, packets[i].packetNumber < largest {
            let p = packets[i]
            switch p.state {
            case .acknowledged:
                runStart = nil
            case .lost:
                break
            case .outstanding:
                let distance = largestSequence > p.sequence ? largestSequence - p.sequence : 0
                if distance >= packetThreshold || p.timeSent <= lostSendTime {
                    packets[i].state = .lost
                    packets[i].declaredLostAt = now
                    packets[i].lossDistance = distance >= packetThreshold ? distance : 0
                    remember(packets[i])
                    if p.ackEliciting {
                        bytesInFlight -= p.size
                        ackElicitingInFlight -= 1
                        if let duration = persistentDuration, let first = firstSampleTime, p.timeSent > first {
                            if let start = runStart {
                                if p.timeSent - start > duration { result.persistentCongestion = true }
                            } else {
                                runStart = p.timeSent
                            }
                        }
                    }
                    result.lost.append(p)
                } else {
                    let when = p.timeSent + lossDelay
                    lossTime = min(lossTime ?? when, when)
                    if p.ackEliciting { runStart = nil }
                }
            }
            i += 1
        }
        popSettled()
        return result
    }

    private mutating func remember(_ p: SentPacket) {
        recentlyLost.append(p)
        if recentlyLost.count > StreamConstants.maxRememberedLostPackets { recentlyLost.removeFirst() }
    }

    /// The oldest outstanding ack-eliciting packet, whose content a probe resends.
    var oldestOutstandingAckEliciting: SentPacket? {
        packets.first { $0.state == .outstanding && $0.ackEliciting }
    }

    private mutating func popSettled() {
        while let head = packets.first, head.state != .outstanding {
            packets.removeFirst()
        }
    }

    /// Forgets everything (the connection closed).
    mutating func discardAll() {
        packets.removeAll()
        recentlyLost.removeAll()
        bytesInFlight = 0
        ackElicitingInFlight = 0
        lossTime = nil
    }
}
