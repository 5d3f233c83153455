import Foundation
import Logging
import MCP

/// MCP's `Transport` over a `ByteStream`, framed as newline-delimited JSON: how a session's
/// messages travel on a mesh stream between the node that uses a server and the node that
/// serves it.
///
/// Messages longer than `maxMessageBytes` end the stream with `messageTooLarge`; the bytes
/// are never buffered past that limit.
public actor ByteStreamTransport: Transport {
    public nonisolated let logger: Logger
    private let stream: ByteStream
    private let maxMessageBytes: Int
    private let messages: AsyncThrowingStream<Data, any Error>
    private let sink: AsyncThrowingStream<Data, any Error>.Continuation
    private var reader: Task<Void, Never>?
    private var closed = false

    /// A transport over `stream` accepting messages up to `maxMessageBytes`.
    public init(stream: ByteStream, maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes, logger: Logger? = nil) {
        self.stream = stream
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger ?? Logger(label: "mcpmesh.stream", factory: { _ in SwiftLogNoOpLogHandler() })
        (messages, sink) = AsyncThrowingStream.makeStream()
    }

    /// Starts reading the stream.
    public func connect() async throws {
        guard reader == nil, !closed else { return }
        let inbound = stream.inbound, sink = self.sink, limit = maxMessageBytes
        reader = Task {
            var framer = MessageFramer(maxMessageBytes: limit)
            do {
                for try await chunk in inbound {
                    framer.append(chunk)
                    while let message = try framer.next() { sink.yield(message) }
                }
                if let last = try framer.finish() { sink.yield(last) }
                sink.finish()
            } catch {
                sink.finish(throwing: error)
            }
        }
    }

    /// Closes the stream; `receive()` finishes.
    public func disconnect() async {
        guard !closed else { return }
        closed = true
        await stream.close()
        reader?.cancel()
        sink.finish()
    }

    /// Sends one message, framed.
    public func send(_ data: Data) async throws {
        guard !closed else { throw MCPBridgeError.notConnected(what: "the mesh stream") }
        try await stream.write(Array(MessageFramer.frame(data)))
    }

    /// The messages from the other end.
    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }
}
