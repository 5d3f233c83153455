import Foundation
import Logging
import MCP
import MCPBridge
import MeshCrypto
import MeshWire
import NIOCore

/// Serves this node's MCP servers to peers (design: "MCP on a node"): each remote session
/// on a mesh stream gets its own upstream (a stdio process, or an HTTP session), with the
/// peer's grant enforced in between by `MCPBridge.ServingSession` — `tools/list` shows only
/// granted tools, any other `tools/call` is refused — and every session and call written to
/// the audit log. When a netmap withdraws or narrows a grant, open sessions follow at once.
/// Lives on the agent's loop; sessions run as tasks.
final class MCPPublisher {
    /// The servers published; replaced by a reload (SIGHUP). Open sessions keep the upstream
    /// they started with; new sessions use the new config.
    var config: MCPServersConfig
    let audit: AuditLog
    let loop: any EventLoop
    let logger: Logger
    let environment: [String: String]
    private var sessions: [IdentityPublicKey: [(server: String, session: ServingSession)]] = [:]
    /// Set by `closeAll`: no new session starts.
    private var closing = false
    /// `closeAll`'s callers, told when the last session has ended.
    private var drainWaiters: [EventLoopPromise<Void>] = []
    /// The loop as the sessions' task executor, where there are task executors.
    private let taskExecutor: (any Sendable)?

    init(config: MCPServersConfig, audit: AuditLog, loop: any EventLoop, logger: Logger) {
        self.config = config
        self.audit = audit
        self.loop = loop
        self.logger = logger
        self.environment = StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment)
        if #available(macOS 15.0, *) { taskExecutor = EventLoopTaskExecutor(loop: loop) } else { taskExecutor = nil }
    }

    /// Starts a session for `peer` (named `peerName`) on `server` with `tools` granted.
    /// Returns a refusal, or nil when the session runs on `channel`.
    func serve(peer: IdentityPublicKey, peerName: String, server: String, tools: [String],
               channel: MeshStreamChannel) -> String? {
        guard !closing else { return "this node is stopping" }
        guard let upstreamConfig = config.servers[server] else {
            return "this node does not publish a server named \(server)"
        }
        let upstream: any Transport
        switch upstreamConfig {
        case .stdio(let c):
            upstream = StdioUpstream(config: c, baseEnvironment: environment,
                                     outputReader: EventLoopStdioReader(loop: loop), logger: logger)
        case .http(let c):
            // A session of its own with the server, with the config's headers on every
            // request; the session's end (`ServingSession.run`) disconnects it, which DELETEs it.
            upstream = HTTPUpstream(config: c, logger: logger)
        }
        let client = ByteStreamTransport(stream: MeshByteStream.make(channel, loop: loop), logger: logger)
        let log = audit
        let session = ServingSession(peer: peerName, server: server, grant: ToolGrant(globs: tools),
                                     client: client, upstream: upstream, audit: { log.record($0) }, logger: logger)
        sessions[peer, default: []].append((server, session))
        logger.info("MCP session opened", metadata: ["peer": "\(peerName)", "server": "\(server)", "tools": "\(tools)"])
        let loop = self.loop
        let me = NIOLoopBound(self, eventLoop: loop)
        let ended: @Sendable (ServingSession.End) -> Void = { end in
            loop.execute { me.value.ended(session, peer: peer, peerName: peerName, server: server, end) }
        }
        // The session runs on this loop (its task executor), beside its mesh stream.
        if #available(macOS 15.0, *), let executor = taskExecutor as? EventLoopTaskExecutor {
            Task(executorPreference: executor) { ended(await session.run()) }
        } else {
            Task { ended(await session.run()) }
        }
        return nil
    }

    private func ended(_ session: ServingSession, peer: IdentityPublicKey, peerName: String, server: String,
                       _ end: ServingSession.End) {
        sessions[peer]?.removeAll { $0.session === session }
        if sessions[peer]?.isEmpty == true { sessions[peer] = nil }
        logger.info("MCP session ended", metadata: ["peer": "\(peerName)", "server": "\(server)", "reason": "\(end.reason)",
                                                   "bytes_in": "\(end.bytesIn)", "bytes_out": "\(end.bytesOut)"])
        if sessions.isEmpty { finishDrain() }
    }

    /// Ends every open session for `reason` and waits until all have ended — their stdio
    /// servers stopped, their HTTP sessions DELETEd, their audit records handed to the log —
    /// for at most `timeout` (by default a little more than a stdio server's 2 s from SIGTERM
    /// to SIGKILL). No session starts after. For the agent's shutdown, while the loop still
    /// carries the sessions' streams.
    func closeAll(reason: String, timeout: TimeAmount = .seconds(3)) -> EventLoopFuture<Void> {
        closing = true
        guard !sessions.isEmpty else { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        drainWaiters.append(promise)
        for (_, list) in sessions {
            for (_, session) in list { session.close(reason: reason) }
        }
        let me = NIOLoopBound(self, eventLoop: loop)
        loop.scheduleTask(in: timeout) {
            if !me.value.drainWaiters.isEmpty {
                me.value.logger.warning("MCP sessions still open at shutdown", metadata: ["count": "\(me.value.sessions.values.map(\.count).reduce(0, +))"])
            }
            me.value.finishDrain()
        }
        return promise.futureResult
    }

    private func finishDrain() {
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for w in waiters { w.succeed() }
    }

    /// Applies a new netmap's inbound grants to open sessions: narrowed, widened or ended.
    func apply(inbound: [IdentityPublicKey: Netmap.ServerTools]) {
        for (peer, list) in sessions {
            for (server, session) in list {
                let grant = inbound[peer]?[server].map(ToolGrant.init(globs:))
                Task { await session.updateGrant(grant) }
            }
        }
    }
}
