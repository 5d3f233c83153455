import Foundation
import Logging
import MCP
import MCPBridge
import NIOCore
import NIOHTTP1
import NIOPosix

/// Why the loopback HTTP gateway (`mcpmesh up --http`) could not start.
public enum HTTPGatewayError: Error, Equatable, CustomStringConvertible {
    /// The address is not a numeric loopback address.
    case notLoopback(String)
    /// The listening socket could not be opened.
    case bind(address: String, reason: String)

    public var description: String {
        switch self {
        case .notLoopback(let host):
            return "\(host) is not a loopback address: the MCP HTTP gateway listens only on 127.0.0.0/8 or ::1 (e.g. --http 127.0.0.1:8080)"
        case .bind(let address, let reason):
            return "cannot open the MCP HTTP gateway on \(address): \(reason)"
        }
    }
}

/// The HTTP/1.1 listener of `mcpmesh up --http 127.0.0.1:PORT` (docs/mcp-bridge.md, "HTTP
/// gateway"): accepts connections on a loopback address only, reads each request (the body
/// capped at the gateway's largest message), hands it to the `LoopbackGateway` as the SDK's
/// `HTTPRequest`, and writes back its `HTTPResponse` — an SSE body chunk by chunk, each
/// flushed as the session produces it, so progress reaches the client before the result.
public final class HTTPGatewayListener: Sendable {
    /// Bounds on what local clients may hold open.
    public struct Limits: Sendable, Hashable {
        /// Connections open at once; more are closed as soon as they are accepted.
        public var maxConnections: Int
        /// How long a connection may sit without a request in progress (waiting for one, or
        /// still sending its head or body) before it is closed. A response being produced
        /// (an SSE stream included) is not bounded by it.
        public var idleTimeout: TimeAmount

        /// Defaults: 128 connections, 60 s.
        public init(maxConnections: Int = 128, idleTimeout: TimeAmount = .seconds(60)) {
            self.maxConnections = maxConnections
            self.idleTimeout = idleTimeout
        }
    }

    /// The gateway answering the requests.
    public let gateway: LoopbackGateway
    private let channel: any Channel
    private let permits: AsyncStream<Set<RemoteServer>>.Continuation

    /// `http://HOST:PORT`, the base of every server's URL.
    public var urlBase: String { "http://\(gateway.host):\(gateway.port)" }

    /// Binds `host:port` (a numeric loopback address; port 0 picks one) and serves
    /// `permitted` servers, opening a stream with `openStream` for each new MCP session.
    public static func start(host: String, port: Int, permitted: Set<RemoteServer> = [],
                             maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes, limits: Limits = Limits(),
                             group: any EventLoopGroup, logger: Logger,
                             openStream: @escaping LoopbackGateway.StreamOpener) async throws -> HTTPGatewayListener {
        let host = try loopbackHost(host)
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        // Connections accepted before the gateway exists (it needs the bound port) wait for it.
        let made = group.next().makePromise(of: LoopbackGateway.self)
        let gatewayFuture = made.futureResult
        let gate = ConnectionGate(limit: limits.maxConnections, logger: logger)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard gate.enter(channel) else {
                        return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
                    }
                    channel.closeFuture.whenComplete { _ in gate.leave(channel) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPGatewayHandler(gateway: gatewayFuture, maxBodyBytes: maxMessageBytes,
                                               idleTimeout: limits.idleTimeout, logger: logger))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            made.fail(error)
            throw HTTPGatewayError.bind(address: address, reason: "\(error)")
        }
        let gateway = LoopbackGateway(port: channel.localAddress?.port ?? port, host: host, permitted: permitted,
                                      maxMessageBytes: maxMessageBytes, logger: logger, openStream: openStream)
        made.succeed(gateway)
        // Netmap changes apply in order; only the newest set waiting matters.
        let (updates, permits) = AsyncStream.makeStream(of: Set<RemoteServer>.self, bufferingPolicy: .bufferingNewest(1))
        Task {
            for await servers in updates { await gateway.updatePermitted(servers) }
        }
        return HTTPGatewayListener(gateway: gateway, channel: channel, gate: gate, permits: permits)
    }

    private let gate: ConnectionGate

    private init(gateway: LoopbackGateway, channel: any Channel, gate: ConnectionGate,
                 permits: AsyncStream<Set<RemoteServer>>.Continuation) {
        self.gateway = gateway
        self.channel = channel
        self.gate = gate
        self.permits = permits
    }

    /// Client connections open now.
    public var openConnections: Int { gate.count }

    /// Serves `servers` from now on (after a netmap change); sessions with servers no longer
    /// permitted are closed.
    public func permit(_ servers: Set<RemoteServer>) {
        permits.yield(servers)
    }

    /// Stops listening, closes every client connection and every MCP session.
    public func close() async {
        permits.finish()
        try? await channel.close()
        for connection in gate.all { try? await connection.close() }
        await gateway.closeAll()
    }

    /// `host` without brackets when it is a numeric loopback address (127.0.0.0/8 or ::1);
    /// throws otherwise, names included: a name may resolve anywhere.
    public static func loopbackHost(_ host: String) throws(HTTPGatewayError) -> String {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            guard withUnsafeBytes(of: &v4, { $0.first }) == 127 else { throw .notLoopback(host) }
            return bare
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            guard withUnsafeBytes(of: &v6, { Array($0) }) == Array(repeating: 0, count: 15) + [1] else { throw .notLoopback(host) }
            return bare
        }
        throw .notLoopback(host)
    }
}

