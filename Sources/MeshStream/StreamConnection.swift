import DequeModule
import MeshWire

/// Reliable, ordered, multiplexed streams over one encrypted session, as a sans-IO state
/// machine (QUIC-like: RFC 9000 framing, RFC 9002 loss recovery and congestion control).
///
/// The caller owns all I/O and time:
/// - every decrypted transport payload goes to `receive(_:packetNumber:now:)` with the
///   session's counter as packet number;
/// - after any call, `nextDatagram(packetNumber:now:)` is called with the next counter
///   value until it returns nil, and each payload is encrypted under exactly that counter
///   (a nil return does not use the counter value up);
/// - a timer is kept at `nextTimeout`, and `handleTimeout(now:)` called when it fires
///   (followed, again, by `nextDatagram` until nil);
/// - `pollEvent()` reports what the application must react to.
/// Packet numbers must increase strictly in each direction and stay below 2^62.
public struct StreamConnection: Sendable {
    public let role: ConnectionRole
    public let config: StreamConfig

    var state: ConnectionState = .open
    /// The latest time passed in by any call (for calls that take none, like `read`).
    var clock: Instant
    var streams = StreamTable()
    var events = Deque<StreamEvent>()
    var counters = StreamStats()

    // Stream counts (RFC 9000 §4.6).
    var nextLocalIndex: UInt64 = 0
    var localStreamLimit = StreamConstants.initialMaxStreams
    var wantsMoreStreams = false
    var streamsBlockedPending = false
    var streamsBlockedSentAt: UInt64?
    var nextPeerIndex: UInt64 = 0
    var peerStreamLimit = StreamConstants.initialMaxStreams
    var peerStreamsClosed: UInt64 = 0
    var maxStreamsPending = false

    // What to send.
    var sendQueue = Deque<StreamID>()
    var controlQueue = Deque<StreamControl>()
    var connectionBlocked: [StreamID] = []
    var writeBlocked: [StreamID] = []
    var pingPending = false
    var dataBlockedPending = false

    // Flow control (RFC 9000 §4).
    var connectionCredit = SendCredit(limit: StreamConstants.initialMaxData)
    var connectionReceive: ReceiveCredit
    var bufferedBytes = 0

    // Loss recovery and congestion control (RFC 9002).
    var receivedPackets = ReceivedPacketTracker()
    var sentPackets = SentPacketTracker()
    var lastPacketNumber: UInt64?
    var rtt: RTTEstimator
    var congestion: NewReno
    var pacer: Pacer
    var pacingBlockedUntil: Instant?
    var ptoCount = 0
    var probesPending = 0
    var ackOnlyInARow = 0

    // Idle timeout and keep-alive (RFC 9000 §10.1).
    var lastActivity: Instant
    var lastReceived: Instant
    var lastAckElicitingSent: Instant?
    var ackElicitingSentSinceReceive = false

    public init(role: ConnectionRole, config: StreamConfig = StreamConfig(), now: Instant) {
        let config = config.normalized
        self.role = role
        self.config = config
        clock = now
        lastActivity = now
        lastReceived = now
        rtt = RTTEstimator(initialRTT: config.initialRTT)
        congestion = NewReno(maxDatagramSize: config.maxDatagramPayload)
        pacer = Pacer(maxDatagramSize: config.maxDatagramPayload)
        connectionReceive = ReceiveCredit(initialLimit: StreamConstants.initialMaxData,
                                          window: config.initialConnectionWindow,
                                          maxWindow: config.maxConnectionWindow)
        if config.maxStreams > peerStreamLimit {
            peerStreamLimit = config.maxStreams
            maxStreamsPending = true
        }
    }

    // MARK: Streams

    /// Opens a new bidirectional stream; nil when the peer's stream limit is reached (a
    /// `.streamsAvailable` event follows when it allows more) or the connection is closed.
    public mutating func openStream() -> StreamID? {
        guard case .open = state else { return nil }
        guard nextLocalIndex < localStreamLimit else {
            wantsMoreStreams = true
            if streamsBlockedSentAt != localStreamLimit { streamsBlockedPending = true }
            return nil
        }
        let id = StreamID(index: nextLocalIndex, opener: role)
        nextLocalIndex += 1
        addStream(id)
        return id
    }

    /// Queues bytes on a stream; returns how many were accepted (fewer when the send
    /// buffers are full: a `.writable` event follows when there is room again; 0 for a
    /// finished, reset or unknown stream).
    @discardableResult
    public mutating func write(_ bytes: some Collection<UInt8>, to id: StreamID) -> Int {
        guard case .open = state, let i = streams.slot(of: id) else { return 0 }
        let n = streams.send[i].write(bytes, limit: writeRoom(at: i))
        return wrote(n, of: bytes.count, at: i, id)
    }

