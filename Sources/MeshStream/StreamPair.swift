import MeshWire

/// Both halves of one bidirectional stream and the connection's bookkeeping about it.
struct StreamPair: Sendable {
    var send: SendStream
    var recv: ReceiveStream
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

    /// Both halves are done: the stream can be forgotten.
    var isTerminal: Bool { send.isTerminal && recv.isTerminal }
}

/// A per-stream control frame waiting to be sent. The frame's values are read from the
/// stream when the packet is built, so a repaired frame always carries the latest value.
enum StreamControl: Sendable, Equatable {
    case maxStreamData(StreamID)
    case resetStream(StreamID)
    case stopSending(StreamID)
    case streamDataBlocked(StreamID)
}

/// The connection's lifecycle (RFC 9000 §10.2).
enum ConnectionState: Sendable {
    case open
    /// This side sent CONNECTION_CLOSE and repeats it until `until`, or until the peer's
    /// CONNECTION_CLOSE arrives.
    case closing(Closing)
    /// The peer closed; stay silent until `until` (after one CONNECTION_CLOSE in reply, if
    /// `reply` is set).
    case draining(until: Instant, reply: ConnectionCloseFrame?)
    case closed

    struct Closing: Sendable {
        var frame: ConnectionCloseFrame
        var until: Instant
        var nextRepeat: Instant
        var interval: Duration
        /// A packet arrived; answer it with the CONNECTION_CLOSE.
        var replyPending = false
        var lastSent: Instant?
    }
}
