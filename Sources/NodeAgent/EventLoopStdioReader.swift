import MCPBridge
import NIOCore
import NIOPosix

/// The agent's event loop reading a stdio MCP server's stdout (`StdioOutputReader`): the
/// pipe is a NIO pipe channel on the loop that also carries the session's mesh stream, so a
/// reply is framed, filtered and sent on to the peer in the turn of the loop it woke.
struct EventLoopStdioReader: StdioOutputReader {
    let loop: any EventLoop

    func start(reading descriptor: Int32, deliver: @escaping @Sendable ([UInt8]) -> Void,
               end: @escaping @Sendable ((any Error)?) -> Void) async throws -> any StdioOutputReading {
        let channel = try await NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StdoutHandler(deliver: deliver, end: end))
                }
            }
            .takingOwnershipOfDescriptor(input: descriptor).get()
        return Reading(channel: channel)
    }

    /// Pause and resume turn the channel's reads off and on; finish closes it on the loop.
    private struct Reading: StdioOutputReading {
        let channel: any Channel

        func pause() { channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in } }

        func resume() { channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in } }

        func finish() {
            // The child's last bytes were in the pipe before it exited, so the loop has seen
            // them readable and read them (unless reading was paused) by the time this task runs.
            let channel = self.channel
            channel.eventLoop.execute { channel.close(promise: nil) }
        }
    }

    private final class StdoutHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let deliver: @Sendable ([UInt8]) -> Void
        private let end: @Sendable ((any Error)?) -> Void
        private var ended = false

        init(deliver: @escaping @Sendable ([UInt8]) -> Void, end: @escaping @Sendable ((any Error)?) -> Void) {
            self.deliver = deliver
            self.end = end
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            if let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty { deliver(bytes) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if !ended, !(error is ChannelError) {
                ended = true
                end(error)
            }
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !ended {
                ended = true
                end(nil)
            }
        }
    }
}