    /// `write` for an array, which the stream keeps without copying when it fits whole.
    @discardableResult
    public mutating func write(_ bytes: [UInt8], to id: StreamID) -> Int {
        guard case .open = state, let i = streams.slot(of: id) else { return 0 }
        let n = streams.send[i].write(bytes, limit: writeRoom(at: i))
        return wrote(n, of: bytes.count, at: i, id)
    }

    private func writeRoom(at i: Int) -> Int {
        min(config.streamSendBuffer - streams.send[i].bufferedBytes, config.connectionSendBuffer - bufferedBytes)
    }

    private mutating func wrote(_ n: Int, of requested: Int, at i: Int, _ id: StreamID) -> Int {
        bufferedBytes += n
        if n < requested, streams.send[i].acceptsWrites, !streams.flags[i].wantsWritable {
            streams.flags[i].wantsWritable = true
            writeBlocked.append(id)
        }
        if n > 0 { schedule(id) }
        return n
    }

    /// Ends the stream's sending half after the bytes written so far (FIN).
    public mutating func finish(_ id: StreamID) {
        guard case .open = state, let i = streams.slot(of: id) else { return }
        streams.send[i].finish()
        schedule(id)
    }

    /// Reads up to `max` bytes, in order. Empty when nothing is readable.
    public mutating func read(from id: StreamID, max: Int = .max) -> [UInt8] {
        guard case .open = state, let i = streams.slot(of: id) else { return [] }
        let bytes = streams.recv[i].read(max: max)
        let srtt = rtt.smoothed
        if !bytes.isEmpty {
            let n = UInt64(bytes.count)
            counters.streamBytesReceived += n
            connectionReceive.consume(n, now: clock, smoothedRTT: srtt)
            streams.recv[i].credit.consume(n, now: clock, smoothedRTT: srtt)
            if streams.recv[i].credit.updatePending, streams.recv[i].expectsData {
                queueControl(.maxStreamData(id), at: i)
            }
        }
        if streams.recv[i].readableBytes == 0 { streams.flags[i].readableSignalled = false }
        reportEndOfStream(at: i)
        retireIfDone(id)
        return bytes
    }

    /// Abandons the stream's sending half (RESET_STREAM with `code`).
    public mutating func reset(_ id: StreamID, code: UInt64) {
        guard case .open = state, let i = streams.slot(of: id) else { return }
        resetSendingHalf(at: i, code: code)
        retireIfDone(id)
    }

    /// Asks the peer to stop sending on the stream (STOP_SENDING with `code`); data already
    /// received and still to come is discarded.
    public mutating func stopSending(_ id: StreamID, code: UInt64) {
        guard case .open = state, let i = streams.slot(of: id) else { return }
        guard streams.recv[i].stopCode == nil, !streams.recv[i].isTerminal else { return }
        streams.recv[i].stop(code: code)
        streams.flags[i].readableSignalled = false
        if !streams.recv[i].isTerminal { queueControl(.stopSending(id), at: i) }
        connectionReceive.consume(streams.recv[i].takeDiscarded(), now: clock, smoothedRTT: rtt.smoothed)
        retireIfDone(id)
    }

    /// Closes the connection (CONNECTION_CLOSE type 0x1d with `code`). Unsent and
    /// unacknowledged data is abandoned: finish streams and wait for `.acknowledged` first
    /// for a graceful close.
    public mutating func close(code: UInt64 = 0, reason: String = "") {
        guard case .open = state else { return }
        let frame = ConnectionCloseFrame(kind: .application, errorCode: code,
                                         reason: Array(reason.utf8.prefix(StreamConstants.maxReasonLength)))
        enterClosing(frame, reason: .closedLocally(code: code))
    }

    /// Sends a PING (the acknowledgement refreshes the RTT estimate).
    public mutating func ping() {
        guard case .open = state else { return }
        pingPending = true
    }

    /// The next event, oldest first.
    public mutating func pollEvent() -> StreamEvent? { events.popFirst() }

    // MARK: Queries

    /// True once the connection is over and needs no more calls.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// True while streams can be used.
    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    /// Bytes readable now on a stream.
    public func readableBytes(on id: StreamID) -> Int {
        streams.slot(of: id).map { streams.recv[$0].readableBytes } ?? 0
    }

    /// Bytes written to a stream and not yet acknowledged.
    public func unacknowledgedBytes(on id: StreamID) -> Int {
        streams.slot(of: id).map { streams.send[$0].bufferedBytes } ?? 0
    }

    /// Bytes written to all streams and not yet acknowledged.
    public var unacknowledgedBytes: Int { bufferedBytes }

    /// Streams not yet finished in both directions, in id order.
    public var activeStreams: [StreamID] { streams.ids }

    public var stats: StreamStats {
        var s = counters
        s.smoothedRTT = rtt.smoothed
        s.minRTT = rtt.minimum
        s.latestRTT = rtt.latest
        s.congestionWindow = congestion.congestionWindow
        s.bytesInFlight = sentPackets.bytesInFlight
        return s
    }
}
