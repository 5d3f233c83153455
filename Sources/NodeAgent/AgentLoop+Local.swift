import ControlCore
import Foundation
import Logging
import MCPBridge
import MeshCrypto
import MeshNet
import MeshWire
import NIOCore

/// The local API's requests, answered from the agent's loop state.
extension AgentLoop: LocalAPIDelegate {
    func answer(_ request: LocalRequest, reply: @escaping ([UInt8]) -> Void) {
        switch request.op {
        case "status": reply(Self.json(status()))
        case "servers": reply(Self.json(["ok": true, "servers": servers()]))
        case "ping": ping(request.peer, reply: reply)
        case "logout":
            loggingOut = true
            control.logout()
            reply(Self.json(["ok": true]))
            // The coordinator confirms by refusing the node (see `onRefused`); without an
            // answer (coordinator unreachable) the agent stops anyway and says so.
            loop.scheduleTask(in: .seconds(5)) {
                self.agent.logger.warning("logout: no confirmation from the coordinator within 5 s; stopping anyway (the node stays registered until an admin removes it)")
                self.agent.stopped.succeed(())
            }
        default: reply(LocalAPIHandler.error("unknown request \"\(request.op)\""))
        }
    }

    func connect(_ request: LocalRequest, stdio: ClientStdioOffer, toClient: @escaping ([UInt8]) -> Void,
                 closed: @escaping (String?) -> Void, ready: @escaping (String?, LocalPipe?) -> Void) {
        var clientFDs: (input: Int32, output: Int32)?
        var refused: String?
        switch stdio {
        case .none: break
        case .descriptors(let input, let output): clientFDs = (input, output)
        case .refused(let why): refused = why
        }
        func closeClientFDs() {
            if let fds = clientFDs { DescriptorPassing.closeAll([fds.input, fds.output]) }
            clientFDs = nil
        }
        guard let peerName = request.peer, let server = request.server else {
            closeClientFDs()
            return ready("connect needs a peer and a server", nil)
        }
        let logger = agent.logger
        openMCP(peer: peerName, server: server) { [loop] result in
            switch result {
            case .failure(let refusal):
                closeClientFDs()
                ready(refusal.message, nil)
            case .success(let channel):
                func opened(_ stdio: String, refused: String? = nil) {
                    var metadata: Logger.Metadata = ["peer": "\(peerName)", "server": "\(server)", "stdio": "\(stdio)"]
                    if let refused { metadata["stdio_refused"] = "\(refused)" }
                    logger.info("MCP client session opened", metadata: metadata)
                }
                func relay(refused: String?) {
                    opened("relayed", refused: refused)
                    let pipe = LocalPipe()
                    // Bounded both ways: past 1 MiB queued for the mesh stream, the client is
                    // not read until the stream has taken it down to half; a client that does
                    // not read its replies leaves the mesh stream unread.
                    var clientPaused = false
                    pipe.fromClient = { [weak pipe] bytes in
                        channel.send(bytes)
                        if !clientPaused, channel.pendingBytes > Self.relayHighWater {
                            clientPaused = true
                            pipe?.pauseClient(true)
                        }
                    }
                    channel.onTaken = { [weak pipe] _ in
                        if clientPaused, channel.pendingBytes <= Self.relayHighWater / 2 {
                            clientPaused = false
                            pipe?.pauseClient(false)
                        }
                    }
                    pipe.clientBackedUp = { backedUp in
                        if backedUp { channel.pauseReading() } else { channel.resumeReading() }
                    }
                    pipe.clientClosed = { channel.finishAfterSending() }
                    channel.onData = { bytes in toClient(bytes) }
                    channel.onEnd = { reason in closed(reason) }
                    ready(nil, pipe)
                }
                guard let fds = clientFDs else { return relay(refused: refused) }
                clientFDs = nil
                // `serve` closes the descriptors when it fails.
                ClientStdio.serve(input: fds.input, output: fds.output, stream: channel, loop: loop, ended: closed)
                    .whenComplete { result in
                        switch result {
                        case .success(let stdio):
                            opened("agent")
                            let pipe = LocalPipe()
                            pipe.servesClientStdio = true
                            pipe.clientClosed = {
                                stdio.close(promise: nil)
                                channel.finishAfterSending()
                            }
                            ready(nil, pipe)
                        case .failure(let error):
                            relay(refused: "the agent cannot serve the descriptors: \(error)")
                        }
                    }
            }
        }
    }

    /// Opens an MCP session's stream to `server` on the peer named `peerName`, if this
    /// node's netmap lets it (the peer enforces the policy again): for `mcpmesh connect` and
    /// the HTTP gateway alike. `done` gets the channel, or why not, on this loop.
    func openMCP(peer peerName: String, server: String,
                 done: @escaping (Result<MeshStreamChannel, PeerStreams.ServiceRefusal>) -> Void) {
        func refuse(_ message: String) { done(.failure(PeerStreams.ServiceRefusal(message: message))) }
        guard let netmap = acceptor.usableNetmap(now: Netmap.Time(Date())) else {
            return refuse("this node has no valid netmap yet (is the coordinator reachable?)")
        }
        guard let peer = netmap.peer(named: peerName) else {
            return refuse("no peer named \(peerName) in this node's netmap (see `mcpmesh servers`)")
        }
        guard netmap.outbound[peer.key]?[server] != nil else {
            return refuse("the mesh policy grants this node no access to \(peerName)/\(server)")
        }
        // A peer that is off or unreachable would otherwise leave the caller waiting for the
        // session layer to give up on its handshakes (90 s).
        var settled = false
        let timeout = loop.scheduleTask(in: Self.openTimeout) {
            guard !settled else { return }
            settled = true
            refuse("\(peerName) did not answer within \(Self.openTimeout.nanoseconds / 1_000_000_000) s "
                   + "(it may be offline or unreachable from here; see `mcpmesh status` and `mcpmesh ping \(peerName)`)")
        }
        streams.open(to: peer.key, header: .init(v: 1, service: "mcp", server: server)) { result in
            guard !settled else {
                // Too late: the caller was told it failed. End the stream the peer opened.
                if case .success(let channel) = result { channel.reset() }
                return
            }
            settled = true
            timeout.cancel()
            done(result.mapError { PeerStreams.ServiceRefusal(message: "\(peerName) refused the session: \($0.message)") })
        }
    }

