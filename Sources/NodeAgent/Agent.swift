import ControlCore
import Foundation
import MCPBridge
import Logging
import MeshConnect
import MeshCrypto
import MeshNet
import MeshWire
import NIOCore
import NIOPosix

/// The node agent (`mcpmesh up`): joins with a join key on first run, then runs from its
/// state directory; keeps a control connection to the coordinator, verifies every netmap,
/// persists the last good one and opens sessions to exactly the peers it lists. While the
/// coordinator is down it keeps working on the last good netmap until that expires.
public final class Agent: Sendable {
    public struct Options: Sendable {
        public var stateDirectory: String
        public var joinKey: String?
        public var name: String?
        public var listenHost: String
        public var listenPort: Int
        public var servers: [String]
        /// Replace this node's identity key (signed by the current one) before starting.
        public var rotateKey: Bool
        /// The MCP servers this node publishes (`--config`).
        public var mcpServers: MCPServersConfig?
        /// Where the loopback Streamable HTTP gateway listens (`--http`), if it runs.
        public var http: HTTPAddress?
        /// A numeric loopback address and a port (0 picks one).
        public struct HTTPAddress: Sendable, Equatable {
            public var host: String
            public var port: Int
            public init(host: String, port: Int) { self.host = host; self.port = port }
        }
        public init(stateDirectory: String, joinKey: String?, name: String?, listenHost: String = "0.0.0.0",
                    listenPort: Int = 0, servers: [String] = [], rotateKey: Bool = false) {
            self.stateDirectory = stateDirectory; self.joinKey = joinKey; self.name = name
            self.listenHost = listenHost; self.listenPort = listenPort; self.servers = servers
            self.rotateKey = rotateKey
        }
    }

    public let endpoint: MeshEndpoint
    public let identity: IdentityPublicKey
    let logger: Logger
    let state: NodeStateDirectory
    let stopped: EventLoopPromise<Void>
    /// The agent's state on the endpoint's loop, once started.
    let loopState: NIOLoopBoundBox<AgentLoop?>

