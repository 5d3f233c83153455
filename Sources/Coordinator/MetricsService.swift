import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` (Prometheus text format) over plain HTTP on `--metrics HOST:PORT`.
/// Meant for loopback or a private network: it has no authentication.
public struct MetricsService: Service {
    let host: String
    let port: Int
    let metrics: CoordinatorMetrics
    let group: any EventLoopGroup
    let logger: Logger

    public init(host: String, port: Int, metrics: CoordinatorMetrics, group: any EventLoopGroup, logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.group = group
        self.logger = logger
    }

    public func run() async throws {
        let metrics = self.metrics
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 32)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw CoordinatorError.listener(what: "metrics endpoint", address: "\(host):\(port)",
                                            reason: AdminSocketService.reason(error))
        }
        logger.info("metrics endpoint listening", metadata: ["url": "http://\(host):\(port)/metrics"])
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers one HTTP request at a time: `GET /metrics` with the metrics, anything else 404
/// (or 405 for another method on `/metrics`).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: CoordinatorMetrics
    private var request: HTTPRequestHead?

    init(metrics: CoordinatorMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            if path == "/metrics" {
                if head.method == .GET || head.method == .HEAD {
                    respond(context: context, head: head, status: .ok,
                            contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
                } else {
                    respond(context: context, head: head, status: .methodNotAllowed, contentType: "text/plain",
                            body: "only GET /metrics is served\n")
                }
            } else {
                respond(context: context, head: head, status: .notFound, contentType: "text/plain",
                        body: "not found; metrics are at /metrics\n")
            }
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus,
                         contentType: String, body: String) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