/// Counts the gateway's open connections against its limit; says so in the log once per
/// stretch of refusals, not once per connection.
final class ConnectionGate: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private let logger: Logger
    private var open: [ObjectIdentifier: any Channel] = [:]
    private var refusing = false

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Whether one more connection may stay open (and counts it if so).
    func enter(_ channel: any Channel) -> Bool {
        let (admitted, firstRefusal) = lock.withLock { () -> (Bool, Bool) in
            guard open.count < limit else {
                defer { refusing = true }
                return (false, !refusing)
            }
            open[ObjectIdentifier(channel)] = channel
            return (true, false)
        }
        if firstRefusal {
            logger.warning("MCP HTTP gateway: connection limit reached; closing new connections until some end",
                           metadata: ["limit": "\(limit)"])
        }
        return admitted
    }

    func leave(_ channel: any Channel) {
        lock.withLock {
            open[ObjectIdentifier(channel)] = nil
            if open.count < limit { refusing = false }
        }
    }

    /// Connections open now.
    var count: Int { lock.withLock { open.count } }
    /// The open connections.
    var all: [any Channel] { lock.withLock { Array(open.values) } }
}

/// One HTTP connection: collects a request, awaits the gateway's answer in a task, and
/// writes it back. `HTTPServerPipelineHandler` (before it) holds a pipelined request back
/// until the previous response has ended, so there is one request at a time.
final class HTTPGatewayHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// Reading a request's body.
        case reading(HTTPRequestHead, ByteBuffer)
        /// Answered 413; the connection closes once that is written.
        case refused
        /// The gateway's answer is being awaited or written.
        case responding(Task<Void, Never>)
    }

    private let gateway: EventLoopFuture<LoopbackGateway>
    private let maxBodyBytes: Int
    private let idleTimeout: TimeAmount
    private let logger: Logger
    private var state = State.idle
    /// This handler's context while it is in the pipeline.
    private var context: ChannelHandlerContext?
    /// Closes the connection when no request is in progress for `idleTimeout`; runs while
    /// the connection waits for a request or reads one, stopped while a response is made.
    private var idleTimer: Scheduled<Void>?

    init(gateway: EventLoopFuture<LoopbackGateway>, maxBodyBytes: Int, idleTimeout: TimeAmount, logger: Logger) {
        self.gateway = gateway
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    private func armIdleTimer(_ context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: idleTimeout) {
            let handler = bound.value
            switch handler.state {
            case .idle, .reading:
                handler.logger.debug("MCP HTTP connection closed: no complete request within the idle timeout")
                handler.context?.close(promise: nil)
            case .refused, .responding:
                break
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = state else { return }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
                return refuseTooLarge(context, head)
            }
            state = .reading(head, context.channel.allocator.buffer(capacity: 0))
        case .body(var chunk):
            guard case .reading(let head, var body) = state else { return }
            guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else { return refuseTooLarge(context, head) }
            state = .idle
            body.writeBuffer(&chunk)
            state = .reading(head, body)
        case .end:
            guard case .reading(let head, let body) = state else { return }
            respond(context, head, Self.request(head, body))
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armIdleTimer(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        idleTimer?.cancel()
        idleTimer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The client went away: stop waiting on (or streaming) its response.
        if case .responding(let task) = state { task.cancel() }
        state = .refused
        context.fireChannelInactive()
    }

    /// The SDK's request: headers joined per name (RFC 9110 5.3), the path without its query.
    static func request(_ head: HTTPRequestHead, _ body: ByteBuffer) -> HTTPRequest {
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let key = name.lowercased()
            headers[key] = headers[key].map { $0 + ", " + value } ?? value
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        return HTTPRequest(method: head.method.rawValue, headers: headers,
                           body: body.readableBytes > 0 ? Data(body.readableBytesView) : nil, path: path)
    }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ request: HTTPRequest) {
        let bound = Bound(self, eventLoop: context.eventLoop)
        let gateway = self.gateway
        let version = head.version
        let keepAlive = head.isKeepAlive
        let task = Task { [request, gateway, bound] in
            await HTTPGatewayHandler.answer(request, version: version, keepAlive: keepAlive, gateway: gateway, bound)
        }
        idleTimer?.cancel()
        idleTimer = nil
        state = .responding(task)
    }

    /// Awaits the gateway's response to `request` and writes it, then ends it; runs in the
    /// request's task.
    private static func answer(_ request: HTTPRequest, version: HTTPVersion, keepAlive: Bool,
                               gateway: EventLoopFuture<LoopbackGateway>, _ bound: Bound) async {
        let response: HTTPResponse
        if let gateway = try? await gateway.get() {
            response = await gateway.handle(request)
        } else {
            response = .error(statusCode: 503, .internalError("the MCP HTTP gateway is not running"))
        }
        var head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.statusCode))
        for (name, value) in response.headers { head.headers.replaceOrAdd(name: name, value: value) }
        if !keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        do {
            switch response {
            case .stream(let events, _):
                try await write(bound, .head(head))
                for try await chunk in events {
                    try await write(bound, .body(.byteBuffer(ByteBuffer(bytes: chunk))))
                }
            case .accepted, .ok, .data, .error:
                let body = response.bodyData ?? Data()
                head.headers.replaceOrAdd(name: "content-length", value: "\(body.count)")
                try await write(bound, .head(head))
                if !body.isEmpty { try await write(bound, .body(.byteBuffer(ByteBuffer(bytes: body)))) }
            }
        } catch {
            // The client went away, or the session's stream broke: end what was sent.
        }
        try? await bound.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            let handler = bound.value
            guard case .responding = handler.state, let context = handler.context else {
                return bound.eventLoop.makeSucceededVoidFuture()
            }
            handler.state = .idle
            handler.armIdleTimer(context)
            let done = context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
            if !keepAlive { done.whenComplete { _ in bound.value.context?.close(promise: nil) } }
            return done
        }.get()
    }

    private typealias Bound = NIOLoopBound<HTTPGatewayHandler>

    /// Writes and flushes one part; returns once it is on the socket, so a slow client
    /// slows the session rather than filling memory.
    private static func write(_ bound: Bound, _ part: HTTPServerResponsePart) async throws {
        try await bound.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            let handler = bound.value
            guard let context = handler.context else { return bound.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
            return context.writeAndFlush(handler.wrapOutboundOut(part))
        }.get()
    }

    private func refuseTooLarge(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        state = .refused
        logger.notice("MCP HTTP request refused: body too large", metadata: ["path": "\(head.uri)", "limit": "\(maxBodyBytes)"])
        let body = HTTPResponse.error(statusCode: 413, .invalidRequest("Payload Too Large: the limit is \(maxBodyBytes) bytes"))
            .bodyData ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "\(body.count)")
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .payloadTooLarge, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