    /// Starts the agent; `wait()` returns when it stops (refused by the coordinator, or
    /// `stop()`).
    public static func start(_ options: Options, group: any EventLoopGroup, logger: Logger) async throws -> Agent {
        if let http = options.http { _ = try HTTPGatewayListener.loopbackHost(http.host) }
        let state = try NodeStateDirectory(path: options.stateDirectory)
        var identity = try state.identity()
        var enrollment = try state.enrollment()
        var joinSecret: String?
        if let text = options.joinKey {
            let key: JoinKey
            do { key = try JoinKey(text: text) } catch { throw NodeAgentError.joinKey(error.description) }
            if let e = enrollment, e.coordinatorKey != key.coordinatorKey.text {
                throw NodeAgentError.joinKey("this node already belongs to the coordinator \(e.coordinatorKey); use another --state to join a different mesh")
            }
            if enrollment == nil || enrollment?.nodeId == nil {
                joinSecret = Base64URL.encode(key.secret)
            }
            enrollment = enrollment ?? .init(coordinatorKey: key.coordinatorKey.text, coordinatorAddress: key.coordinatorAddress)
            try state.saveEnrollment(enrollment!)
        }
        guard let enrollment else { throw NodeAgentError.notJoined(options.stateDirectory) }
        let coordinatorKey = try IdentityPublicKey(text: enrollment.coordinatorKey)
        guard let hp = HostPort(enrollment.coordinatorAddress) else {
            throw NodeAgentError.stateDirectory(options.stateDirectory + "/node.json", "has an invalid coordinator address")
        }
        let loop = group.next()
        let coordinatorAddress = try await Self.resolve(hp, on: loop)
        if let pending = try state.pendingIdentity() {
            logger.notice("settling an interrupted key rotation", metadata: ["old": "\(identity.publicKey)", "new": "\(pending.publicKey)"])
            switch try await KeyRotation.recover(old: identity, pending: pending, coordinator: coordinatorKey, address: coordinatorAddress,
                                                 hostname: Self.hostname(), servers: options.servers, loop: loop, logger: logger) {
            case .promoted:
                try state.promoteNextIdentity()
                logger.notice("identity key rotated (the coordinator had taken the new key)",
                              metadata: ["old": "\(identity.publicKey)", "new": "\(pending.publicKey)"])
                identity = pending
            case .discarded:
                try state.discardPendingIdentity()
                logger.notice("the interrupted key rotation never reached the coordinator; keeping the old key (rotate again with --rotate-key)")
            case .postponed(let why):
                logger.warning("an interrupted key rotation waits for the coordinator; running under the old key for now",
                               metadata: ["reason": "\(why)"])
            }
        }
        if options.rotateKey {
            guard enrollment.nodeId != nil else { throw NodeAgentError.notJoined(options.stateDirectory) }
            let next = IdentitySecretKey.generate()
            try state.saveNextIdentity(next)
            try await KeyRotation.run(old: identity, new: next, coordinator: coordinatorKey, address: coordinatorAddress,
                                      hostname: Self.hostname(), servers: options.servers, loop: loop, logger: logger)
            try state.promoteNextIdentity()
            logger.notice("identity key rotated", metadata: ["old": "\(identity.publicKey)", "new": "\(next.publicKey)"])
            identity = next
        }

        let endpoint: MeshEndpoint
        do {
            endpoint = try await MeshEndpoint.bind(host: options.listenHost, port: options.listenPort,
                                                   identity: identity, on: loop)
        } catch {
            throw NodeAgentError.bind("\(options.listenHost):\(options.listenPort): \(error)")
        }
        let publicKey = identity.publicKey
        let agent = Agent(endpoint: endpoint, identity: publicKey, logger: logger, state: state,
                          stopped: loop.makePromise())
        let register = ControlMessage.Register(joinSecret: joinSecret, hostname: Self.hostname(), name: options.name,
                                               servers: options.servers,
                                               endpoints: Self.localEndpoints(endpoint.boundAddress))
        let audit: AuditLog?
        if options.mcpServers != nil {
            do { audit = try AuditLog(path: (options.stateDirectory as NSString).appendingPathComponent("audit.log")) } catch {
                throw NodeAgentError.stateDirectory(options.stateDirectory + "/audit.log", "cannot be opened: \(error)")
            }
        } else {
            audit = nil
        }
        let mcpServers = options.mcpServers
        try await endpoint.execute { handler in
            let runner = AgentLoop(agent: agent, handler: handler, loop: loop, coordinator: coordinatorKey,
                                   coordinatorAddress: coordinatorAddress, register: register, enrollment: enrollment)
            agent.loopState.value = runner
            if let mcpServers, let audit {
                let publisher = MCPPublisher(config: mcpServers, audit: audit, loop: loop, logger: logger)
                runner.publisher = publisher
                runner.serveMCP = { [unowned runner] key, server, tools, channel in
                    let name = runner.acceptor.current?.netmap.peer(withKey: key)?.name ?? key.text
                    return publisher.serve(peer: key, peerName: name, server: server, tools: tools, channel: channel)
                }
                runner.onNetmap = { netmap in publisher.apply(inbound: netmap.inbound) }
            }
            try runner.start()
        }.get()
        logger.notice("mcpmesh agent up", metadata: [
            "key": "\(publicKey)", "listen": "\(endpoint.boundAddress)",
            "coordinator": "\(enrollment.coordinatorAddress)",
        ])
        if let http = options.http {
            do { try await agent.startHTTPGateway(http, group: group) } catch {
                await agent.stop()
                throw error
            }
        }
        return agent
    }

