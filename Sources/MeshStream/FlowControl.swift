import MeshWire

/// Credit this endpoint gives its peer, for one stream or for the whole connection
/// (RFC 9000 §4.1–4.2). `limit` is the highest offset (stream) or byte total (connection) the
/// peer may send; it moves forward as the application consumes data, by `window` bytes past
/// what was consumed. The window doubles, up to `maxWindow`, when updates come faster than
/// every `windowAutoTuneRTTs` round trips (the application reads as fast as data arrives, so
/// the window is what limits throughput).
struct ReceiveCredit: Sendable, Equatable {
    /// The credit granted so far (sent in MAX_DATA / MAX_STREAM_DATA, or implicit).
    private(set) var limit: UInt64
    /// Highest offset (stream) or total (connection) received so far.
    private(set) var received: UInt64 = 0
    /// Bytes the application read or that were discarded.
    private(set) var consumed: UInt64 = 0
    private(set) var window: UInt64
    let maxWindow: UInt64
    private var lastUpdate: Instant?
    /// Whether a frame carrying new credit should be sent.
    var updatePending: Bool

    /// `initialLimit` is the credit the protocol grants implicitly; a larger `window` is
    /// announced at once.
    init(initialLimit: UInt64, window: UInt64, maxWindow: UInt64) {
        limit = initialLimit
        self.window = max(window, initialLimit)
        self.maxWindow = max(maxWindow, self.window)
        updatePending = self.window > initialLimit
    }

    /// Whether receiving up to `total` stays within the credit.
    func allows(_ total: UInt64) -> Bool { total <= limit }

    mutating func setReceived(_ total: UInt64) {
        received = max(received, total)
    }

    /// The application consumed `count` more bytes; schedules an update when less than
    /// 1/windowUpdateDivisor of the window remains.
    mutating func consume(_ count: UInt64, now: Instant, smoothedRTT: Duration) {
        consumed += count
        let remaining = limit > consumed ? limit - consumed : 0
        guard remaining < window / StreamConstants.windowUpdateDivisor else { return }
        if let last = lastUpdate, now - last < smoothedRTT * Int(StreamConstants.windowAutoTuneRTTs) {
            window = min(window * 2, maxWindow)
        }
        updatePending = true
    }

    /// Raises the limit for an update frame being sent now and returns it.
    mutating func takeUpdate(now: Instant) -> UInt64 {
        limit = max(limit, min(consumed + window, StreamConstants.maxStreamOffset))
        lastUpdate = now
        updatePending = false
        return limit
    }
}

/// Credit the peer gave this endpoint (RFC 9000 §4.1): new data may be sent up to `limit`.
struct SendCredit: Sendable, Equatable {
    private(set) var limit: UInt64
    /// Offset (stream) or total (connection) of new data sent so far.
    private(set) var used: UInt64 = 0
    /// The limit at which a DATA_BLOCKED / STREAM_DATA_BLOCKED frame was last sent.
    var blockedAt: UInt64?

    init(limit: UInt64) { self.limit = limit }

    var available: UInt64 { limit > used ? limit - used : 0 }

    /// Takes a MAX_DATA / MAX_STREAM_DATA value; returns true when it raised the limit
    /// (smaller values are stale and ignored, RFC 9000 §19.9).
    mutating func raise(to value: UInt64) -> Bool {
        guard value > limit else { return false }
        limit = value
        return true
    }

    mutating func use(_ count: UInt64) { used += count }
}
