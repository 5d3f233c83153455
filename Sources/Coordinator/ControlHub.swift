import ControlCore
import Foundation
import Logging
import MeshConnect
import MeshCrypto
import MeshNet
import MeshStream
import MeshWire
import NIOCore
import Registry

/// The control listener's state on its event loop: one `NodeSession` per peer with a
/// session, the netmap builder, and the bridge to `CoordinatorState` (an actor: each control
/// message hops there once; no packet does).
final class ControlHub {
    let handler: MeshUDPHandler
    let loop: any EventLoop
    let state: CoordinatorState
    var builder: NetmapBuilder
    let logger: Logger
    let metrics: CoordinatorMetrics
    var sessions: [IdentityPublicKey: NodeSession] = [:]
    var policyVersion: Int64?

    /// A newcomer that has not registered within this time is dropped.
    static let registerDeadline: TimeAmount = .seconds(10)

    init(handler: MeshUDPHandler, loop: any EventLoop, state: CoordinatorState, builder: NetmapBuilder,
         logger: Logger, metrics: CoordinatorMetrics) {
        self.handler = handler
        self.loop = loop
        self.state = state
        self.builder = builder
        self.logger = logger
        self.metrics = metrics
    }

    func start(snapshot: CoordinatorSnapshot) {
        policyVersion = snapshot.policyVersion
        // Registered nodes are known peers: their handshakes need no admission slot.
        for n in snapshot.nodes.values where !n.isExpired(at: Date()) {
            if let key = try? IdentityPublicKey(text: n.publicKey) { try? handler.addPeer(key, endpoint: nil) }
        }
        handler.onEvent = { [unowned self] event in self.event(event) }
        // Every minute: netmaps near expiry are re-signed, and connected nodes' last-seen
        // times are refreshed (ephemeral nodes are removed only once they went away).
        loop.scheduleRepeatedTask(initialDelay: .minutes(1), delay: .minutes(1)) { [weak self] _ in
            guard let self else { return }
            let due = self.builder.needsReissue(now: Netmap.Time(Date()))
            self.push(to: due)
            for s in self.sessions.values where s.online {
                if let node = s.node { self.report(node, endpoints: nil, servers: nil) }
            }
        }
    }

    // MARK: Sessions

    private func event(_ event: MeshEvent) {
        switch event {
        case .handshakeCompleted(let key, _):
            metrics.handshakes.increment()
            session(for: key)
        case .datagram(let key, let payload, let counter):
            // A peer whose stream connection ended is starting a new one.
            let s = session(for: key)
            s.peer.receive(payload, counter: counter, now: handler.now())
        case .endpointChanged(let key, let address):
            if let s = sessions[key], let node = s.node {
                s.observed = address.description
                report(node, endpoints: s.endpoints, servers: nil)
            }
        case .peerRestarted, .handshakeFailed, .socketClosed:
            break
        }
    }

    @discardableResult
    private func session(for key: IdentityPublicKey) -> NodeSession {
        if let s = sessions[key] { return s }
        let peer = StreamPeer(peer: key, handler: handler)
        let s = NodeSession(key: key, peer: peer)
        s.observed = handler.sessions.endpoint(of: key)?.description
        sessions[key] = s
        peer.onEvent = { [unowned self, unowned s] _, e in self.streamEvent(s, e) }
        peer.onRestart = { [unowned self, unowned s] _ in s.reset(); self.setOnline(s, false) }
        loop.scheduleTask(in: Self.registerDeadline) { [weak self, weak s] in
            guard let self, let s, s.node == nil, self.sessions[s.key] === s else { return }
            self.logger.info("dropping a peer that did not register in time", metadata: ["key": "\(s.key)"])
            self.drop(s)
        }
        return s
    }

    private func drop(_ s: NodeSession) {
        setOnline(s, false)
        s.peer.detach()
        sessions[s.key] = nil
        if s.node == nil { handler.removePeer(s.key) }
    }

    private func streamEvent(_ s: NodeSession, _ e: StreamEvent) {
        let control = StreamID(index: 0, opener: s.peer.role.peer)
        switch e {
        case .readable(control):
            s.buffer += s.peer.update { $0.read(from: control) }
            let messages: [ControlMessage]
            do { messages = try ControlFrame.decode(from: &s.buffer) } catch {
                logger.warning("malformed control message", metadata: ["key": "\(s.key)", "error": "\(error)"])
                refuse(s, ControlFailure(.badRequest, error.description))
                metrics.error(.control)
                return
            }
            for m in messages { handle(s, m) }
        case .connectionClosed(let reason):
            logger.info("control connection closed", metadata: ["node": "\(s.node?.name ?? "-")", "reason": "\(reason)"])
            if let node = s.node { report(node, endpoints: nil, servers: nil) }
            setOnline(s, false)
            s.peer.detach()
            sessions[s.key] = nil
        default:
            break
        }
    }