    /// Starts the loopback Streamable HTTP gateway: it serves the remote servers the current
    /// netmap permits, follows every later netmap, and opens mesh streams as `connect` does.
    func startHTTPGateway(_ address: Options.HTTPAddress, group: any EventLoopGroup) async throws {
        let box = loopState
        let loop = endpoint.eventLoop
        let listener = try await HTTPGatewayListener.start(host: address.host, port: address.port, group: group,
                                                           logger: logger) { server in
            try await loop.flatSubmit {
                guard let runner = box.value else {
                    return loop.makeFailedFuture(PeerStreams.ServiceRefusal(message: "the agent is stopping"))
                }
                return runner.openMCPStream(server)
            }.get()
        }
        try await endpoint.execute { _ in
            box.value?.httpGateway = listener
            listener.permit(box.value?.permittedServers() ?? [])
        }.get()
        logger.info("MCP HTTP gateway listening", metadata: ["url": "\(listener.urlBase)", "paths": "/PEER/SERVER/mcp"])
    }

    init(endpoint: MeshEndpoint, identity: IdentityPublicKey, logger: Logger, state: NodeStateDirectory,
         stopped: EventLoopPromise<Void>) {
        self.endpoint = endpoint
        self.identity = identity
        self.logger = logger
        self.state = state
        self.stopped = stopped
        self.loopState = NIOLoopBoundBox.makeEmptyBox(valueType: AgentLoop.self, eventLoop: endpoint.eventLoop)
    }

    /// Waits until the agent stops; throws when the coordinator refused it.
    public func wait() async throws { try await stopped.futureResult.get() }

    /// Reloads the published MCP servers (SIGHUP): new sessions use `config`, and the
    /// coordinator learns the new server names.
    public func reload(_ config: MCPServersConfig) async throws {
        let box = loopState
        try await endpoint.execute { _ in box.value?.reload(config) }.get()
    }

    /// Stops the agent: closes the HTTP gateway and its sessions, then the MCP sessions this
    /// node serves (each upstream ended as at a session's end: a stdio server's process
    /// stopped, an HTTP session DELETEd; at most 3 s) and flushes the audit log, then closes
    /// the mesh socket. The local API stops accepting connections first.
    public func stop() async {
        stopped.succeed(())
        let box = loopState
        _ = try? await endpoint.execute { _ in box.value?.localAPI?.close() }.get()
        let gateway = try? await endpoint.execute { _ in
            defer { box.value?.httpGateway = nil }
            return box.value?.httpGateway
        }.get()
        await gateway?.close()
        let served = try? await endpoint.execute { _ in
            box.value?.publisher.map { ($0.closeAll(reason: "the agent is stopping"), $0.audit) }
        }.get()
        if let (drained, audit) = served {
            try? await drained.get()
            await audit.flush()
        }
        _ = try? await endpoint.close().get()
    }

    static func resolve(_ hp: HostPort, on loop: any EventLoop) async throws -> UDPAddress {
        if let a = try? UDPAddress(ip: hp.host, port: Int(hp.port)) { return a }
        let resolved = try SocketAddress.makeAddressResolvingHost(hp.host, port: Int(hp.port))
        guard let a = UDPAddress(resolved) else { throw NodeAgentError.joinKey("cannot resolve \(hp)") }
        return a
    }

    static func hostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count)
        return String(cString: buf)
    }

    /// The addresses peers may try: the bound address, or every interface's IPv4 address
    /// when bound to the wildcard.
    static func localEndpoints(_ bound: UDPAddress) -> [String] {
        let port = bound.port
        let text = bound.description
        guard text.hasPrefix("0.0.0.0:") || text.hasPrefix("[::]:") else { return [text] }
        var out: [String] = []
        var ifaddr: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&ifaddr) == 0, let first = ifaddr else { return ["127.0.0.1:\(port)"] }
        defer { freeifaddrs(ifaddr) }
        var p: UnsafeMutablePointer<ifaddrs>? = first
        while let cur = p {
            if let sa = cur.pointee.ifa_addr, sa.pointee.sa_family == UInt16(AF_INET) {
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(sa, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                    out.append("\(String(cString: host)):\(port)")
                }
            }
            p = cur.pointee.ifa_next
        }
        return out.isEmpty ? ["127.0.0.1:\(port)"] : Array(Set(out)).sorted()
    }
}

