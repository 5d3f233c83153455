/// Counters and live congestion state of a connection.
public struct StreamStats: Sendable, Equatable {
    /// Datagram payloads built by `nextDatagram`, and their bytes.
    public var packetsSent = 0
    public var bytesSent = 0
    /// Payloads accepted by `receive` (duplicates and malformed ones excluded), and their bytes.
    public var packetsReceived = 0
    public var bytesReceived = 0
    /// Payloads ignored because their packet number was already seen.
    public var duplicatePackets = 0
    /// Ack-eliciting packets declared lost, and how many of those were acknowledged later
    /// (reordering rather than loss).
    public var packetsLost = 0
    public var spuriousLosses = 0
    /// Packets carrying data sent before, or sent as probes.
    public var retransmittedPackets = 0
    /// Probe timeouts that fired.
    public var probeTimeouts = 0
    /// Application bytes sent for the first time, and delivered to the application.
    public var streamBytesSent: UInt64 = 0
    public var streamBytesReceived: UInt64 = 0
    public var smoothedRTT: Duration = .zero
    public var minRTT: Duration = .zero
    public var latestRTT: Duration = .zero
    public var congestionWindow = 0
    public var bytesInFlight = 0

    public init() {}
}
