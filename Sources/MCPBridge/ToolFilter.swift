import Foundation
import MCP
import MeshWire

/// Enforcement of one peer's grant on one MCP session, at the node that serves the server
/// (design principle 1: the destination enforces). A pure state machine: it takes each
/// message from the client (the remote peer) or from the upstream server, with `now`, and
/// returns what to do.
///
/// - `tools/list` results are rewritten to hold only permitted tools; every other field of
///   the result (the pagination cursor, `_meta`, …) and of each kept tool stays byte for byte.
/// - `tools/call` of a tool the grant does not cover is answered here with error
///   `RPCErrorCode.toolNotPermitted` and never reaches the server.
/// - Everything else passes unchanged: initialize, ping, resources, prompts, completions,
///   notifications (progress, cancelled, list_changed, …), requests the server makes of the
///   client and the client's responses to them.
///
/// The filter tracks the ids of the client's requests in flight to know what each response
/// answers; a response to no request in flight is dropped. Messages that are not strict
/// JSON-RPC are refused (client) or dropped (server) rather than forwarded, since the bridge
/// cannot vouch for what another parser would make of them. Batches are split and their
/// elements handled one by one. When the grant changes the filter applies the new one at
/// once; when it is withdrawn the filter closes and asks for the session to end.
public struct ToolFilter: Sendable {
    /// Bounds on what one session may make the filter remember.
    public struct Limits: Sendable, Hashable {
        /// Requests the client may have in flight at once.
        public var maxPendingRequests: Int
        /// Limits with every bound given.
        public init(maxPendingRequests: Int = 10_000) { self.maxPendingRequests = maxPendingRequests }
    }

    /// Which side a message came from.
    public enum Side: String, Sendable, Hashable {
        case client, upstream
    }

    /// What the shell must do after a message or a grant change.
    public enum Action: Sendable, Hashable {
        /// Send these bytes (one message) to the upstream server.
        case toUpstream(Data)
        /// Send these bytes (one message) to the client.
        case toClient(Data)
        /// Write this call to the audit log.
        case audit(CallAudit)
        /// A message from `side` was not passed on, for `reason` (worth a log line).
        case dropped(Side, reason: String)
        /// End the session: the grant is gone.
        case closeSession(reason: String)
    }

    /// Whether the session may go on.
    public enum Phase: Sendable, Hashable {
        /// Messages flow under this grant.
        case open(ToolGrant)
        /// The grant was withdrawn; nothing flows any more.
        case closed(reason: String)
    }

    /// The peer's node name, for messages.
    public let peer: String
    /// The server's name on this node, for messages.
    public let server: String
    /// Whether messages flow, and under which grant.
    public private(set) var phase: Phase
    var pending: PendingRequests
    /// True once the server's initialize result says it announces tool list changes.
    var upstreamAnnouncesToolChanges = false

    /// A filter for `peer` using `server` under `grant`.
    public init(peer: String, server: String, grant: ToolGrant, limits: Limits = Limits()) {
        self.peer = peer
        self.server = server
        self.phase = .open(grant)
        self.pending = PendingRequests(capacity: limits.maxPendingRequests)
    }

    /// The grant in force, or nil once the filter is closed.
    public var grant: ToolGrant? {
        switch phase {
        case .open(let grant): return grant
        case .closed: return nil
        }
    }

    /// Requests of the client awaiting a response from the server.
    public var requestsInFlight: Int { pending.count }

    /// Handles one message (or batch) the client sent.
    public mutating func clientMessage(_ data: Data, now: Instant) -> [Action] {
        guard case .open(let grant) = phase else { return [.dropped(.client, reason: "the session is closed")] }
        return forEachMessage(data, from: .client) { filter, message in filter.client(message, grant: grant, now: now) }
    }

    /// Handles one message (or batch) the upstream server sent.
    public mutating func upstreamMessage(_ data: Data, now: Instant) -> [Action] {
        guard case .open(let grant) = phase else { return [.dropped(.upstream, reason: "the session is closed")] }
        return forEachMessage(data, from: .upstream) { filter, message in filter.upstream(message, grant: grant, now: now) }
    }

    /// Applies a policy change: `nil` when the peer no longer has any grant on the server.
    ///
    /// A narrower or wider grant applies to the next message. If the server announced tool
    /// list changes, the client is told the list changed so that it asks again. A withdrawn
    /// grant closes the filter and returns `closeSession`, with the calls still in flight.
    public mutating func updateGrant(_ newGrant: ToolGrant?, now: Instant) -> [Action] {
        guard case .open(let old) = phase else { return [] }
        guard let newGrant else {
            let reason = "the mesh policy no longer grants peer \"\(peer)\" access to server \"\(server)\""
            phase = .closed(reason: reason)
            return unansweredCalls(now: now, outcome: "unanswered") + [.closeSession(reason: reason)]
        }
        guard newGrant != old else { return [] }
        phase = .open(newGrant)
        guard upstreamAnnouncesToolChanges else { return [] }
        let notification = (try? JSONEncoder().encode(ToolListChangedNotification.message())) ?? Data()
        return notification.isEmpty ? [] : [.toClient(notification)]
    }

    /// The session ended: audits the calls still awaiting their response as `unanswered`.
    public mutating func sessionEnded(now: Instant) -> [Action] {
        unansweredCalls(now: now, outcome: "unanswered")
    }

    // MARK: - Shared

    /// Splits a batch and applies `handle` to each message, or to the one message.
    private mutating func forEachMessage(_ data: Data, from side: Side,
                                         _ handle: (inout ToolFilter, Data) -> [Action]) -> [Action] {
        let elements: [Data]?
        do {
            elements = try JSONRPCMessage.batchElements(data)
        } catch {
            return invalid(data, from: side, error)
        }
        guard let elements else { return handle(&self, data) }
        guard !elements.isEmpty else {
            if side == .upstream { return [.dropped(.upstream, reason: "an empty batch")] }
            return [.toClient(RPCErrorResponse(id: nil, code: RPCErrorCode.invalidRequest,
                                               message: "Invalid Request: an empty batch").bytes)]
        }
        return elements.flatMap { handle(&self, $0) }
    }

    /// What to do with a message that is not strict JSON-RPC from `side`.
    func invalid(_ data: Data, from side: Side, _ error: MCPBridgeError) -> [Action] {
        switch side {
        case .upstream:
            return [.dropped(.upstream, reason: error.description)]
        case .client:
            let code: Int
            if case .invalidJSON = error { code = RPCErrorCode.parseError } else { code = RPCErrorCode.invalidRequest }
            let reply = RPCErrorResponse(id: JSONRPCMessage.bestEffortID(data), code: code,
                                         message: error.description)
            return [.toClient(reply.bytes), .dropped(.client, reason: error.description)]
        }
    }

    private mutating func unansweredCalls(now: Instant, outcome: String) -> [Action] {
        pending.removeAll().compactMap { entry in
            guard entry.method == CallTool.name else { return nil }
            return .audit(CallAudit(method: entry.method, tool: entry.tool, decision: .allowed,
                                    duration: now - entry.started, bytesIn: entry.bytesIn, bytesOut: 0,
                                    outcome: entry.cancelled ? "cancelled" : outcome))
        }
    }
}
