/// The stream protocol's constants, each beside the section of RFC 9000 (QUIC transport) or
/// RFC 9002 (QUIC loss detection and congestion control) it follows. docs/protocol.md Part II uses the
/// same names. Where mcpmesh departs from QUIC (there is no handshake inside this layer, so
/// there are no transport parameters), the constant says so.
public enum StreamConstants {
    // MARK: Datagram sizes

    /// Default payload per datagram: the IPv6 minimum MTU (RFC 8200 §5) of 1280 bytes, minus
    /// 40 (IPv6 header), 8 (UDP header) and 32 (transport data header 16 + Poly1305 tag 16).
    public static let defaultMaxDatagramPayload = 1280 - 40 - 8 - 32
    /// The smallest payload size a connection accepts: room for a one-range ACK frame and a
    /// STREAM frame with at least one byte, whatever the size of the varints.
    public static let minimumMaxDatagramPayload = 64

    // MARK: Initial limits (replace QUIC transport parameters, RFC 9000 §18.2)

    /// Credit every endpoint grants on every stream, for the data the peer sends on it,
    /// without any frame (initial_max_stream_data_bidi_*). More is granted with MAX_STREAM_DATA.
    public static let initialMaxStreamData: UInt64 = 16 * 1024
    /// Connection-wide credit every endpoint grants without any frame (initial_max_data).
    public static let initialMaxData: UInt64 = 64 * 1024
    /// Bidirectional streams every endpoint lets its peer open without any frame
    /// (initial_max_streams_bidi). More are allowed with MAX_STREAMS.
    public static let initialMaxStreams: UInt64 = 16
    /// Largest ACK delay an endpoint may add before acknowledging an ack-eliciting packet
    /// (max_ack_delay, RFC 9000 §18.2 default; fixed here). Used by the peer's PTO.
    public static let maxAckDelay: Duration = .milliseconds(25)
    /// Exponent applied to the ACK Delay field: delay in µs = field << ackDelayExponent
    /// (ack_delay_exponent, RFC 9000 §18.2 default; fixed here).
    public static let ackDelayExponent: UInt64 = 3

    // MARK: Encoding limits (RFC 9000 §16, §19)

    /// Largest value a variable-length integer carries: 2^62 - 1 (RFC 9000 §16).
    public static let maxVarInt: UInt64 = (1 << 62) - 1
    /// Largest stream offset + length (RFC 9000 §19.8: "the largest offset delivered on a
    /// stream ... cannot exceed 2^62-1").
    public static let maxStreamOffset: UInt64 = (1 << 62) - 1
    /// Largest MAX_STREAMS / STREAMS_BLOCKED value (RFC 9000 §19.11: 2^60).
    public static let maxStreamCount: UInt64 = 1 << 60
    /// Most ACK ranges (First ACK Range plus Gap/Length pairs) a decoder accepts in one ACK
    /// frame; more is a FRAME_ENCODING_ERROR. Bounds the decoder's allocation.
    public static let maxDecodedAckRanges = 256
    /// Most ACK ranges an endpoint puts in one ACK frame (the highest ones).
    public static let maxEncodedAckRanges = 32
    /// Most received-packet ranges an endpoint remembers for duplicate detection; beyond that
    /// the lowest eighth of them is forgotten and everything below counts as a duplicate.
    public static let maxTrackedPacketRanges = 1024

    /// Most disjoint ranges of received data a stream holds out of order; a peer that
    /// fragments a stream further is cut off (PROTOCOL_VIOLATION). Bounds the cost of
    /// reassembly; an honest sender's gaps are its lost packets in flight, far fewer.
    public static let maxReassemblyRanges = 4096

    // MARK: ACK generation (RFC 9000 §13.2)

    /// Ack-eliciting packets received before an ACK is sent at once (RFC 9000 §13.2.2).
    public static let ackElicitingThreshold = 2
    /// Non-ack-eliciting (ACK-only) packets sent in a row before one carries a PING, so that
    /// the peer acknowledges it and this endpoint can stop repeating old ranges
    /// (RFC 9000 §13.2.4).
    public static let maxAckOnlyBeforePing = 20

