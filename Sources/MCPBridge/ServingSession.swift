import Foundation
import Logging
import MCP
import MeshWire

/// One remote peer's session with one MCP server on this node: the shell around
/// `ToolFilter` that moves messages between the peer's transport (a `ByteStreamTransport`
/// on a mesh stream) and the upstream's (a `StdioUpstream` of its own, or an `HTTPUpstream`),
/// carries out the filter's actions, and writes the audit log.
///
/// `run()` connects both sides and returns when either side ends, the grant is withdrawn
/// (`updateGrant(nil)`) or `close(reason:)` is called; it then disconnects both sides (which
/// ends a stdio server's process) and writes the session's audit record.
///
/// The filter and the counters sit behind a lock rather than in an actor: a message is
/// filtered and handed to the other side by the task that received it, with no hop (the
/// transports' `send` is not isolated either), which is what keeps a round trip to a few
/// wake-ups when the agent runs the session on its event loop. Each side's messages are
/// handled in order, one at a time.
public final class ServingSession: Sendable {
    /// How a session ended.
    public struct End: Sendable, Hashable {
        /// Why, in words for an operator and the audit log.
        public var reason: String
        /// Bytes received from the peer and sent to it.
        public var bytesIn: Int, bytesOut: Int
    }

    /// The peer's node name.
    public let peer: String
    /// The server's name.
    public let server: String
    private struct State {
        var filter: ToolFilter
        var bytesIn = 0, bytesOut = 0
    }
    private let state: LockedValue<State>
    private let client: any Transport
    private let upstream: any Transport
    private let audit: @Sendable (AuditRecord) -> Void
    private let clock: SessionClock
    private let logger: Logger
    private let stops: AsyncStream<String>
    private let stopSink: AsyncStream<String>.Continuation

    /// A session for `peer` on `server` under `grant`, between `client` and `upstream`.
    public init(peer: String, server: String, grant: ToolGrant, client: any Transport, upstream: any Transport,
                audit: @escaping @Sendable (AuditRecord) -> Void, clock: SessionClock = .system(),
                limits: ToolFilter.Limits = .init(), logger: Logger? = nil) {
        self.peer = peer
        self.server = server
        self.state = LockedValue(State(filter: ToolFilter(peer: peer, server: server, grant: grant, limits: limits)))
        self.client = client
        self.upstream = upstream
        self.audit = audit
        self.clock = clock
        self.logger = logger ?? Logger(label: "mcpmesh.session", factory: { _ in SwiftLogNoOpLogHandler() })
        (stops, stopSink) = AsyncStream.makeStream()
    }

    /// Runs the session to its end.
    public func run() async -> End {
        let started = clock.now()
        let reason = await relay()
        let now = clock.now()
        for action in state.withLock({ $0.filter.sessionEnded(now: now) }) { await perform(action) }
        await client.disconnect()
        await upstream.disconnect()
        let (bytesIn, bytesOut) = state.withLock { ($0.bytesIn, $0.bytesOut) }
        audit(AuditRecord(time: clock.wallTime(), peer: peer, server: server, method: "session", tool: nil,
                          decision: .allowed, durationMs: AuditRecord.milliseconds(clock.now() - started),
                          bytesIn: bytesIn, bytesOut: bytesOut, outcome: reason))
        return End(reason: reason, bytesIn: bytesIn, bytesOut: bytesOut)
    }

    /// Applies a policy change; `nil` (no grant left) ends the session.
    public func updateGrant(_ grant: ToolGrant?) async {
        let now = clock.now()
        for action in state.withLock({ $0.filter.updateGrant(grant, now: now) }) { await perform(action) }
    }

    /// Ends the session for `reason`.
    public func close(reason: String) {
        stopSink.yield(reason)
    }

    /// The grant in force, nil once withdrawn.
    public var grant: ToolGrant? { state.withLock { $0.filter.grant } }

    // MARK: - Relaying

    private func relay() async -> String {
        do {
            try await upstream.connect()
        } catch {
            return "the MCP server could not be started: \(error)"
        }
        do {
            try await client.connect()
        } catch {
            return "the peer's stream could not be opened: \(error)"
        }
        let fromClient = await client.receive(), fromUpstream = await upstream.receive(), stops = self.stops
        return await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    for try await message in fromClient { await self.clientMessage(message) }
                    return "the peer closed the session"
                } catch {
                    return "the peer's stream failed: \(error)"
                }
            }
            group.addTask {
                do {
                    for try await message in fromUpstream { await self.upstreamMessage(message) }
                    return "the MCP server ended the session"
                } catch {
                    return "the MCP server failed: \(error)"
                }
            }
            group.addTask {
                for await reason in stops { return reason }
                return "closed"
            }
            let first = await group.next() ?? "closed"
            group.cancelAll()
            stopSink.finish()
            return first
        }
    }

    private func clientMessage(_ data: Data) async {
        let now = clock.now()
        let actions = state.withLock { state in
            state.bytesIn += data.count
            return state.filter.clientMessage(data, now: now)
        }
        for action in actions { await perform(action) }
    }

    private func upstreamMessage(_ data: Data) async {
        let now = clock.now()
        for action in state.withLock({ $0.filter.upstreamMessage(data, now: now) }) { await perform(action) }
    }

    private func perform(_ action: ToolFilter.Action) async {
        switch action {
        case .toUpstream(let data):
            do {
                try await upstream.send(data)
            } catch {
                close(reason: "the MCP server cannot be written to: \(error)")
            }
        case .toClient(let data):
            state.withLock { $0.bytesOut += data.count }
            do {
                try await client.send(data)
            } catch {
                close(reason: "the peer's stream cannot be written to: \(error)")
            }
        case .audit(let call):
            audit(AuditRecord(call: call, peer: peer, server: server, time: clock.wallTime()))
        case .dropped(let side, let reason):
            logger.notice("message not passed on", metadata: ["from": "\(side.rawValue)", "peer": "\(peer)",
                                                               "server": "\(server)", "reason": "\(reason)"])
        case .closeSession(let reason):
            close(reason: reason)
        }
    }
}
