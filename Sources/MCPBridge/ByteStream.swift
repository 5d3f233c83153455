/// A two-way byte stream a session runs over: a mesh stream in the agent, a pipe in tests.
///
/// The agent builds one from a mesh stream (its reads fed into `inbound`, its writes as
/// `write`, FIN or reset as `close`); the bridge never sees sockets or the mesh. `pipe()` gives
/// two connected ends in memory, the in-memory twin used by the tests.
public struct ByteStream: Sendable {
    /// The bytes from the other end, in order, until it closes or the stream breaks.
    public var inbound: Inbound
    /// Sends bytes to the other end, in order with earlier writes. May return before the bytes
    /// have left: a stream that buffers returns at once while it has room, and waits while it
    /// is full, so a writer never queues more than the stream's bound.
    public var write: @Sendable ([UInt8]) async throws -> Void
    /// Closes both directions; the other end's `inbound` finishes.
    public var close: @Sendable () async -> Void
    /// Pauses (true) or resumes (false) reading from the other end, when the stream can:
    /// while paused, `inbound` gets nothing new and the other end's writes stall once the
    /// stream's own bounded buffer is full. Called from any thread with a lock held, in the
    /// order the calls must take effect: it must only record the change or schedule it, never
    /// feed `inbound` before returning.
    public var pauseReading: (@Sendable (Bool) -> Void)?

    /// A stream from its parts.
    public init(inbound: Inbound, write: @escaping @Sendable ([UInt8]) async throws -> Void,
                close: @escaping @Sendable () async -> Void, pauseReading: (@Sendable (Bool) -> Void)? = nil) {
        self.inbound = inbound
        self.write = write
        self.close = close
        self.pauseReading = pauseReading
    }

    /// Two connected ends in memory: bytes written to one arrive at the other; closing either
    /// finishes both ends' `inbound`, and later writes fail.
    public static func pipe() -> (ByteStream, ByteStream) {
        let a = Inbound(), b = Inbound()
        let closeBoth: @Sendable () async -> Void = {
            a.finish()
            b.finish()
        }
        func writer(_ other: Inbound) -> @Sendable ([UInt8]) async throws -> Void {
            { bytes in
                guard other.yield(bytes) else {
                    throw MCPBridgeError.io(what: "byte stream", reason: "the other end is closed")
                }
            }
        }
        return (ByteStream(inbound: a, write: writer(b), close: closeBoth),
                ByteStream(inbound: b, write: writer(a), close: closeBoth))
    }
}