    // MARK: Loss detection (RFC 9002 §6, Appendix A.2)

    /// Packets sent after a packet and acknowledged before it is declared lost (§6.1.1).
    public static let packetThreshold: UInt64 = 3
    /// Time threshold as a multiple of max(smoothed RTT, latest RTT): 9/8 (§6.1.2).
    public static let timeThresholdNumerator: Int64 = 9
    public static let timeThresholdDenominator: Int64 = 8
    /// Reordering adaptation (§6.1: "implementations can detect spurious retransmissions
    /// and increase the packet or time reordering threshold"). When a packet declared lost
    /// is acknowledged after all, the packet threshold grows past the distance that
    /// condemned it (up to this maximum)...
    public static let maxPacketThreshold: UInt64 = 256
    /// ...or, if time condemned it, the time threshold grows by 1/8 RTT (up to 2 RTT).
    public static let maxTimeThresholdNumerator: Int64 = 16
    /// Packets declared lost that are remembered, to recognise late acknowledgements.
    public static let maxRememberedLostPackets = 512
    /// Timer granularity (§6.1.2, kGranularity).
    public static let granularity: Duration = .milliseconds(1)
    /// RTT assumed before the first sample (§6.2.2, kInitialRtt).
    public static let defaultInitialRTT: Duration = .milliseconds(333)
    /// Upper bound on one backed-off probe timeout, unless the un-backed-off PTO is larger
    /// (RFC 9002 sets none; this keeps recovery after a partition prompt).
    public static let maxProbeTimeout: Duration = .seconds(2)
    /// Ack-eliciting probe packets sent when the PTO fires (§6.2.4: "one or two").
    public static let probePacketsPerTimeout = 2

    // MARK: Congestion control, NewReno (RFC 9002 §7, Appendix B.2)

    /// Initial window in datagrams, capped as in §7.2: min(10 × size, max(14720, 2 × size)).
    public static let initialWindowPackets = 10
    public static let initialWindowBytesCap = 14720
    /// Minimum window in datagrams (§7.2, kMinimumWindow).
    public static let minimumWindowPackets = 2
    /// Multiplicative decrease on a congestion event: 1/2 (§7.3.2, kLossReductionFactor).
    public static let lossReductionNumerator = 1
    public static let lossReductionDenominator = 2
    /// Persistent congestion: this many PTO periods of consecutive losses (§7.6.1).
    public static let persistentCongestionThreshold: Int64 = 3

    // MARK: Pacing (RFC 9002 §7.7)

    /// Pacing rate = N × cwnd / smoothed RTT with N = 5/4.
    public static let pacingGainNumerator = 5
    public static let pacingGainDenominator = 4
    /// Datagrams the pacer releases back to back after an idle period (at least).
    public static let pacingBurstPackets = 10
    /// The pacer's burst also covers this much time at the pacing rate, if that is more.
    public static let pacingBurstInterval: Duration = .milliseconds(2)

    // MARK: Connection lifetime (RFC 9000 §10)

    /// Default idle timeout (§10.1; max_idle_timeout).
    public static let defaultIdleTimeout: Duration = .seconds(30)
    /// A CONNECTION_CLOSE is repeated at most this often while closing (§10.2.1 lets a
    /// closing endpoint resend it; mcpmesh also resends on a timer, doubling from one PTO).
    public static let maxCloseRepeatInterval: Duration = .seconds(1)
    /// Probe timeouts the draining state lasts (§10.2: "at least three times the current PTO").
    public static let drainingProbeTimeouts: Int64 = 3
    /// Longest reason phrase sent in CONNECTION_CLOSE (longer ones are cut).
    public static let maxReasonLength = 256

    // MARK: Flow control windows (receiver side; RFC 9000 §4.2)

    /// A receiver sends new credit once less than 1/this of its window remains unused...
    public static let windowUpdateDivisor: UInt64 = 2
    /// ...and doubles its window (up to the configured maximum) when the previous update was
    /// less than this many smoothed RTTs ago (window auto-tuning).
    public static let windowAutoTuneRTTs: Int64 = 2
}
