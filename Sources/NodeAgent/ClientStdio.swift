import Foundation
import NIOCore
import NIOPosix

/// The stdin and stdout of `mcpmesh connect`, served by the agent itself.
///
/// `mcpmesh connect` is a stdio MCP server for the client that started it; relaying its
/// bytes costs a wake-up of the connect process and another of the agent for every message.
/// When its stdin and stdout are pipes (as MCP clients start stdio servers), connect sends
/// them to the agent with its request (`SCM_RIGHTS`, see `DescriptorPassing`) and the agent
/// moves the bytes between them and the mesh stream on its own loop. The connect process
/// then only waits for the session to end. Anywhere this does not work, connect relays as
/// before.
enum ClientStdio {
    /// Takes over the client's pipes for `stream` on `loop`: the future has the pipes'
    /// channel, or fails (the descriptors are then closed).
    static func serve(input: Int32, output: Int32, stream: MeshStreamChannel, loop: any EventLoop,
                      ended: @escaping (String?) -> Void) -> EventLoopFuture<any Channel> {
        let bound = NIOLoopBound(stream, eventLoop: loop)
        let endedBound = NIOLoopBound(ended, eventLoop: loop)
        let future = NIOPipeBootstrap(group: loop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ClientStdioRelay(stream: bound.value, ended: endedBound.value))
                }
            }
            .takingOwnershipOfDescriptors(input: input, output: output)
        future.whenFailure { _ in
            _ = close(input)
            _ = close(output)
        }
        return future
    }
}

/// Moves bytes between the client's pipes and the session's mesh stream, on the loop: what
/// the client writes goes into the stream (reading pauses while more than `highWater` bytes
/// wait for the stream), what the stream brings is written to the client. When the client
/// closes its stdin the stream is finished; when the stream ends, the pipes are closed after
/// the last write and `ended` is told.
final class ClientStdioRelay: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private let stream: MeshStreamChannel
    private let ended: (String?) -> Void
    private var context: ChannelHandlerContext?
    private var paused = false
    private var pendingRead = false
    private var lastWrite: EventLoopFuture<Void>?

    init(stream: MeshStreamChannel, ended: @escaping (String?) -> Void) {
        self.stream = stream
        self.ended = ended
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        stream.onData = { [weak self] bytes in self?.toClient(bytes) }
        stream.onEnd = { [weak self] reason in self?.streamEnded(reason) }
        stream.onTaken = { [weak self] _ in self?.streamTook() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        stream.send(bytes)
        if stream.pendingBytes > Self.highWater { paused = true }
    }

    /// Reads are held back while the stream is full.
    func read(context: ChannelHandlerContext) {
        if paused {
            pendingRead = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed { stream.finishAfterSending() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The client's side went away (its stdout closed): the session ends too.
        if !stream.ended { stream.finishAfterSending() }
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func toClient(_ bytes: [UInt8]) {
        guard let context, !bytes.isEmpty else { return }
        let write = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
        lastWrite = write
    }

    private func streamTook() {
        guard paused, stream.pendingBytes <= Self.lowWater else { return }
        paused = false
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    private func streamEnded(_ reason: String?) {
        guard let context else { return ended(reason) }
        let channel = context.channel
        let done = { [ended] in
            channel.close(promise: nil)
            ended(reason)
        }
        if let lastWrite {
            lastWrite.whenComplete { _ in done() }
        } else {
            done()
        }
    }
}
