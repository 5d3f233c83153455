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
///     {"op":"connect","peer":NAME,"server":SERVER,"stdio":"fds"}
///
/// With `"stdio":"fds"` the client sends its stdin and stdout (pipes) as `SCM_RIGHTS`
/// descriptors attached to the request line's bytes (`DescriptorPassing`); the agent serves
/// them itself (`ClientStdio`) and answers `{"ok":true,"stdio":"agent"}`: the connection then
/// carries nothing and closes when the session ends. Otherwise it answers `{"ok":true}` and
/// relays the connection's bytes; when it refused the descriptors the answer says why
/// (`"stdio_refused"`). Descriptors sent with any other request are closed and the request
/// refused.
///
/// The request line is read with `recvmsg` on an accepted socket before NIO sees the
/// connection (NIO channels do not deliver ancillary data): a small accept thread reads each
/// connection's line, then hands the socket to NIO on the agent's loop.
public struct LocalRequest: Codable, Sendable {
    public var op: String
    public var peer: String?
    public var server: String?
    /// `fds`: the client sent its stdin and stdout with the request for the agent to serve.
    public var stdio: String?
    public init(op: String, peer: String? = nil, server: String? = nil, stdio: String? = nil) {
        self.op = op; self.peer = peer; self.server = server; self.stdio = stdio
    }
}

/// What a `connect` request offers for the client's stdin and stdout.
enum ClientStdioOffer {
    /// Nothing: relay the connection's bytes.
    case none
    /// The client's stdin and stdout, received with the request; whoever takes them closes them.
    case descriptors(input: Int32, output: Int32)
    /// Descriptors came but were refused (and closed), for this reason: relay.
    case refused(String)
}

/// What serves local requests, on the agent's loop.
protocol LocalAPIDelegate: AnyObject {
    /// Answers a one-shot request with one JSON line.
    func answer(_ request: LocalRequest, reply: @escaping ([UInt8]) -> Void)
    /// Opens an MCP session for a `connect` request; `ready` gets an error text or nil, then
    /// bytes flow through the returned pipe (or, when the pipe says `servesClientStdio`,
    /// between the client's own stdio and the mesh). The delegate owns descriptors offered in
    /// `stdio` and closes them on every path that does not serve them.
    func connect(_ request: LocalRequest, stdio: ClientStdioOffer, toClient: @escaping ([UInt8]) -> Void,
                 closed: @escaping (String?) -> Void, ready: @escaping (String?, LocalPipe?) -> Void)
}

/// The mesh side of a local `connect`.
final class LocalPipe {
    var fromClient: ([UInt8]) -> Void = { _ in }
    var clientClosed: () -> Void = {}
    /// Set by the local connection: stops (true) or restarts reading the client, while the
    /// mesh stream has too much of its bytes queued.
    var pauseClient: (Bool) -> Void = { _ in }
    /// Set by the mesh side: told when the client stops (true) or starts again taking what
    /// is written to it, so the mesh stream is left unread meanwhile.
    var clientBackedUp: (Bool) -> Void = { _ in }
    /// True when the agent serves the client's stdin and stdout itself (`ClientStdio`).
    var servesClientStdio = false
}

/// Descriptors received with a request line, closed unless taken: they pass from the accept
/// thread to the loop, and the channel carrying them may fail before its handler runs.
final class ReceivedDescriptors: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptors: [Int32]
    let truncated: Bool

    init(_ descriptors: [Int32], truncated: Bool) {
        self.descriptors = descriptors
        self.truncated = truncated
    }

    var isEmpty: Bool { lock.withLock { descriptors.isEmpty } && !truncated }

    /// Hands the descriptors over (once); the taker closes them.
    func take() -> [Int32] {
        lock.withLock {
            defer { descriptors = [] }
            return descriptors
        }
    }

    func closeAll() { DescriptorPassing.closeAll(take()) }
    deinit { DescriptorPassing.closeAll(descriptors) }
}