/// The agent's state on the endpoint's loop: the control client, the netmap acceptor, and
/// the application of each netmap to the sessions core.
final class AgentLoop {
    let agent: Agent
    let handler: MeshUDPHandler
    let loop: any EventLoop
    let coordinator: IdentityPublicKey
    let coordinatorAddress: UDPAddress
    var acceptor: NetmapAcceptor
    var enrollment: NodeStateDirectory.Enrollment
    let control: ControlClient
    let streams: PeerStreams
    /// Answers incoming MCP sessions: given the peer, the server and the tools it may use,
    /// returns a refusal text or nil after taking the channel. Set by the MCP publisher.
    var serveMCP: ((IdentityPublicKey, String, [String], MeshStreamChannel) -> String?)?
    /// Told of every netmap applied (the MCP publisher closes sessions that lost their grant).
    var onNetmap: ((Netmap) -> Void)?
    var publisher: MCPPublisher?
    /// The loopback HTTP gateway (`--http`), told the permitted servers of every netmap.
    var httpGateway: HTTPGatewayListener?
    /// `mcpmesh logout` asked the coordinator to remove this node: its refusal that follows
    /// is the confirmation, not an error.
    var loggingOut = false
    /// The local API's listening socket (`STATE/agent.sock`), closed when the agent stops.
    var localAPI: LocalAPIServer?

    /// A new MCP server config (SIGHUP): new sessions use it; the coordinator learns the names.
    func reload(_ config: MCPServersConfig) {
        guard let publisher else {
            agent.logger.warning("reload ignored: this agent was started without --config")
            return
        }
        publisher.config = config
        control.update(servers: config.names, endpoints: nil)
        agent.logger.notice("MCP server config reloaded", metadata: ["servers": "\(config.names)"])
    }

    init(agent: Agent, handler: MeshUDPHandler, loop: any EventLoop, coordinator: IdentityPublicKey,
         coordinatorAddress: UDPAddress, register: ControlMessage.Register, enrollment: NodeStateDirectory.Enrollment) {
        self.agent = agent
        self.handler = handler
        self.loop = loop
        self.coordinator = coordinator
        self.coordinatorAddress = coordinatorAddress
        self.enrollment = enrollment
        self.acceptor = NetmapAcceptor(coordinatorKey: coordinator, nodeKey: agent.identity)
        self.control = ControlClient(handler: handler, loop: loop, coordinator: coordinator, register: register,
                                     logger: agent.logger)
        self.streams = PeerStreams(handler: handler, logger: agent.logger)
    }

    /// Decides on a service stream a peer opened: the destination enforces the policy.
    func accept(_ key: IdentityPublicKey, _ header: PeerStreams.Header, _ channel: MeshStreamChannel) -> String? {
        guard let netmap = acceptor.usableNetmap(now: Netmap.Time(Date())), netmap.peer(withKey: key) != nil else {
            return "this node's netmap does not list you"
        }
        switch header.service {
        case "ping":
            // Answered with the accepting line, then finished.
            loop.execute { channel.finish() }
            return nil
        case "mcp":
            guard let server = header.server else { return "an mcp stream must name a server" }
            guard let tools = netmap.inbound[key]?[server] else {
                return "the mesh policy does not let \(netmap.peer(withKey: key)?.name ?? "you") use \(server) on this node"
            }
            guard let serveMCP else { return "this node does not serve MCP sessions (no --config)" }
            return serveMCP(key, server, tools, channel)
        default:
            return "unknown service \(header.service)"
        }
    }

