import MeshWire

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
