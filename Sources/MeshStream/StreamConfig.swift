/// Settings of one stream connection. Values below a protocol floor are raised to it (a
/// receiver cannot grant less than the protocol's implicit initial limits).
public struct StreamConfig: Sendable, Equatable {
    /// Largest datagram payload built (frames only; the session adds its header and tag).
    /// At least `StreamConstants.minimumMaxDatagramPayload`.
    public var maxDatagramPayload: Int
    /// Credit granted per stream at first, and the most it grows to.
    public var initialStreamWindow: UInt64
    public var maxStreamWindow: UInt64
    /// Connection-wide credit granted at first, and the most it grows to.
    public var initialConnectionWindow: UInt64
    public var maxConnectionWindow: UInt64
    /// Streams the peer may have open at once (at least `StreamConstants.initialMaxStreams`).
    public var maxStreams: UInt64
    /// Most bytes one stream holds until acknowledged; `write` accepts no more.
    public var streamSendBuffer: Int
    /// Most bytes all streams together hold until acknowledged.
    public var connectionSendBuffer: Int
    /// The connection closes silently after this long without receiving a packet.
    public var idleTimeout: Duration
    /// When set, a PING is sent after this long without traffic, so that an idle connection
    /// stays open (and NAT bindings stay warm). Should be below `idleTimeout`.
    public var keepAliveInterval: Duration?
    /// RTT assumed before the first sample (e.g. the handshake's round trip, if known).
    public var initialRTT: Duration

    public init(maxDatagramPayload: Int = StreamConstants.defaultMaxDatagramPayload,
                initialStreamWindow: UInt64 = 4 * 1024 * 1024,
                maxStreamWindow: UInt64 = 16 * 1024 * 1024,
                initialConnectionWindow: UInt64 = 16 * 1024 * 1024,
                maxConnectionWindow: UInt64 = 24 * 1024 * 1024,
                maxStreams: UInt64 = 100,
                streamSendBuffer: Int = 4 * 1024 * 1024,
                connectionSendBuffer: Int = 16 * 1024 * 1024,
                idleTimeout: Duration = StreamConstants.defaultIdleTimeout,
                keepAliveInterval: Duration? = nil,
                initialRTT: Duration = StreamConstants.defaultInitialRTT) {
        self.maxDatagramPayload = maxDatagramPayload
        self.initialStreamWindow = initialStreamWindow
        self.maxStreamWindow = maxStreamWindow
        self.initialConnectionWindow = initialConnectionWindow
        self.maxConnectionWindow = maxConnectionWindow
        self.maxStreams = maxStreams
        self.streamSendBuffer = streamSendBuffer
        self.connectionSendBuffer = connectionSendBuffer
        self.idleTimeout = idleTimeout
        self.keepAliveInterval = keepAliveInterval
        self.initialRTT = initialRTT
    }

    /// The configuration with every value raised to its protocol floor.
    var normalized: StreamConfig {
        var c = self
        c.maxDatagramPayload = max(c.maxDatagramPayload, StreamConstants.minimumMaxDatagramPayload)
        c.initialStreamWindow = max(c.initialStreamWindow, StreamConstants.initialMaxStreamData)
        c.maxStreamWindow = max(c.maxStreamWindow, c.initialStreamWindow)
        c.initialConnectionWindow = max(c.initialConnectionWindow, StreamConstants.initialMaxData)
        c.maxConnectionWindow = max(c.maxConnectionWindow, c.initialConnectionWindow)
        c.maxStreams = min(max(c.maxStreams, StreamConstants.initialMaxStreams), StreamConstants.maxStreamCount / 2)
        c.streamSendBuffer = max(c.streamSendBuffer, 1)
        c.connectionSendBuffer = max(c.connectionSendBuffer, 1)
        c.initialRTT = max(c.initialRTT, StreamConstants.granularity)
        return c
    }
}
