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
public actor ByteStreamTransport: Transport {
    public nonisolated let logger: Logger
    private let stream: ByteStream
    private let maxMessageBytes: Int
    private let messages: AsyncThrowingStream<Data, any Error>
    private let sink: AsyncThrowingStream<Data, any Error>.Continuation
    private var connected = false
    /// Read by `send`, which takes no hop onto the actor.
    private let closed = LockedValue(false)

    /// A transport over `stream` accepting messages up to `maxMessageBytes`.
    public init(stream: ByteStream, maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes, logger: Logger? = nil) {
        self.stream = stream
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger ?? Logger(label: "mcpmesh.stream", factory: { _ in SwiftLogNoOpLogHandler() })
        (messages, sink) = AsyncThrowingStream.makeStream()
    }

    /// Starts reading the stream.
    public func connect() async throws {
        guard !connected, !closed.withLock({ $0 }) else { return }
        connected = true
        let framing = Framing(maxMessageBytes: maxMessageBytes, sink: sink)
        stream.inbound.deliver({ framing.append($0) }, end: { framing.end($0) })
    }

    /// Closes the stream; `receive()` finishes.
    public func disconnect() async {
        guard !closed.withLock({ closed in defer { closed = true }; return closed }) else { return }
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
        private var failed = false

        init(maxMessageBytes: Int, sink: AsyncThrowingStream<Data, any Error>.Continuation) {
            self.framer = MessageFramer(maxMessageBytes: maxMessageBytes)
            self.sink = sink
        }

        func append(_ chunk: [UInt8]) {
            guard !failed else { return }
            framer.append(chunk)
            do {
                while let message = try framer.next() { sink.yield(message) }
            } catch {
                failed = true
                sink.finish(throwing: error)
            }
        }

        func end(_ error: (any Error)?) {
            guard !failed else { return }
            if let error { return sink.finish(throwing: error) }
            do {
                if let last = try framer.finish() { sink.yield(last) }
                sink.finish()
            } catch {
                sink.finish(throwing: error)
            }
        }
    }
}
