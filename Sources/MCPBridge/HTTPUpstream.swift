import Foundation
import Logging
import MCP

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One remote session's own session with a Streamable HTTP MCP server (MCP 2025-06-18,
/// "Transports: Streamable HTTP"), as the SDK's `Transport`.
///
/// Each message is POSTed with `Accept: application/json, text/event-stream`; a JSON body
/// yields one message, an SSE body yields each event's message as it arrives (progress
/// notifications before the result). The `Mcp-Session-Id` the server assigns on initialize
/// is sent with every later request, and `MCP-Protocol-Version` once negotiated. After
/// `notifications/initialized` a GET stream carries the server's own requests and
/// notifications, if the server offers one. `disconnect()` DELETEs the session.
///
/// Requests do not wait for one another's responses: a long call holds up neither other
/// calls nor the `notifications/cancelled` that ends it, even from a server that answers in
/// JSON (and so sends no response head before the result).
///
/// Failures reach the client as JSON-RPC errors on the request that hit them
/// (`RPCErrorCode.upstreamUnavailable`); a session the server forgot (404) ends the session.
///
/// The SDK's `HTTPClientTransport` is not used: on Linux it cannot stream SSE (it hands the
/// raw event-stream body over as one message), which servers use for every long call.
public actor HTTPUpstream: Transport {
    /// Limits and timing.
    public struct Options: Sendable, Hashable {
        /// The largest message accepted from the server.
        public var maxMessageBytes: Int
        /// How long a request may go without data before it fails.
        public var idleTimeout: Duration
        /// Whether to open the GET stream for server-initiated messages.
        public var listenForServerMessages: Bool

        /// Options with every value given (defaults: 64 MiB, 5 minutes, listening).
        public init(maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes, idleTimeout: Duration = .seconds(300),
                    listenForServerMessages: Bool = true) {
            self.maxMessageBytes = maxMessageBytes
            self.idleTimeout = idleTimeout
            self.listenForServerMessages = listenForServerMessages
        }
    }

    public nonisolated let logger: Logger
    /// The server this session is with.
    public nonisolated let config: HTTPServerConfig
    private let options: Options
    private let session: URLSession
    private let delegate = ExchangeDelegate()
    private let messages: AsyncThrowingStream<Data, any Error>
    private let sink: AsyncThrowingStream<Data, any Error>.Continuation

    /// The session id the server assigned, once initialized.
    public private(set) var sessionID: String?
    /// The protocol version the server chose in its initialize result.
    public private(set) var protocolVersion: String?
    private var listening: Task<Void, Never>?
    private var closed = false

    /// A session with the server `config` describes.
    public init(config: HTTPServerConfig, options: Options = Options(), logger: Logger? = nil) {
        self.config = config
        self.options = options
        self.logger = logger ?? Logger(label: "mcpmesh.upstream.\(config.name)", factory: { _ in SwiftLogNoOpLogHandler() })
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(options.idleTimeout.nanoseconds) / 1e9
        configuration.httpCookieAcceptPolicy = .never
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        (messages, sink) = AsyncThrowingStream.makeStream()
    }

    // MARK: - Transport

    /// Nothing to do: the first POST (initialize) opens the HTTP session.
    public func connect() async throws {
        guard !closed else { throw MCPBridgeError.notConnected(what: "MCP server \"\(config.name)\"") }
    }

    /// Ends the HTTP session (DELETE, when the server assigned one) and stops listening.
    public func disconnect() async {
        guard !closed else { return }
        closed = true
        listening?.cancel()
        if let sessionID {
            var request = baseRequest(method: "DELETE")
            request.setValue(sessionID, forHTTPHeaderField: "Mcp-Session-Id")
            request.timeoutInterval = 2
            _ = try? await exchange(request, awaitBody: true)
        }
        session.invalidateAndCancel()
        sink.finish()
    }

    /// POSTs one message. A request returns once it is on its way: a server may hold a
    /// response's head until the result is ready (a JSON response does), and what the client
    /// sends next — a `notifications/cancelled`, another call — must not wait behind it. The
    /// initialize request returns after its whole response (the session id and protocol
    /// version come from it), notifications and responses once the server accepted them.
    /// Bodies stream into `receive()`.
    public func send(_ data: Data) async throws {
        guard !closed else { throw MCPBridgeError.notConnected(what: "MCP server \"\(config.name)\"") }
        let message = try? JSONRPCMessage.parse(data)
        var requestID: ID?
        if case .request(let id, _)? = message?.kind { requestID = id }
        let isInitialize = message?.method == Initialize.name
        var request = baseRequest(method: "POST")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = data
        if let requestID, !isInitialize {
            let inSession = sessionID != nil
            start(request, version: nil) { head in _ = self.check(head, answering: requestID, inSession: inSession) }
            return
        }
        let head: Result<HTTPExchange.Head, any Error>
        do {
            head = .success(try await exchange(request, awaitBody: isInitialize))
        } catch {
            head = .failure(error)
        }
        if case .success(let h) = head, let id = h.sessionID, sessionID == nil { sessionID = id }
        guard check(head, answering: requestID, inSession: sessionID != nil && !isInitialize) else { return }
        if message?.method == InitializedNotification.name, options.listenForServerMessages, listening == nil {
            listening = Task { await self.listen() }
        }
    }

    /// Whether the server accepted a POST, given its response `head`; if not, answers the
    /// request `id` with an error, or ends the stream when the server forgot the session
    /// (404 while `inSession`).
    private nonisolated func check(_ head: Result<HTTPExchange.Head, any Error>, answering id: ID?, inSession: Bool) -> Bool {
        switch head {
        case .failure(let error):
            failed(id, "the MCP server cannot be reached: \(error)")
            return false
        case .success(let head) where (200..<300).contains(head.status):
            return true
        case .success(let head) where head.status == 404 && inSession:
            sink.finish(throwing: MCPBridgeError.upstreamFailed(server: config.name, reason: "the server no longer knows this HTTP session (404)"))
            return false
        case .success(let head):
            failed(id, "the MCP server answered HTTP \(head.status)")
            return false
        }
    }

    /// The server's messages, from POST responses and the GET stream.
    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    // MARK: - Requests

    private func baseRequest(method: String) -> URLRequest {
        var request = URLRequest(url: config.url)
        request.httpMethod = method
        for (name, value) in config.headers { request.setValue(value, forHTTPHeaderField: name) }
        if let sessionID { request.setValue(sessionID, forHTTPHeaderField: "Mcp-Session-Id") }
        if let protocolVersion { request.setValue(protocolVersion, forHTTPHeaderField: "MCP-Protocol-Version") }
        return request
    }

    /// Runs `request`; returns its head, or after its whole body when `awaitBody` (then an
    /// initialize result's protocol version is recorded first).
    private func exchange(_ request: URLRequest, awaitBody: Bool) async throws -> HTTPExchange.Head {
        let version = awaitBody ? VersionCatcher() : nil
        let ended = AsyncStream<Void>.makeStream()
        let head: HTTPExchange.Head = try await withCheckedThrowingContinuation { continuation in
            start(request, version: version, onEnd: { ended.continuation.finish() }) { continuation.resume(with: $0) }
        }
        if let version {
            for await _ in ended.stream {}
            if let caught = version.value { protocolVersion = caught }
        }
        return head
    }

    /// Starts `request`: its head goes to `onHead`, each message of its body to `receive()`
    /// (and to `version`, if given), and `onEnd` runs when it is over.
    private func start(_ request: URLRequest, version: VersionCatcher?, onEnd: @escaping @Sendable () -> Void = {},
                       onHead: @escaping @Sendable (Result<HTTPExchange.Head, any Error>) -> Void) {
        let sink = self.sink
        let exchange = HTTPExchange(
            limit: options.maxMessageBytes,
            onHead: onHead,
            onMessage: { data in
                version?.catchVersion(in: data)
                sink.yield(data)
            },
            onEnd: { error in
                if let error, case .messageTooLarge? = error as? MCPBridgeError { sink.finish(throwing: error) }
                onEnd()
            })
        let task = session.dataTask(with: request)
        delegate.register(exchange, for: task)
        task.resume()
    }

    /// Holds the GET stream open while the session lasts, reopening it when the server
    /// closes it (at most a few times a minute).
    private func listen() async {
        var attempts = 0
        while !closed, !Task.isCancelled, attempts < 5 {
            attempts += 1
            var request = baseRequest(method: "GET")
            request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
            request.timeoutInterval = 24 * 3600
            let sink = self.sink
            let ended = AsyncStream<Void>.makeStream()
            let head: HTTPExchange.Head? = try? await withCheckedThrowingContinuation { continuation in
                let exchange = HTTPExchange(limit: options.maxMessageBytes, onHead: { continuation.resume(with: $0) },
                                            onMessage: { sink.yield($0) }, onEnd: { _ in ended.continuation.finish() })
                let task = session.dataTask(with: request)
                delegate.register(exchange, for: task)
                task.resume()
            }
            guard let head, head.status == 200, head.contentType.hasPrefix("text/event-stream") else {
                logger.debug("no GET stream for server messages", metadata: ["server": "\(config.name)"])
                return
            }
            for await _ in ended.stream {}
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Answers the request `id` (if the failed message was a request) with an error.
    private nonisolated func failed(_ id: ID?, _ reason: String) {
        logger.notice("request to the MCP server failed", metadata: ["server": "\(config.name)", "reason": "\(reason)"])
        guard let id else { return }
        sink.yield(RPCErrorResponse(id: id, code: RPCErrorCode.upstreamUnavailable, message: reason).bytes)
    }
}

/// Catches `result.protocolVersion` from an initialize response read on the delegate queue.
private final class VersionCatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var caught: String?

    var value: String? { lock.withLock { caught } }

    func catchVersion(in data: Data) {
        guard let message = try? JSONRPCMessage.parse(data), case .response(_, false) = message.kind,
              let version = (try? message.withBody { scanner, fields throws(MCPBridgeError) -> String? in
                  guard let range = fields["protocolVersion"], scanner.kind(of: range) == .string else { return nil }
                  return try scanner.string(in: range)
              }) ?? nil else { return }
        lock.withLock { caught = version }
    }
}
