/// A two-way byte stream a session runs over: a mesh stream in the agent, a pipe in tests.
///
/// The agent builds one from a mesh stream (its reads as `inbound`, its writes as `write`,
/// FIN or reset as `close`); the bridge never sees sockets or the mesh. `pipe()` gives two
/// connected ends in memory, the in-memory twin used by the tests.
public struct ByteStream: Sendable {
    /// Chunks from the other end as they arrive, in order; finished when the other end
    /// closes, with an error when the stream breaks.
    public var inbound: AsyncThrowingStream<[UInt8], any Error>
    /// Sends bytes to the other end, in order with earlier writes.
    public var write: @Sendable ([UInt8]) async throws -> Void
    /// Closes both directions; the other end's `inbound` finishes.
    public var close: @Sendable () async -> Void

    /// A stream from its three parts.
    public init(inbound: AsyncThrowingStream<[UInt8], any Error>, write: @escaping @Sendable ([UInt8]) async throws -> Void,
                close: @escaping @Sendable () async -> Void) {
        self.inbound = inbound
        self.write = write
        self.close = close
    }

    /// Two connected ends in memory: bytes written to one arrive at the other; closing either
    /// finishes both ends' `inbound`, and later writes fail.
    public static func pipe() -> (ByteStream, ByteStream) {
        let (aIn, aSink) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let (bIn, bSink) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let closeBoth: @Sendable () async -> Void = {
            aSink.finish()
            bSink.finish()
        }
        func writer(_ sink: AsyncThrowingStream<[UInt8], any Error>.Continuation) -> @Sendable ([UInt8]) async throws -> Void {
            { bytes in
                guard case .enqueued = sink.yield(bytes) else {
                    throw MCPBridgeError.io(what: "byte stream", reason: "the other end is closed")
                }
            }
        }
        return (ByteStream(inbound: aIn, write: writer(bSink), close: closeBoth),
                ByteStream(inbound: bIn, write: writer(aSink), close: closeBoth))
    }
}