    private func send(_ s: NodeSession, _ m: ControlMessage) {
        let frame = ControlFrame.encode(m)
        let control = StreamID(index: 0, opener: s.peer.role.peer)
        s.peer.update { conn in _ = conn.write(frame, to: control) }
    }

    private func refuse(_ s: NodeSession, _ f: ControlFailure) {
        send(s, .error(f))
        let control = StreamID(index: 0, opener: s.peer.role.peer)
        s.peer.update { $0.finish(control) }
    }

    // MARK: Control messages

    private func handle(_ s: NodeSession, _ m: ControlMessage) {
        switch m {
        case .register(let r):
            register(s, r)
        case .update(let u):
            guard let node = s.node else { return refuse(s, ControlFailure(.notRegistered, "register first")) }
            if let e = u.endpoints { s.reported = e }
            report(node, endpoints: u.endpoints.map { _ in s.endpoints }, servers: u.servers)
        case .logout:
            guard let node = s.node else { return }
            let state = self.state
            Task { _ = try? await state.removeNode(named: node.name, actor: "node:\(node.name)") }
        case .rotateKey(let envelope):
            rotate(s, envelope)
        case .registered, .netmap, .error:
            refuse(s, ControlFailure(.badRequest, "a node does not send \(m)"))
        }
    }

    private func register(_ s: NodeSession, _ r: ControlMessage.Register) {
        s.reported = r.endpoints
        let key = s.key
        let endpoints = s.endpoints
        let state = self.state
        let name = (r.name?.isEmpty == false ? r.name! : r.hostname)
        let registration = NodeRegistration(name: Self.sanitize(name), publicKey: key.text, servers: r.servers,
                                            endpoints: endpoints, keyExpiry: Date().addingTimeInterval(180 * 86400))
        let joinHash = r.joinSecret.flatMap(Base64URL.decode).map(JoinKey.hash(secret:))
        let promise = loop.makePromise(of: Result<RegisteredNode, ControlFailure>.self)
        let servers = r.servers
        Task {
            promise.succeed(await ControlHub.resolve(state: state, key: key.text, endpoints: endpoints, servers: servers,
                                               registration: registration, joinHash: joinHash))
        }
        promise.futureResult.whenSuccess { [unowned self] result in
            switch result {
            case .failure(let f):
                logger.notice("registration refused", metadata: ["key": "\(key)", "reason": "\(f.message)"])
                refuse(s, f)
            case .success(let node):
                s.node = node
                try? handler.addPeer(key, endpoint: nil)  // known from now on, not admitted
                setOnline(s, true)
                send(s, .registered(.init(nodeId: UInt64(node.id.rawValue), name: node.name, tags: node.tags,
                                          keyExpiry: Int64(node.keyExpiry.timeIntervalSince1970 * 1000))))
                logger.notice("node connected", metadata: ["node": "\(node.name)", "key": "\(key)", "endpoints": "\(endpoints)"])
                push(to: [Netmap.NodeID(UInt64(node.id.rawValue))])
            }
        }
    }

    /// Key rotation: the envelope is signed by the key the session authenticated and names
    /// the new key; the registry takes it, peers get netmaps with it, and the node
    /// reconnects under the new key.
    private func rotate(_ s: NodeSession, _ envelope: [UInt8]) {
        guard let node = s.node else { return refuse(s, ControlFailure(.notRegistered, "register before rotating the key")) }
        let newKey: IdentityPublicKey
        do {
            let payload = try SignedEnvelope.open(envelope, context: .keyRotation, signer: s.key)
            newKey = try IdentityPublicKey(text: String(decoding: payload, as: UTF8.self))
        } catch {
            return refuse(s, ControlFailure(.badRequest, "the key rotation is not signed by this node's current key or names no valid key: \(error)"))
        }
        let state = self.state
        let promise = loop.makePromise(of: Result<RegisteredNode, ControlFailure>.self)
        Task {
            do {
                let rotated = try await state.rotateNodeKey(node.id, newPublicKey: newKey.text,
                                                            keyExpiry: Date().addingTimeInterval(180 * 86400))
                promise.succeed(.success(rotated))
            } catch {
                promise.succeed(.failure(ControlHub.failure(error)))
            }
        }
        promise.futureResult.whenSuccess { [unowned self] result in
            switch result {
            case .failure(let f):
                refuse(s, f)
            case .success(let rotated):
                try? handler.addPeer(newKey, endpoint: nil)
                send(s, .registered(.init(nodeId: UInt64(rotated.id.rawValue), name: rotated.name, tags: rotated.tags,
                                          keyExpiry: Int64(rotated.keyExpiry.timeIntervalSince1970 * 1000))))
                logger.notice("node rotated its key", metadata: ["node": "\(rotated.name)", "old": "\(s.key)", "new": "\(newKey)"])
                // The old key's session ends once the answer had time to go out.
                setOnline(s, false)
                s.node = nil
                let old = s.key
                loop.scheduleTask(in: .seconds(2)) { [weak self, weak s] in
                    guard let self, let s, self.sessions[old] === s else { return }
                    self.drop(s)
                }
            }
        }
    }