    /// Bytes of a relayed client queued for the mesh stream before the client is paused.
    static let relayHighWater = 1 << 20

    /// How long opening an MCP session's stream may take (handshake included).
    static let openTimeout: TimeAmount = .seconds(15)

    /// An MCP session's stream for the HTTP gateway, as the bridge's byte stream.
    func openMCPStream(_ server: RemoteServer) -> EventLoopFuture<ByteStream> {
        let promise = loop.makePromise(of: ByteStream.self)
        openMCP(peer: server.peer, server: server.server) { [loop] result in
            promise.completeWith(result.map { MeshByteStream.make($0, loop: loop) }.mapError { $0 as any Error })
        }
        return promise.futureResult
    }

    /// The remote servers the netmap lets this node use: what `mcpmesh servers` lists, and
    /// what the HTTP gateway serves.
    static func permittedServers(_ netmap: Netmap) -> Set<RemoteServer> {
        var out: Set<RemoteServer> = []
        for (key, servers) in netmap.outbound {
            let peer = netmap.peer(withKey: key)?.name ?? key.text
            for server in servers.keys { out.insert(RemoteServer(peer: peer, server: server)) }
        }
        return out
    }

    /// The servers the current netmap permits (none without a usable netmap).
    func permittedServers() -> Set<RemoteServer> {
        acceptor.usableNetmap(now: Netmap.Time(Date())).map(Self.permittedServers) ?? []
    }

    func status() -> [String: Any] {
        let now = Date()
        let netmap = acceptor.current?.netmap
        var peers: [[String: Any]] = []
        for p in netmap?.peers ?? [] {
            let s = handler.status(of: p.key)
            var entry: [String: Any] = [
                "name": p.name, "key": p.key.text, "online": p.online, "tags": p.tags,
                "path": "direct", "tx_bytes": s?.txBytes ?? 0, "rx_bytes": s?.rxBytes ?? 0,
                "endpoint": s?.endpoint ?? (p.endpoints.first?.description ?? ""),
            ]
            if let t = s?.lastHandshakeAt {
                let age = (handler.now() - t).seconds
                entry["handshake_age_s"] = age
                // A session within the reject time means the peer is up, whatever the
                // netmap said when it was issued.
                if age < 180, s?.hasSession == true { entry["online"] = true }
            }
            peers.append(entry)
        }
        var status: [String: Any] = [
            "ok": true,
            "self": ["name": enrollment.name ?? "", "key": agent.identity.text, "id": enrollment.nodeId ?? 0],
            "coordinator": ["address": enrollment.coordinatorAddress, "connected": control.isRegistered],
            "netmap": netmap.map { ["version": $0.version, "expires_in_s": Double($0.expiresAt.unixMilliseconds) / 1000 - now.timeIntervalSince1970,
                                    "policy_version": $0.policyVersion] as [String: Any] } ?? [:],
            "peers": peers,
        ]
        if let httpGateway { status["http"] = ["url": httpGateway.urlBase] }
        return status
    }

    func servers() -> [[String: Any]] {
        guard let netmap = acceptor.usableNetmap(now: Netmap.Time(Date())) else { return [] }
        var out: [[String: Any]] = []
        for (key, servers) in netmap.outbound {
            let name = netmap.peer(withKey: key)?.name ?? key.text
            for (server, tools) in servers.sorted(by: { $0.key < $1.key }) {
                var entry: [String: Any] = ["peer": name, "server": server, "tools": tools]
                if let httpGateway { entry["url"] = httpGateway.gateway.url(of: RemoteServer(peer: name, server: server)) }
                out.append(entry)
            }
        }
        return out.sorted { ($0["peer"] as! String, $0["server"] as! String) < ($1["peer"] as! String, $1["server"] as! String) }
    }

    func ping(_ peerName: String?, reply: @escaping ([UInt8]) -> Void) {
        guard let peerName, let netmap = acceptor.usableNetmap(now: Netmap.Time(Date())),
              let peer = netmap.peer(named: peerName) else {
            return reply(LocalAPIHandler.error("no peer named \(peerName ?? "?") in this node's netmap"))
        }
        let start = handler.now()
        var done = false
        let timeout = loop.scheduleTask(in: .seconds(10)) {
            if !done { done = true; reply(LocalAPIHandler.error("no answer from \(peerName) within 10 s")) }
        }
        streams.open(to: peer.key, header: .init(v: 1, service: "ping", server: nil)) { [unowned self] result in
            guard !done else { return }
            done = true
            timeout.cancel()
            switch result {
            case .failure(let r): reply(LocalAPIHandler.error("\(peerName): \(r.message)"))
            case .success(let channel):
                channel.finish()
                let ms = (handler.now() - start).seconds * 1000
                let endpoint = handler.status(of: peer.key)?.endpoint ?? "?"
                reply(Self.json(["ok": true, "peer": peerName, "rtt_ms": ms, "path": "direct", "endpoint": endpoint]))
            }
        }
    }

    static func json(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)) + [0x0a]
    }
}
