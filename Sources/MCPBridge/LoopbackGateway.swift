import Foundation
import Logging
import MCP

/// The loopback Streamable HTTP endpoint of `mcpmesh up --http 127.0.0.1:PORT`: each
/// permitted remote server is served at `/PEER/SERVER/mcp`, and each MCP session there is
/// carried over its own mesh stream.
///
/// The gateway is framework-agnostic, like the SDK's server transports: the HTTP listener
/// (bound to loopback only) turns each request into the SDK's `HTTPRequest`, awaits
/// `handle(_:)`, and writes back the `HTTPResponse` (streaming the `.stream` case's SSE
/// body). Per MCP session the gateway runs one SDK `StatefulHTTPServerTransport` (session
/// ids, SSE streams per request, the GET stream, DELETE, resumption) joined by
/// `TransportPump` to a `ByteStreamTransport` on the stream `openStream` returns.
///
/// Against DNS rebinding every request is checked before anything else: it must carry a
/// `Host` naming the loopback address and port (`127.0.0.1`, `localhost`, `[::1]`, or the
/// address the listener is bound to), and an `Origin`, when present, must be such an http
/// origin (the SDK's `OriginValidator`).
/// A page on another site that rebinds its name to 127.0.0.1 therefore gets 421 or 403 and
/// never reaches the mesh.
public actor LoopbackGateway {
    /// Opens a byte stream to `server` on its peer (the agent does so over the mesh; the
    /// serving node enforces the policy on it). Throws when the peer cannot be reached.
    public typealias StreamOpener = @Sendable (RemoteServer) async throws -> ByteStream

    private struct Session {
        var server: RemoteServer
        var transport: StatefulHTTPServerTransport
        var pump: Task<Void, Never>
    }

    /// The port the listener is bound to (Host and Origin must name it).
    public nonisolated let port: Int
    /// The loopback address the listener is bound to, as a URL names it (`127.0.0.1`,
    /// `[::1]`); Host and Origin may name it besides `localhost`.
    public nonisolated let host: String
    /// The largest JSON-RPC message carried, and so the largest request body worth reading.
    public nonisolated let maxMessageBytes: Int
    /// Sessions open at once, at most.
    public nonisolated let maxSessions: Int
    private let openStream: StreamOpener
    private let logger: Logger
    private var permitted: Set<RemoteServer>
    private var sessions: [String: Session] = [:]

    /// A gateway for a listener on loopback `host` (`127.0.0.1` unless given) and `port`,
    /// serving `permitted` servers.
    public init(port: Int, host: String = "127.0.0.1", permitted: Set<RemoteServer>, maxSessions: Int = 64,
                maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes, logger: Logger? = nil,
                openStream: @escaping StreamOpener) {
        self.port = port
        self.host = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.permitted = permitted
        self.maxSessions = maxSessions
        self.maxMessageBytes = maxMessageBytes
        self.openStream = openStream
        self.logger = logger ?? Logger(label: "mcpmesh.loopback", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// The validators every request passes, first the DNS-rebinding checks.
    public nonisolated var validators: [any HTTPRequestValidator] {
        let local = OriginValidator.localhost(port: port)
        let origin = OriginValidator(allowedHosts: local.allowedHosts + ["\(host):\(port)"],
                                     allowedOrigins: local.allowedOrigins + ["http://\(host):\(port)"])
        return [HostRequiredValidator(), origin, AcceptHeaderValidator(mode: .sseRequired),
                ContentTypeValidator(), ProtocolVersionValidator(), SessionValidator()]
    }

    /// The URL of `server` on this gateway.
    public nonisolated func url(of server: RemoteServer) -> String { "http://\(host):\(port)\(server.path)" }

    /// The servers served, after a netmap change; sessions with servers no longer permitted
    /// are closed.
    public func updatePermitted(_ servers: Set<RemoteServer>) async {
        permitted = servers
        for (id, session) in sessions where !servers.contains(session.server) {
            await end(id, session)
        }
    }

    /// The MCP sessions open, by server.
    public var openSessions: [RemoteServer] { sessions.values.map(\.server).sorted() }

    /// Closes every session.
    public func closeAll() async {
        for (id, session) in sessions { await end(id, session) }
    }

    /// Answers one HTTP request.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let context = HTTPValidationContext(httpMethod: request.method.uppercased(),
                                            sessionID: request.header(HTTPHeaderName.sessionID))
        for validator in validators.prefix(2) {
            if let refusal = validator.validate(request, context: context) { return refusal }
        }
        guard let path = request.path, let server = RemoteServer(path: path), permitted.contains(server) else {
            return .error(statusCode: 404, .invalidRequest("Not Found: no permitted MCP server at \(request.path ?? "/")"))
        }
        if let id = request.header(HTTPHeaderName.sessionID) {
            guard let session = sessions[id], session.server == server else {
                return .error(statusCode: 404, .invalidRequest("Not Found: unknown or ended MCP session"))
            }
            let response = await session.transport.handleRequest(request)
            if request.method.uppercased() == "DELETE", response.statusCode == 200 { await end(id, session) }
            return response
        }
        return await startSession(server, request)
    }

    // MARK: - Sessions

    private func startSession(_ server: RemoteServer, _ request: HTTPRequest) async -> HTTPResponse {
        guard request.method.uppercased() == "POST", let body = request.body,
              (try? JSONRPCMessage.parse(body))?.method == Initialize.name else {
            return .error(statusCode: 400, .invalidRequest("Bad Request: Missing \(HTTPHeaderName.sessionID) header"))
        }
        guard sessions.count < maxSessions else {
            return .error(statusCode: 503, .internalError("too many MCP sessions open on this endpoint (\(maxSessions))"))
        }
        let stream: ByteStream
        do {
            stream = try await openStream(server)
        } catch {
            logger.notice("cannot open a mesh stream", metadata: ["server": "\(server)", "error": "\(error)"])
            return .error(statusCode: 502, .internalError("cannot reach \(server): \(error)"))
        }
        let transport = StatefulHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: validators),
                                                    logger: logger)
        let mesh = ByteStreamTransport(stream: stream, maxMessageBytes: maxMessageBytes, logger: logger)
        // The transport buffers what `handleRequest` receives until the pump connects it.
        let response = await transport.handleRequest(request)
        guard let id = response.headers[HTTPHeaderName.sessionID] else {
            await transport.disconnect()
            await stream.close()
            return response
        }
        let pump = Task {
            let reason = await TransportPump.run(transport, mesh)
            await self.pumpEnded(id, reason: reason)
        }
        sessions[id] = Session(server: server, transport: transport, pump: pump)
        return response
    }

    private func pumpEnded(_ id: String, reason: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        logger.debug("MCP session ended", metadata: ["server": "\(session.server)", "reason": "\(reason)"])
        await session.transport.disconnect()
    }

    private func end(_ id: String, _ session: Session) async {
        sessions.removeValue(forKey: id)
        session.pump.cancel()
        await session.transport.disconnect()
    }
}
