import Foundation
import Logging
import MCP

/// MCP's `Transport` over a `ByteStream`, framed as newline-delimited JSON: how a session's
/// messages travel on a mesh stream between the node that uses a server and the node that
/// serves it.
///
/// Incoming bytes are framed where they arrive (on the agent's event loop for a mesh stream)
/// and whole messages go straight to `receive()`'s stream, with no task in between. Messages
/// longer than `maxMessageBytes` end the stream with `messageTooLarge`; the bytes are never
/// buffered past that limit.
///
/// Whole messages not yet taken from `receive()` are bounded: while more than
/// `maxQueuedBytes` wait, reading the stream is paused (`ByteStream.pauseReading`, which a
/// mesh stream turns into not reading, so its flow control stops the sender), and it resumes
/// once the reader has brought them down to half. A reader that waits on a slow upstream
/// thus slows the peer instead of filling memory. Reading starts paused and resumes at
/// `connect()`, so nothing piles up while a session waits for its server to start.
public actor ByteStreamTransport: Transport {
    public nonisolated let logger: Logger
    private let stream: ByteStream
    private let maxMessageBytes: Int
    private let messages: AsyncThrowingStream<Data, any Error>
    private let sink: AsyncThrowingStream<Data, any Error>.Continuation
    private var connected = false
    /// Read by `send`, which takes no hop onto the actor.
    private let closed = LockedValue(false)
    private let flow: Flow

    /// A transport over `stream` accepting messages up to `maxMessageBytes`, pausing its
    /// reading while more than `maxQueuedBytes` of messages wait for the reader.
    public init(stream: ByteStream, maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes,
                maxQueuedBytes: Int = 1 << 20, logger: Logger? = nil) {
        self.stream = stream
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger ?? Logger(label: "mcpmesh.stream", factory: { _ in SwiftLogNoOpLogHandler() })
        let flow = Flow(maxQueuedBytes: maxQueuedBytes, pauseReading: stream.pauseReading)
        self.flow = flow
        // Nothing is read until `connect()` (which may come after a slow server started).
        flow.pauseUntilConnected()
        let (framed, sink) = AsyncThrowingStream<Data, any Error>.makeStream()
        self.sink = sink
        let reader = Reader(framed.makeAsyncIterator())
        messages = AsyncThrowingStream(unfolding: {
            guard let message = try await reader.next() else { return nil }
            flow.taken(message.count)
            return message
        })
    }

    /// Bytes of messages framed and not yet taken from `receive()`.
    public nonisolated var queuedBytes: Int { flow.state.withLock { $0.queued } }
    /// The most `queuedBytes` has been.
    public nonisolated var peakQueuedBytes: Int { flow.state.withLock { $0.peak } }
    /// Whether reading the stream is paused.
    public nonisolated var readingPaused: Bool { flow.state.withLock { $0.paused } }

    /// Starts reading the stream.
    public func connect() async throws {
        guard !connected, !closed.withLock({ $0 }) else { return }
        connected = true
        let framing = Framing(maxMessageBytes: maxMessageBytes, sink: sink, flow: flow)
        stream.inbound.deliver({ framing.append($0) }, end: { framing.end($0) })
        flow.taken(0)
    }

    /// Closes the stream; `receive()` finishes. Reading resumes, so that what the peer
    /// still sends is drained (and dropped) rather than held.
    public func disconnect() async {
        guard !closed.withLock({ closed in defer { closed = true }; return closed }) else { return }
        flow.close()
        await stream.close()
        sink.finish()
    }

    /// Sends one message, framed, on the caller's executor (no hop onto the actor).
    public nonisolated func send(_ data: Data) async throws {
        guard !closed.withLock({ $0 }) else { throw MCPBridgeError.notConnected(what: "the mesh stream") }
        try await stream.write(MessageFramer.framedBytes(data))
    }

    /// The messages from the other end.
    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    /// The framer between the stream's deliveries (serial, on the feeding thread) and the
    /// messages; `@unchecked` because `ByteStream.Inbound` never runs two deliveries at once.
    private final class Framing: @unchecked Sendable {
        private var framer: MessageFramer
        private let sink: AsyncThrowingStream<Data, any Error>.Continuation
        private let flow: Flow
        private var failed = false

        init(maxMessageBytes: Int, sink: AsyncThrowingStream<Data, any Error>.Continuation, flow: Flow) {
            self.framer = MessageFramer(maxMessageBytes: maxMessageBytes)
            self.sink = sink
            self.flow = flow
        }

        func append(_ chunk: [UInt8]) {
            guard !failed else { return }
            framer.append(chunk)
            do {
                while let message = try framer.next() {
                    flow.queued(message.count)
                    sink.yield(message)
                }
            } catch {
                failed = true
                sink.finish(throwing: error)
            }
        }

        func end(_ error: (any Error)?) {
            guard !failed else { return }
            if let error { return sink.finish(throwing: error) }
            do {
                if let last = try framer.finish() {
                    flow.queued(last.count)
                    sink.yield(last)
                }
                sink.finish()
            } catch {
                sink.finish(throwing: error)
            }
        }
    }

    /// The count of messages waiting for the reader, and the pausing it drives. The pause
    /// and resume calls are made under the lock, so they reach the stream in order.
    final class Flow: Sendable {
        struct State {
            var queued = 0, peak = 0
            var paused = false, closed = false
        }
        let state = LockedValue(State())
        private let maxQueuedBytes: Int
        private let pauseReading: (@Sendable (Bool) -> Void)?

        init(maxQueuedBytes: Int, pauseReading: (@Sendable (Bool) -> Void)?) {
            self.maxQueuedBytes = maxQueuedBytes
            self.pauseReading = pauseReading
        }

        /// Pauses reading before the transport connects.
        func pauseUntilConnected() {
            state.withLock { s in
                guard let pauseReading else { return }
                s.paused = true
                pauseReading(true)
            }
        }

        /// A message of `n` bytes was framed.
        func queued(_ n: Int) {
            state.withLock { s in
                s.queued += n
                s.peak = max(s.peak, s.queued)
                if s.queued > maxQueuedBytes, !s.paused, !s.closed, let pauseReading {
                    s.paused = true
                    pauseReading(true)
                }
            }
        }

        /// The reader took a message of `n` bytes (0: see whether reading may resume).
        func taken(_ n: Int) {
            state.withLock { s in
                s.queued -= n
                if s.paused, s.queued <= maxQueuedBytes / 2 {
                    s.paused = false
                    pauseReading?(false)
                }
            }
        }

        /// The transport closed: reading resumes for good.
        func close() {
            state.withLock { s in
                s.closed = true
                if s.paused {
                    s.paused = false
                    pauseReading?(false)
                }
            }
        }
    }

    /// The framed messages' iterator, for the one reader of `receive()`; `@unchecked`
    /// because that reader takes one message at a time.
    private final class Reader: @unchecked Sendable {
        private var iterator: AsyncThrowingStream<Data, any Error>.Iterator

        init(_ iterator: AsyncThrowingStream<Data, any Error>.Iterator) { self.iterator = iterator }

        func next() async throws -> Data? { try await iterator.next() }
    }
}
