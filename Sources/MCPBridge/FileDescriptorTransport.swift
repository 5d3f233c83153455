import Dispatch
import Foundation
import Logging
import MCP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// MCP's stdio transport over two file descriptors, for `mcpmesh connect` (stdin and stdout
/// of the command, spoken to by the MCP client that started it).
///
/// The SDK's `StdioTransport` polls a non-blocking descriptor and sleeps 10 ms whenever it
/// finds nothing, which would add up to 10 ms to every request crossing the mesh. This one
/// reads with blocking `read(2)` on a thread of its own and writes on a serial queue, so a
/// message is passed on as soon as its newline arrives; framing and the size limit are
/// `MessageFramer`'s.
public actor FileDescriptorTransport: Transport {
    public nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let maxMessageBytes: Int
    private let messages: AsyncThrowingStream<Data, any Error>
    private let sink: AsyncThrowingStream<Data, any Error>.Continuation
    private let writes = DispatchQueue(label: "mcpmesh.stdio.write")
    private var started = false
    private var closed = false

    /// A transport reading `input` and writing `output` (standard input and output by default).
    public init(input: Int32 = 0, output: Int32 = 1, maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes,
                logger: Logger? = nil) {
        self.input = input
        self.output = output
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger ?? Logger(label: "mcpmesh.stdio", factory: { _ in SwiftLogNoOpLogHandler() })
        (messages, sink) = AsyncThrowingStream.makeStream()
    }

    /// Starts the reading thread.
    public func connect() async throws {
        guard !started else { return }
        started = true
        let input = self.input, sink = self.sink, limit = maxMessageBytes
        let thread = Thread {
            Self.readLoop(input, sink: sink, limit: limit)
        }
        thread.name = "mcpmesh.stdio.read"
        thread.start()
    }

    /// Stops delivering messages. The reading thread ends at the input's end of file (the
    /// descriptors belong to the caller and are not closed).
    public func disconnect() async {
        closed = true
        sink.finish()
    }

    /// Writes one message and its newline.
    public func send(_ data: Data) async throws {
        guard !closed else { throw MCPBridgeError.notConnected(what: "standard output") }
        let framed = MessageFramer.framedBytes(data)
        let output = self.output
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writes.async {
                continuation.resume(with: Self.writeAll(framed, to: output))
            }
        }
    }

    /// The messages read from the input.
    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    // MARK: - Blocking I/O off the cooperative pool

    private static func readLoop(_ fd: Int32, sink: AsyncThrowingStream<Data, any Error>.Continuation, limit: Int) {
        var framer = MessageFramer(maxMessageBytes: limit)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        do {
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN { waitReadable(fd); continue }
                    throw MCPBridgeError.io(what: "standard input", reason: String(cString: strerror(errno)))
                }
                if n == 0 { break }
                buffer.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
                while let message = try framer.next() { sink.yield(message) }
            }
            if let last = try framer.finish() { sink.yield(last) }
            sink.finish()
        } catch {
            sink.finish(throwing: error)
        }
    }

    /// Blocks until `fd` (left non-blocking by someone else) is readable.
    private static func waitReadable(_ fd: Int32) {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&poller, 1, -1)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Result<Void, any Error> {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, -1)
                    continue
                }
                return .failure(MCPBridgeError.io(what: "standard output", reason: String(cString: strerror(errno))))
            }
            offset += n
        }
        return .success(())
    }
}