final class LocalAPIHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    unowned let delegate: any LocalAPIDelegate
    private let line: [UInt8]
    private var rest: [UInt8]
    private let descriptors: ReceivedDescriptors
    private var pipe: LocalPipe?
    /// Between the request and the connect answer: bytes from the client wait in `rest`.
    private var waiting = true

    init(delegate: any LocalAPIDelegate, line: [UInt8], rest: [UInt8], descriptors: ReceivedDescriptors) {
        self.delegate = delegate
        self.line = line
        self.rest = rest
        self.descriptors = descriptors
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        guard let req = try? JSONDecoder().decode(LocalRequest.self, from: Data(line)) else {
            descriptors.closeAll()
            return write(context, Self.error("malformed request"), close: true)
        }
        let offer: ClientStdioOffer
        if req.op == "connect", req.stdio == "fds" {
            switch DescriptorPassing.clientStdio(descriptors.take(), truncated: descriptors.truncated) {
            case .success(let fds): offer = .descriptors(input: fds.input, output: fds.output)
            case .failure(let refusal): offer = .refused(refusal.message)
            }
        } else if !descriptors.isEmpty {
            descriptors.closeAll()
            return write(context, Self.error("descriptors are accepted only with {\"op\":\"connect\",...,\"stdio\":\"fds\"}"), close: true)
        } else {
            offer = .none
        }
        if req.op == "connect" {
            connect(req, stdio: offer, context)
        } else {
            delegate.answer(req) { [weak self] line in self?.write(loopContext.value, line, close: true) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if let pipe { pipe.fromClient(bytes); return }
        if waiting, rest.count < 1 << 20 { rest += bytes }
    }

    private func connect(_ req: LocalRequest, stdio: ClientStdioOffer, _ context: ChannelHandlerContext) {
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        var refused: String?
        if case .refused(let why) = stdio { refused = why }
        delegate.connect(req, stdio: stdio, toClient: { [weak self] bytes in
                self?.write(loopContext.value, bytes, close: false)
            }, closed: { [weak self] _ in
                self?.write(loopContext.value, [], close: true)
            }, ready: { [weak self] error, pipe in
                guard let self else { return }
                self.waiting = false
                if let error {
                    self.write(loopContext.value, Self.error(error), close: true)
                    return
                }
                self.pipe = pipe
                pipe?.pauseClient = { paused in
                    loopContext.value.channel.setOption(ChannelOptions.autoRead, value: !paused).whenComplete { _ in }
                }
                if pipe?.servesClientStdio == true {
                    self.write(loopContext.value, Array("{\"ok\":true,\"stdio\":\"agent\"}\n".utf8), close: false)
                    return
                }
                var answer: [String: Any] = ["ok": true]
                if let refused { answer["stdio_refused"] = refused }
                self.write(loopContext.value, Array((try? JSONSerialization.data(withJSONObject: answer)) ?? Data("{\"ok\":true}".utf8)) + [0x0a], close: false)
                let rest = self.rest
                self.rest = []
                if !rest.isEmpty { pipe?.fromClient(rest) }
            })
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        descriptors.closeAll()
    }

    /// A client that does not read what the session sends makes the connection unwritable
    /// (NIO's write buffer passed its high-water mark): the mesh side stops reading until it
    /// drains, so the session's replies wait in the stream layer, not in memory here.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pipe?.clientBackedUp(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
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

/// The listening socket of the local API. A thread accepts connections; each connection's
/// request line (and any descriptors sent with it) is read with `recvmsg` on a thread of its
/// own (at most 10 s), then the socket goes to NIO on the agent's loop with the request.
final class LocalAPIServer: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var isClosed = false
    private var closed: Bool { lock.withLock { isClosed } }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Listens on `path` (replacing a stale socket) with mode 0600, serving on `loop`.
    static func start(path: String, loop: any EventLoop, delegate: NIOLoopBound<any LocalAPIDelegate>) throws -> LocalAPIServer {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            _ = Glibc.close(fd)
            throw IOError(errnoCode: ENAMETOOLONG, reason: "the socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK { _ = unlink(path) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, chmod(path, 0o600) == 0, listen(fd, 64) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw IOError(errnoCode: code, reason: "bind/listen on \(path)")
        }
        let server = LocalAPIServer(path: path, fd: fd)
        let thread = Thread { server.acceptLoop(loop: loop, delegate: delegate) }
        thread.name = "mcpmesh local API"
        thread.start()
        return server
    }

    /// Stops accepting (the accept thread ends); open connections go on.
    func close() {
        let first = lock.withLock {
            defer { isClosed = true }
            return !isClosed
        }
        // Wakes the blocked accept (EINVAL), after which the thread closes the socket.
        if first { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(loop: any EventLoop, delegate: NIOLoopBound<any LocalAPIDelegate>) {
        while !closed {
            // (`accept4` with SOCK_CLOEXEC is not visible from Swift without _GNU_SOURCE.)
            let connection = accept(fd, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if closed { break }
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    usleep(100_000)
                    continue
                }
                break
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread { Self.serve(connection, loop: loop, delegate: delegate) }
        }
        _ = Glibc.close(fd)
    }

    private static func serve(_ connection: Int32, loop: any EventLoop, delegate: NIOLoopBound<any LocalAPIDelegate>) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = DescriptorPassing.readLine(from: connection) else {
            _ = Glibc.close(connection)
            return
        }
        timeout = timeval(tv_sec: 0, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let descriptors = ReceivedDescriptors(request.descriptors, truncated: request.truncated)
        ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        LocalAPIHandler(delegate: delegate.value, line: request.line, rest: request.rest, descriptors: descriptors))
                }
            }
            .withConnectedSocket(connection)
            .whenFailure { _ in descriptors.closeAll() }
    }
}
