import MeshCrypto
import MeshNet
import MeshStream
import MeshWire

/// Reliable streams with one peer, on the mesh endpoint's event loop: a `StreamConnection`
/// driven by the UDP shell as a `MeshPeerConsumer`. Datagrams go in as they are decrypted
/// and out under the session's counters (the packet numbers), with no hop per packet.
///
/// Everything here runs on the endpoint's loop: construct it there (inside
/// `MeshEndpoint.execute`), call its API there, and handle `onEvent` there. After changing
/// the connection (writing, finishing a stream), call `wake()` so the shell asks it to
/// produce at the end of the current batch.
public final class StreamPeer: MeshPeerConsumer {
    public let peer: IdentityPublicKey
    public private(set) var connection: StreamConnection
    /// Stream events, in order, on the loop.
    public var onEvent: ((StreamPeer, StreamEvent) -> Void)?
    /// The peer restarted (new epoch): the old connection was dropped and a fresh one
    /// started; streams of the old one are gone.
    public var onRestart: ((StreamPeer) -> Void)?

    private let handler: MeshUDPHandler
    private let config: StreamConfig
    /// This end's role on the connection (which stream ids it opens).
    public let role: ConnectionRole
    /// A handshake was requested and no session has come up since.
    private var kicked = false

    /// The connection role of this end towards `peer`: the end whose identity key sorts
    /// lower opens streams as `.initiator`. Both ends agree without a message, whoever
    /// started the handshake.
    public static func role(local: IdentityPublicKey, remote: IdentityPublicKey) -> ConnectionRole {
        local.raw.bytes.lexicographicallyPrecedes(remote.raw.bytes) ? .initiator : .responder
    }

    /// Attaches a new stream connection for `peer` to `handler`'s packet path.
    public init(peer: IdentityPublicKey, handler: MeshUDPHandler, config: StreamConfig = StreamConfig()) {
        self.peer = peer
        self.handler = handler
        self.config = config
        self.role = Self.role(local: handler.sessions.localIdentity, remote: peer)
        self.connection = StreamConnection(role: role, config: config, now: handler.now())
        handler.attach(self, for: peer)
    }

    /// Applies `body` to the connection, then asks the shell to let it send. Events the
    /// change causes are delivered later (when the shell lets this peer produce), never
    /// from inside `update`, so a handler may call `update` freely.
    @discardableResult
    public func update<T>(_ body: (inout StreamConnection) throws -> T) rethrows -> T {
        defer { handler.wake(peer) }
        return try body(&connection)
    }

    /// Detaches from the shell; the connection is dropped.
    public func detach() { handler.detach(peer) }

    // MARK: MeshPeerConsumer

    public func receive(_ payload: [UInt8], counter: UInt64, now: Instant) {
        connection.receive(payload, packetNumber: counter, now: now)
        drainEvents()
    }

    public func produce(_ link: MeshPeerLink, now: Instant) {
        if let t = connection.nextTimeout, t <= now { connection.handleTimeout(now: now) }
        if link.nextSendCounter == nil {
            // No session yet (or it expired): an empty payload starts a handshake and goes
            // out as a keepalive once it completes. Once per attempt.
            if !kicked, wantsToSend(now: now) {
                kicked = true
                link.send([])
            }
        } else {
            kicked = false
            while let n = link.nextSendCounter, let datagram = connection.nextDatagram(packetNumber: n, now: now) {
                link.send(datagram)
            }
        }
        drainEvents()
    }

    public func sessionEvent(_ event: MeshEvent, now: Instant) {
        switch event {
        case .handshakeCompleted:
            kicked = false
        case .peerRestarted:
            connection = StreamConnection(role: role, config: config, now: now)
            onRestart?(self)
        case .handshakeFailed:
            kicked = false
        case .datagram, .endpointChanged, .socketClosed:
            break
        }
    }

    public var nextDeadline: Instant? { connection.nextTimeout }

    /// Whether the connection has something to send: asked of a throwaway copy, under a
    /// packet number above any a session can reach, so the real one is untouched.
    private func wantsToSend(now: Instant) -> Bool {
        var probe = connection
        return probe.nextDatagram(packetNumber: (1 << 62) - 1, now: now) != nil
    }

    private var draining = false

    private func drainEvents() {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while let e = connection.pollEvent() { onEvent?(self, e) }
    }
}