    func start() throws {
        try handler.addPeer(coordinator, endpoint: coordinatorAddress)
        if let bytes = agent.state.lastNetmap() {
            switch acceptor.restore(bytes, now: Netmap.Time(Date())) {
            case .success(let signed):
                agent.logger.notice("restored the last good netmap", metadata: ["version": "\(signed.netmap.version)", "peers": "\(signed.netmap.peers.count)"])
                apply(signed.netmap)
            case .failure(let error):
                agent.logger.warning("the saved netmap is not usable", metadata: ["reason": "\(error)"])
            }
        }
        // The handler keeps this loop state alive for the endpoint's lifetime.
        streams.accept = { [unowned self] key, header, channel in self.accept(key, header, channel) }
        let socketPath = (agent.state.path as NSString).appendingPathComponent("agent.sock")
        do {
            localAPI = try LocalAPIServer.start(path: socketPath, loop: loop, delegate: NIOLoopBound(self, eventLoop: loop))
            agent.logger.info("local API listening", metadata: ["socket": "\(socketPath)"])
        } catch {
            agent.logger.error("cannot open the local API socket", metadata: ["socket": "\(socketPath)", "error": "\(error)"])
        }
        handler.onEvent = { event in
            switch event {
            case .datagram(let from, let payload, let counter) where from != self.coordinator:
                self.streams.datagram(from: from, payload: payload, counter: counter)
            case .handshakeFailed(let k) where k == self.coordinator, .peerRestarted(let k) where k == self.coordinator:
                self.control.sessionEvent(event)
            case .socketClosed(let reason):
                self.agent.logger.error("the mesh socket closed", metadata: ["reason": "\(reason)"])
            default:
                break
            }
        }
        control.onRegistered = { [unowned self] r in
            agent.logger.notice("registered with the coordinator", metadata: ["name": "\(r.name)", "id": "\(r.nodeId)", "tags": "\(r.tags)"])
            enrollment.nodeId = r.nodeId
            enrollment.name = r.name
            do { try agent.state.saveEnrollment(enrollment) } catch {
                agent.logger.error("cannot save the enrollment", metadata: ["error": "\(error)"])
            }
        }
        control.onNetmap = { [unowned self] bytes in self.received(bytes) }
        control.onRefused = { [unowned self] failure in
            if loggingOut {
                // The coordinator confirms the logout by no longer knowing this node.
                do {
                    try agent.state.forgetMembership()
                    agent.logger.notice("logged out: the coordinator removed this node; its identity and netmap are deleted (join again with `mcpmesh up --join JOINKEY`)")
                } catch {
                    agent.logger.error("logged out, but the state directory could not be cleared", metadata: ["error": "\(error)"])
                }
                agent.stopped.succeed(())
                return
            }
            agent.logger.error("the coordinator refused this node", metadata: ["code": "\(failure.code.rawValue)", "reason": "\(failure.message)"])
            agent.stopped.fail(NodeAgentError.refused(failure.message))
        }
        control.start()
    }

    func received(_ bytes: [UInt8]) {
        switch acceptor.accept(bytes, now: Netmap.Time(Date())) {
        case .success(let signed):
            do { try agent.state.saveNetmap(envelope: bytes) } catch {
                agent.logger.error("cannot save the netmap", metadata: ["error": "\(error)"])
            }
            agent.logger.info("netmap accepted", metadata: [
                "version": "\(signed.netmap.version)", "peers": "\(signed.netmap.peers.map { $0.name })",
                "policy": "\(signed.netmap.policyVersion)",
            ])
            apply(signed.netmap)
        case .failure(let error):
            agent.logger.warning("netmap refused", metadata: ["reason": "\(error)"])
        }
    }

    /// Makes the allowed peers exactly the netmap's, plus the coordinator; peers that left
    /// lose their streams at once.
    func apply(_ netmap: Netmap) {
        let listed = Set(netmap.peers.map(\.key))
        for key in handler.sessions.peerIdentities where key != coordinator && !listed.contains(key) {
            streams.drop(key)
        }
        onNetmap?(netmap)
        httpGateway?.permit(Self.permittedServers(netmap))
        var peers: [IdentityPublicKey: UDPAddress?] = [coordinator: coordinatorAddress]
        for p in netmap.peers {
            let address = p.endpoints.lazy.compactMap { try? UDPAddress(ip: $0.host, port: Int($0.port)) }.first
            peers[p.key] = address
        }
        do { try handler.setPeers(peers) } catch {
            agent.logger.error("cannot apply the netmap's peers", metadata: ["error": "\(error)"])
        }
    }
}
