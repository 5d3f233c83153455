import Logging
import MeshConnect
import MeshCrypto
import MeshNet
import MeshStream
import MeshWire
import NIOCore

/// The node's side of the control protocol (docs/protocol.md Part III), on the endpoint's loop:
/// it opens the control stream to the coordinator, registers, receives netmaps, sends
/// updates, and starts over with backoff whenever the connection ends (coordinator down,
/// restarted, or idle). Everything here runs on the loop.
public final class ControlClient {
    let handler: MeshUDPHandler
    let loop: any EventLoop
    let coordinator: IdentityPublicKey
    var register: ControlMessage.Register
    let logger: Logger
    private var peer: StreamPeer?
    private var control: StreamID?
    private var buffer: [UInt8] = []
    private var backoff: Duration = .seconds(1)
    private var retry: Scheduled<Void>?
    public private(set) var isRegistered = false

    public var onRegistered: ((ControlMessage.Registered) -> Void)?
    public var onNetmap: (([UInt8]) -> Void)?
    public var onRefused: ((ControlFailure) -> Void)?

    /// Keep the control connection alive through NATs, and notice a dead coordinator.
    static let streamConfig: StreamConfig = {
        var c = StreamConfig()
        c.keepAliveInterval = .seconds(10)
        c.idleTimeout = .seconds(45)
        return c
    }()

    public init(handler: MeshUDPHandler, loop: any EventLoop, coordinator: IdentityPublicKey,
                register: ControlMessage.Register, logger: Logger) {
        self.handler = handler
        self.loop = loop
        self.coordinator = coordinator
        self.register = register
        self.logger = logger
    }

    public func start() { connect() }

    /// Sends changed servers or endpoints (kept for the next registration too).
    public func update(servers: [String]?, endpoints: [String]?) {
        if let servers { register.servers = servers }
        if let endpoints { register.endpoints = endpoints }
        send(.update(.init(servers: servers, endpoints: endpoints)))
    }

    public func logout() { send(.logout) }

    /// Asks the coordinator to replace this node's identity key (docs/protocol.md C.4);
    /// `envelope` is signed by the current key. The answer is another `registered`.
    public func rotateKey(envelope: [UInt8]) { send(.rotateKey(envelope: envelope)) }

    /// Session events for the coordinator's peer, forwarded by the agent.
    public func sessionEvent(_ event: MeshEvent) {
        if case .handshakeFailed = event {
            logger.warning("coordinator unreachable: no answer to the handshake; retrying", metadata: ["retry_in": "\(backoff)"])
            scheduleRetry()
        }
    }

    private func connect() {
        peer?.detach()
        let p = StreamPeer(peer: coordinator, handler: handler, config: Self.streamConfig)
        p.onEvent = { [unowned self] _, e in self.event(e) }
        p.onRestart = { [unowned self] _ in
            self.logger.notice("coordinator restarted; registering again")
            self.openControl()
        }
        peer = p
        openControl()
    }

    private func openControl() {
        buffer = []
        isRegistered = false
        guard let peer else { return }
        let frame = ControlFrame.encode(.register(register))
        control = peer.update { conn -> StreamID? in
            guard let id = conn.openStream() else { return nil }
            _ = conn.write(frame, to: id)
            return id
        }
    }

    private func send(_ message: ControlMessage) {
        guard let peer, let control else { return }
        let frame = ControlFrame.encode(message)
        peer.update { conn in _ = conn.write(frame, to: control) }
    }

    private func event(_ e: StreamEvent) {
        switch e {
        case .readable(let id) where id == control:
            guard let peer else { return }
            buffer += peer.update { $0.read(from: id) }
            let messages: [ControlMessage]
            do { messages = try ControlFrame.decode(from: &buffer) } catch {
                logger.error("malformed control message from the coordinator", metadata: ["error": "\(error)"])
                peer.update { $0.close(code: 1, reason: "malformed control frame") }
                return
            }
            for m in messages { handle(m) }
        case .finished(let id) where id == control, .reset(let id, _) where id == control:
            logger.warning("the coordinator ended the control stream; reconnecting")
            scheduleRetry(reconnect: true)
        case .connectionClosed(let reason):
            logger.warning("control connection closed; reconnecting", metadata: ["reason": "\(reason)"])
            scheduleRetry(reconnect: true)
        default:
            break
        }
    }

    private func handle(_ m: ControlMessage) {
        switch m {
        case .registered(let r):
            isRegistered = true
            backoff = .seconds(1)
            register.joinSecret = nil
            onRegistered?(r)
        case .netmap(let bytes):
            onNetmap?(bytes)
        case .error(let failure):
            onRefused?(failure)
        case .register, .update, .rotateKey, .logout:
            logger.warning("unexpected control message from the coordinator", metadata: ["message": "\(m)"])
        }
    }

    private func scheduleRetry(reconnect: Bool = false) {
        retry?.cancel()
        let delay = backoff
        backoff = min(backoff * 2, .seconds(30))
        retry = loop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { [weak self] in
            guard let self else { return }
            if reconnect { self.connect() } else { self.peer?.update { _ in } }
        }
    }
}