    /// An existing node comes back; a new one registers with its join key.
    static func resolve(state: CoordinatorState, key: String, endpoints: [String], servers: [String],
                        registration: NodeRegistration, joinHash: String?) async -> Result<RegisteredNode, ControlFailure> {
        if let existing = await state.node(withKey: key) {
            if existing.isExpired(at: Date()) {
                return .failure(ControlFailure(.nodeExpired, "this node's key expired at \(existing.expiry); join again with a new join key"))
            }
            _ = try? await state.recordNodeSeen(existing.id, endpoints: endpoints, servers: servers)
            return .success(await state.node(withKey: key) ?? existing)
        }
        guard let joinHash else {
            return .failure(ControlFailure(.notRegistered, "this node is not registered; run `mcpmesh up --join JOINKEY`"))
        }
        do {
            return .success(try await state.registerNode(registration, joinKeySecretHash: joinHash))
        } catch {
            return .failure(failure(error))
        }
    }

    private func report(_ node: RegisteredNode, endpoints: [String]?, servers: [String]?) {
        let state = self.state
        Task { _ = try? await state.recordNodeSeen(node.id, endpoints: endpoints, servers: servers) }
    }

    private func setOnline(_ s: NodeSession, _ online: Bool) {
        guard let node = s.node, s.online != online else { return }
        s.online = online
        let state = self.state
        Task { await state.setOnline(node.id, online) }
    }

    // MARK: Changes and netmaps

    /// Brings the builder up to date with `snapshot` for the nodes `change` names, then
    /// pushes netmaps to every affected node with a live control stream.
    func apply(_ change: NodesChanged, snapshot: CoordinatorSnapshot) {
        var ids = Set<Netmap.NodeID>()
        let now = Date()
        if snapshot.policyVersion != policyVersion {
            policyVersion = snapshot.policyVersion
            ids.formUnion(builder.policyReplaced(snapshot.policy.file, version: UInt64(snapshot.policyVersion ?? 0)))
        }
        for removed in change.removed {
            let id = Netmap.NodeID(UInt64(removed.id.rawValue))
            ids.formUnion((try? builder.nodeRemoved(id)) ?? [])
            guard let key = try? IdentityPublicKey(text: removed.publicKey) else { continue }
            if let s = sessions[key] {
                // Tell the node, then forget its session once the refusal had time to go out.
                refuse(s, ControlFailure(.notRegistered, "this node was removed from the mesh by an admin"))
                setOnline(s, false)
                s.node = nil
                loop.scheduleTask(in: .seconds(2)) { [weak self, weak s] in
                    guard let self, let s, self.sessions[key] === s, s.node == nil else { return }
                    self.drop(s)
                }
            } else {
                handler.removePeer(key)
            }
        }
        for name in change.affected {
            guard let n = snapshot.nodes[name],
                  let mesh = MeshNode(registered: n, online: snapshot.online.contains(n.id), now: now) else { continue }
            if builder.nodes[mesh.id] == nil {
                ids.formUnion((try? builder.nodeJoined(mesh)) ?? [])
            } else {
                ids.formUnion((try? builder.nodeUpdated(mesh)) ?? [])
            }
            ids.insert(mesh.id)
            if mesh.expired, let s = sessions[mesh.key] {
                refuse(s, ControlFailure(.nodeExpired, "this node was expired by an admin"))
            }
        }
        push(to: ids)
        metrics.nodesRegistered.set(to: Double(snapshot.nodes.count))
    }

