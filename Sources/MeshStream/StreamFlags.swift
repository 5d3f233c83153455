/// The connection's bookkeeping about one stream, beside its two halves.
struct StreamFlags: Sendable {
    /// In the connection's send queue.
    var queued = false
    /// A `.readable` event was reported and the application has not drained the stream since.
    var readableSignalled = false
    /// A `write` fell short; report `.writable` when room frees up.
    var wantsWritable = false
    /// Entries in the connection's control queue.
    var maxStreamDataQueued = false
    var resetQueued = false
    var stopSendingQueued = false
    var blockedQueued = false
    /// Waiting for connection credit (in the connection's blocked list).
    var waitingForConnectionCredit = false
    /// `.acknowledged` was reported.
    var acknowledgedReported = false
}

/// A per-stream control frame waiting to be sent. The frame's values are read from the
/// stream when the packet is built, so a repaired frame always carries the latest value.
enum StreamControl: Sendable, Equatable {
    case maxStreamData(StreamID)
    case resetStream(StreamID)
    case stopSending(StreamID)
    case streamDataBlocked(StreamID)
}
