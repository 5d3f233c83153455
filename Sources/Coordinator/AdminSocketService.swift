import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves the admin socket `DIR/admin.sock` (mode 0600): each connection sends request
/// lines and gets one reply line per request, in order. The socket file is removed on
/// graceful shutdown, so its absence means the server is not running.
public struct AdminSocketService: Service {
    let path: String
    let handler: AdminHandler
    let group: any EventLoopGroup
    let logger: Logger

    public init(path: String, handler: AdminHandler, group: any EventLoopGroup, logger: Logger) {
        self.path = path
        self.handler = handler
        self.group = group
        self.logger = logger
    }

    /// Binds the socket (replacing a stale one left by a crash; the state lock guarantees
    /// no other server uses it) and gives it mode 0600.
    func bind() async throws(CoordinatorError) -> NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never> {
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 32)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(AdminLineDecoder(maximumLength: AdminRequest.maximumLineBytes)))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .listener(what: "admin socket", address: path, reason: Self.reason(error))
        }
        guard chmod(path, 0o600) == 0 else {
            let reason = Posix.lastError()
            try? await server.channel.close()
            throw .listener(what: "admin socket", address: path, reason: "cannot set mode 0600: \(reason)")
        }
        return server
    }

    public func run() async throws {
        let server = try await bind()
        logger.info("admin socket listening", metadata: ["path": "\(path)"])
        defer { unlink(path) }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        logger.info("admin socket closed", metadata: ["path": "\(path)"])
    }

    /// Answers one connection's requests in order until the client closes it.
    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                do {
                    for try await var line in inbound {
                        let bytes = line.readBytes(length: line.readableBytes) ?? []
                        let reply = await handler.handle(line: bytes)
                        try await outbound.write(ByteBuffer(bytes: reply))
                    }
                } catch is AdminLineDecoder.LineTooLong {
                    // Answer before closing, so the client learns why.
                    logger.warning("admin request refused: line longer than \(AdminRequest.maximumLineBytes) bytes")
                    let failure = AdminFailure(code: .badRequest, message: Self.lineTooLongMessage)
                    try await outbound.write(ByteBuffer(bytes: AdminJSON.line(AdminReply<String>.failure(failure, id: nil))))
                }
            }
        } catch {
            logger.debug("admin connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// The answer to a request line over the limit; nothing of it was done.
    static let lineTooLongMessage = "the request is longer than the admin socket's limit of \(AdminRequest.maximumLineBytes) bytes "
        + "(4 MiB); nothing was done"

    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return io.description }
        return String(describing: error)
    }
}