    /// Builds and sends netmaps to those of `ids` that have a registered control stream.
    func push(to ids: Set<Netmap.NodeID>) {
        let targets = sessions.values.filter { s in s.node.map { ids.contains(Netmap.NodeID(UInt64($0.id.rawValue))) } ?? false }
        guard !targets.isEmpty else { return }
        let registryIDs = targets.compactMap { $0.node?.id }
        let state = self.state
        let promise = loop.makePromise(of: [RegisteredNode.ID: Int64].self)
        Task {
            do { promise.succeed(try await state.nextNetmapVersions(for: registryIDs)) } catch { promise.fail(error) }
        }
        promise.futureResult.whenComplete { [unowned self] result in
            guard case .success(let versions) = result else {
                logger.error("cannot allocate netmap versions", metadata: ["error": "\(result)"])
                return
            }
            let now = Netmap.Time(Date())
            var sessionsByID: [Netmap.NodeID: NodeSession] = [:]
            var stamped: [Netmap.NodeID: UInt64] = [:]
            for s in targets {
                guard let node = s.node, let version = versions[node.id] else { continue }
                let id = Netmap.NodeID(UInt64(node.id.rawValue))
                sessionsByID[id] = s
                stamped[id] = UInt64(version)
            }
            for (id, signed) in buildAll(sessionsByID, now: now, versions: stamped) {
                guard let s = sessionsByID[id], let node = s.node else { continue }
                send(s, .netmap(signed.bytes))
                metrics.netmapsSent.increment()
                logger.debug("netmap sent", metadata: ["node": "\(node.name)", "version": "\(signed.netmap.version)",
                                                       "peers": "\(signed.netmap.peers.count)"])
            }
        }
    }

    /// The netmaps of `sessions`' nodes: built as one batch (sealed on every core), or, when
    /// one of them cannot have a netmap (unknown or expired: the batch refuses them all),
    /// one at a time, skipping that one.
    private func buildAll(_ sessions: [Netmap.NodeID: NodeSession], now: Netmap.Time,
                          versions: [Netmap.NodeID: UInt64]) -> [(Netmap.NodeID, SignedNetmap)] {
        let ids = sessions.keys.sorted()
        if let batch = try? builder.build(for: Set(ids), now: now, versions: versions) {
            return Array(zip(ids, batch))
        }
        return ids.compactMap { id in
            do {
                return (id, try builder.build(for: id, now: now, version: versions[id]!))
            } catch {
                logger.warning("no netmap for node", metadata: ["node": "\(sessions[id]?.node?.name ?? "\(id)")", "reason": "\(error)"])
                return nil
            }
        }
    }

    static func failure(_ error: Error) -> ControlFailure {
        if let c = error as? CoordinatorError, case .registry(let r) = c { return failure(r) }
        if let r = error as? RegistryError {
            if case .joinKeyRefused(let refusal) = r {
                switch refusal {
                case .unknown: return ControlFailure(.joinKeyUnknown, "the join key is not known to this coordinator (mistyped, or made by another coordinator)")
                case .revoked: return ControlFailure(.joinKeyRevoked, refusal.description)
                case .expired: return ControlFailure(.joinKeyExpired, refusal.description)
                case .alreadyUsed: return ControlFailure(.joinKeyUsed, refusal.description)
                }
            }
            return ControlFailure(.badRequest, r.description)
        }
        return ControlFailure(.internalError, "\(error)")
    }

    /// Node names: lowercase letters, digits and dashes.
    static func sanitize(_ name: String) -> String {
        let mapped = name.lowercased().map { c -> Character in (c.isLetter && c.isASCII) || c.isNumber || c == "-" ? c : "-" }
        let trimmed = String(mapped).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "node" : String(trimmed.prefix(63))
    }
}

/// One peer's control session on the coordinator.
final class NodeSession {
    let key: IdentityPublicKey
    let peer: StreamPeer
    var buffer: [UInt8] = []
    var node: RegisteredNode?
    var online = false
    /// The address the coordinator sees this node at, and the ones it reported.
    var observed: String?
    var reported: [String] = []

    init(key: IdentityPublicKey, peer: StreamPeer) {
        self.key = key
        self.peer = peer
    }

    /// Endpoints for the netmap: the observed one first (what NAT shows), then reported.
    var endpoints: [String] {
        var out: [String] = []
        for e in [observed].compactMap({ $0 }) + reported where !out.contains(e) { out.append(e) }
        return out
    }

    func reset() { buffer = [] }
}
