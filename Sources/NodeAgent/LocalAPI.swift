import Foundation
import Logging
import NIOCore
import NIOPosix

/// The agent's local API on `STATE/agent.sock` (mode 0600): the CLI's way in. One JSON
/// request line per connection, one JSON answer line; for `connect`, after an `{"ok":true}`
/// answer the connection carries the MCP session's bytes both ways. Requests:
///
///     {"op":"status"}  {"op":"servers"}  {"op":"ping","peer":NAME}  {"op":"logout"}
///     {"op":"connect","peer":NAME,"server":SERVER}
///     {"op":"connect","peer":NAME,"server":SERVER,"stdio":"pipes"}
///
/// With `"stdio":"pipes"` (the client's stdin and stdout are pipes) the agent may open those
/// pipes itself (`ClientStdio`) and answer `{"ok":true,"stdio":"agent"}`: the connection then
/// carries nothing and closes when the session ends. Otherwise it answers `{"ok":true}` and
/// relays the connection's bytes.
public struct LocalRequest: Codable, Sendable {
    public var op: String
    public var peer: String?
    public var server: String?
    /// `pipes`: the client may have the agent serve its stdin and stdout.
    public var stdio: String?
    public init(op: String, peer: String? = nil, server: String? = nil, stdio: String? = nil) {
        self.op = op; self.peer = peer; self.server = server; self.stdio = stdio
    }
}

/// What serves local requests, on the agent's loop.
protocol LocalAPIDelegate: AnyObject {
    /// Answers a one-shot request with one JSON line.
    func answer(_ request: LocalRequest, reply: @escaping ([UInt8]) -> Void)
    /// Opens an MCP session for a `connect` request from process `clientPID` (when known);
    /// `ready` gets an error text or nil, then bytes flow through the returned pipe (or, when
    /// the pipe says `servesClientStdio`, between the client's own stdio and the mesh).
    func connect(_ request: LocalRequest, clientPID: Int32?, toClient: @escaping ([UInt8]) -> Void,
                 closed: @escaping (String?) -> Void, ready: @escaping (String?, LocalPipe?) -> Void)
}

/// The mesh side of a local `connect`.
final class LocalPipe {
    var fromClient: ([UInt8]) -> Void = { _ in }
    var clientClosed: () -> Void = {}
    /// True when the agent serves the client's stdin and stdout itself (`ClientStdio`).
    var servesClientStdio = false
}

final class LocalAPIHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    unowned let delegate: any LocalAPIDelegate
    private var request: [UInt8] = []
    private var pipe: LocalPipe?
    private var awaiting = true

    init(delegate: any LocalAPIDelegate) { self.delegate = delegate }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if let pipe { pipe.fromClient(bytes); return }
        guard awaiting else { return }
        request += bytes
        guard let nl = request.firstIndex(of: 0x0a) else {
            if request.count > 65536 { context.close(promise: nil) }
            return
        }
        awaiting = false
        let rest = Array(request[(nl + 1)...])
        guard let req = try? JSONDecoder().decode(LocalRequest.self, from: Data(request[..<nl])) else {
            write(context, Self.error("malformed request"), close: true)
            return
        }
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        if req.op == "connect", req.stdio == "pipes" {
            let me = NIOLoopBound(self, eventLoop: context.eventLoop)
            Self.peerPID(context.channel).whenComplete { result in
                me.value.connect(req, clientPID: (try? result.get()) ?? nil, rest: rest, loopContext.value)
            }
        } else if req.op == "connect" {
            connect(req, clientPID: nil, rest: rest, context)
        } else {
            delegate.answer(req) { [weak self] line in self?.write(loopContext.value, line, close: true) }
        }
    }

    private func connect(_ req: LocalRequest, clientPID: Int32?, rest: [UInt8], _ context: ChannelHandlerContext) {
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        delegate.connect(req, clientPID: clientPID, toClient: { [weak self] bytes in
                self?.write(loopContext.value, bytes, close: false)
            }, closed: { [weak self] _ in
                self?.write(loopContext.value, [], close: true)
            }, ready: { [weak self] error, pipe in
                guard let self else { return }
                if let error {
                    self.write(loopContext.value, Self.error(error), close: true)
                    return
                }
                self.pipe = pipe
                if pipe?.servesClientStdio == true {
                    self.write(loopContext.value, Array("{\"ok\":true,\"stdio\":\"agent\"}\n".utf8), close: false)
                    return
                }
                self.write(loopContext.value, Array("{\"ok\":true}\n".utf8), close: false)
                if !rest.isEmpty { pipe?.fromClient(rest) }
            })
    }

    /// The process on the other end of the local socket, from its peer credentials (Linux).
    static func peerPID(_ channel: any Channel) -> EventLoopFuture<Int32?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)).map { (credentials: PeerCredentials) -> Int32? in
            credentials.pid > 0 ? credentials.pid : nil
        }.recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }

    func channelInactive(context: ChannelHandlerContext) {
        pipe?.clientClosed()
        pipe = nil
    }

    /// The client closed its side (stdin ended): the MCP session's client half ends too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            pipe?.clientClosed()
            pipe = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8], close: Bool) {
        guard context.channel.isActive else { return }
        if !bytes.isEmpty {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        }
        if close { context.close(mode: .output, promise: nil) }
    }

    static func error(_ text: String) -> [UInt8] {
        let obj: [String: Any] = ["ok": false, "error": text]
        return Array((try? JSONSerialization.data(withJSONObject: obj)) ?? Data()) + [0x0a]
    }
}

/// `struct ucred` (`SO_PEERCRED`), which the C library declares only for `_GNU_SOURCE`.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum LocalAPIServer {
    /// Listens on `path` (replacing a stale socket) with mode 0600, on `loop`.
    static func start(path: String, loop: any EventLoop, delegate: NIOLoopBound<any LocalAPIDelegate>) -> EventLoopFuture<any Channel> {
        ServerBootstrap(group: loop)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LocalAPIHandler(delegate: delegate.value))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .map { channel in
                _ = chmod(path, 0o600)
                return channel
            }
    }
}
