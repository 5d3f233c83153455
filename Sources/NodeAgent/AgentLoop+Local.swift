import ControlCore
import Foundation
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
            control.logout()
            reply(Self.json(["ok": true]))
            loop.scheduleTask(in: .milliseconds(500)) { self.agent.stopped.succeed(()) }
        default: reply(LocalAPIHandler.error("unknown request \"\(request.op)\""))
        }
    }

    func connect(_ request: LocalRequest, toClient: @escaping ([UInt8]) -> Void, closed: @escaping (String?) -> Void,
                 ready: @escaping (String?, LocalPipe?) -> Void) {
        guard let peerName = request.peer, let server = request.server else { return ready("connect needs a peer and a server", nil) }
        guard let netmap = acceptor.usableNetmap(now: Netmap.Time(Date())) else {
            return ready("this node has no valid netmap yet (is the coordinator reachable?)", nil)
        }
        guard let peer = netmap.peer(named: peerName) else {
            return ready("no peer named \(peerName) in this node's netmap (see `mcpmesh servers`)", nil)
        }
        guard netmap.outbound[peer.key]?[server] != nil else {
            return ready("the mesh policy grants this node no access to \(peerName)/\(server)", nil)
        }
        streams.open(to: peer.key, header: .init(v: 1, service: "mcp", server: server)) { result in
            switch result {
            case .failure(let refusal):
                ready("\(peerName) refused the session: \(refusal.message)", nil)
            case .success(let channel):
                let pipe = LocalPipe()
                pipe.fromClient = { bytes in channel.send(bytes) }
                pipe.clientClosed = { channel.finishAfterSending() }
                channel.onData = { bytes in toClient(bytes) }
                channel.onEnd = { reason in closed(reason) }
                ready(nil, pipe)
            }
        }
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
        return [
            "ok": true,
            "self": ["name": enrollment.name ?? "", "key": agent.identity.text, "id": enrollment.nodeId ?? 0],
            "coordinator": ["address": enrollment.coordinatorAddress, "connected": control.isRegistered],
            "netmap": netmap.map { ["version": $0.version, "expires_in_s": Double($0.expiresAt.unixMilliseconds) / 1000 - now.timeIntervalSince1970,
                                    "policy_version": $0.policyVersion] as [String: Any] } ?? [:],
            "peers": peers,
        ]
    }

    func servers() -> [[String: Any]] {
        guard let netmap = acceptor.usableNetmap(now: Netmap.Time(Date())) else { return [] }
        var out: [[String: Any]] = []
        for (key, servers) in netmap.outbound {
            let name = netmap.peer(withKey: key)?.name ?? key.text
            for (server, tools) in servers.sorted(by: { $0.key < $1.key }) {
                out.append(["peer": name, "server": server, "tools": tools])
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
