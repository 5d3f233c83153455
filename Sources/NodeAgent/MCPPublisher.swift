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

    init(config: MCPServersConfig, audit: AuditLog, loop: any EventLoop, logger: Logger) {
        self.config = config
        self.audit = audit
        self.loop = loop
        self.logger = logger
        self.environment = StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment)
    }

    /// Starts a session for `peer` (named `peerName`) on `server` with `tools` granted.
    /// Returns a refusal, or nil when the session runs on `channel`.
    func serve(peer: IdentityPublicKey, peerName: String, server: String, tools: [String],
               channel: MeshStreamChannel) -> String? {
        guard let upstreamConfig = config.servers[server] else {
            return "this node does not publish a server named \(server)"
        }
        let upstream: any Transport
        switch upstreamConfig {
        case .stdio(let c):
            upstream = StdioUpstream(config: c, baseEnvironment: environment, logger: logger)
        case .http(let c):
            // A session of its own with the server, with the config's headers on every
            // request; the session's end (`ServingSession.run`) disconnects it, which DELETEs it.
            upstream = HTTPUpstream(config: c, logger: logger)
        }
        let client = ByteStreamTransport(stream: Self.byteStream(channel, loop: loop), logger: logger)
        let log = audit
        let session = ServingSession(peer: peerName, server: server, grant: ToolGrant(globs: tools),
                                     client: client, upstream: upstream, audit: { log.record($0) }, logger: logger)
        sessions[peer, default: []].append((server, session))
        logger.info("MCP session opened", metadata: ["peer": "\(peerName)", "server": "\(server)", "tools": "\(tools)"])
        let loop = self.loop
        let me = NIOLoopBound(self, eventLoop: loop)
        Task {
            let end = await session.run()
            loop.execute {
                me.value.sessions[peer]?.removeAll { $0.session === session }
                me.value.logger.info("MCP session ended", metadata: ["peer": "\(peerName)", "server": "\(server)", "reason": "\(end.reason)",
                                                                     "bytes_in": "\(end.bytesIn)", "bytes_out": "\(end.bytesOut)"])
            }
        }
        return nil
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

    /// A mesh stream as the bridge's byte stream: reads arrive from the loop, writes and
    /// close hop to it (once per message, not per packet).
    static func byteStream(_ channel: MeshStreamChannel, loop: any EventLoop) -> ByteStream {
        let (inbound, sink) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        channel.onData = { bytes in sink.yield(bytes) }
        channel.onEnd = { reason in
            if let reason { sink.finish(throwing: MCPBridgeError.io(what: "the mesh stream", reason: reason)) } else { sink.finish() }
        }
        let bound = NIOLoopBound(channel, eventLoop: loop)
        return ByteStream(inbound: inbound, write: { bytes in
            try await loop.submit { bound.value.send(bytes) }.get()
        }, close: {
            try? await loop.submit { bound.value.finishAfterSending() }.get()
        })
    }
}
