import MeshCrypto
import MeshTransport
import MeshWire
import NIOCore
import NIOPosix

/// A node's presence on the mesh: one UDP socket, one identity, Noise sessions with the
/// allowed peers, all on one event loop. The facade for layers above; the packet path is
/// its `MeshUDPHandler`.
///
/// Every method may be called from any thread: each hops to the event loop once (an API
/// call, never a received packet) and returns a future completed there. Events and
/// datagrams arrive on the loop, through `onEvent` (given to `bind`) or a
/// `MeshPeerConsumer` attached with `execute(_:)`.
///
/// ```swift
/// let node = try await MeshEndpoint.bind(host: "0.0.0.0", port: 51820, identity: key,
///                                        on: group.next()) { event in ... }
/// try await node.setPeers([peerKey: try UDPAddress(ip: "192.0.2.7", port: 51820)]).get()
/// try await node.send(Array("hello".utf8), to: peerKey).get()
/// try await node.close().get()
/// ```
public final class MeshEndpoint: Sendable {
    /// The loop that runs this endpoint's packet path, timers and callbacks.
    public let eventLoop: any EventLoop
    /// This node's identity.
    public let identity: IdentityPublicKey
    /// The address bound by `bind` (with the ephemeral port filled in). `rebind` moves the
    /// socket; `localAddress()` tells where it is now.
    public let boundAddress: UDPAddress

    let handler: NIOLoopBound<MeshUDPHandler>
    let configuration: MeshEndpointConfiguration

    private init(eventLoop: any EventLoop, identity: IdentityPublicKey, boundAddress: UDPAddress,
                 handler: NIOLoopBound<MeshUDPHandler>, configuration: MeshEndpointConfiguration) {
        self.eventLoop = eventLoop
        self.identity = identity
        self.boundAddress = boundAddress
        self.handler = handler
        self.configuration = configuration
    }

    // MARK: - Binding

    /// Binds a UDP socket to `host:port` (a numeric IPv4 or IPv6 address; port 0 picks an
    /// ephemeral port) on `eventLoop`, with a new sessions core for `identity`.
    /// `onEvent` is called on the loop for every event and for datagrams of peers without a
    /// consumer.
    public static func bind(host: String, port: Int, identity: IdentitySecretKey,
                            configuration: MeshEndpointConfiguration = MeshEndpointConfiguration(),
                            on eventLoop: any EventLoop,
                            onEvent: (@Sendable (MeshEvent) -> Void)? = nil) -> EventLoopFuture<MeshEndpoint> {
        let address: UDPAddress
        do { address = try UDPAddress(ip: host, port: port) } catch { return eventLoop.makeFailedFuture(error) }
        let clock = MonotonicClock()
        let planned = SocketSetup.plannedFeatures(configuration)
        return eventLoop.flatSubmit {
            let handler = MeshUDPHandler(identity: identity, configuration: configuration, features: planned, clock: clock)
            handler.onEvent = onEvent
            let bound = NIOLoopBound(handler, eventLoop: eventLoop)
            return SocketSetup.bootstrap(on: eventLoop, configuration: configuration, features: planned)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(bound.value) }
                }
                .bind(to: address.socketAddress)
                .flatMapErrorThrowing { error in
                    throw MeshNetError.bindFailed(address: address.description, reason: "\(error)")
                }
                .map { channel in
                    let handler = bound.value
                    handler.socketFeatures = SocketSetup.applyBuffers(to: channel, configuration: configuration,
                                                                      features: planned)
                    handler.socketFamily = channel.localAddress?.protocol ?? handler.socketFamily
                    let local = channel.localAddress.flatMap(UDPAddress.init) ?? address
                    return MeshEndpoint(eventLoop: eventLoop, identity: identity.publicKey, boundAddress: local,
                                        handler: bound, configuration: configuration)
                }
        }
    }

    /// `bind` for async callers.
    public static func bind(host: String, port: Int, identity: IdentitySecretKey,
                            configuration: MeshEndpointConfiguration = MeshEndpointConfiguration(),
                            on eventLoop: any EventLoop,
                            onEvent: (@Sendable (MeshEvent) -> Void)? = nil) async throws -> MeshEndpoint {
        try await bind(host: host, port: port, identity: identity, configuration: configuration,
                       on: eventLoop, onEvent: onEvent).get()
    }

    // MARK: - On the loop

    /// Runs `body` on the event loop with the packet-path handler: the way to attach a
    /// `MeshPeerConsumer`, or to do several things in one hop and one flush.
    public func execute<T: Sendable>(_ body: @escaping @Sendable (MeshUDPHandler) throws -> T) -> EventLoopFuture<T> {
        eventLoop.submit { [handler] in try body(handler.value) }
    }

    // MARK: - Sending

    /// Sends `payload` to `peer` as one authenticated datagram, opening a session first if
    /// needed. Fails with `MeshNetError.unknownPeer` for a peer not allowed.
    @discardableResult
    public func send(_ payload: [UInt8], to peer: IdentityPublicKey) -> EventLoopFuture<Void> {
        execute { try $0.send(payload, to: peer) }
    }

    /// Sends every payload to `peer`, in order, with one hop and one flush.
    @discardableResult
    public func send(batch payloads: [[UInt8]], to peer: IdentityPublicKey) -> EventLoopFuture<Void> {
        execute { try $0.send(batch: payloads, to: peer) }
    }

    // MARK: - Peers

    /// Makes the allowed set exactly `peers`, each with its configured endpoint if known.
    public func setPeers(_ peers: [IdentityPublicKey: UDPAddress?]) -> EventLoopFuture<Void> {
        execute { try $0.setPeers(peers) }
    }

    /// Allows `peer`, at `endpoint` if known.
    public func addPeer(_ peer: IdentityPublicKey, endpoint: UDPAddress?) -> EventLoopFuture<Void> {
        execute { try $0.addPeer(peer, endpoint: endpoint) }
    }

    /// Forgets `peer`; its keys are zeroed at once.
    public func removePeer(_ peer: IdentityPublicKey) -> EventLoopFuture<Void> {
        execute { $0.removePeer(peer) }
    }

    // MARK: - Status

    /// A snapshot of `peer`'s session; nil for a peer not allowed.
    public func status(of peer: IdentityPublicKey) -> EventLoopFuture<PeerStatus?> {
        execute { $0.status(of: peer) }
    }

    /// The counters of the sessions core and of the shell.
    public func stats() -> EventLoopFuture<MeshEndpointStats> {
        execute { $0.stats }
    }

    /// Where the socket is bound now; fails once the endpoint is closed.
    public func localAddress() -> EventLoopFuture<UDPAddress> {
        execute { handler throws(MeshNetError) in
            guard let address = handler.localAddress else { throw .closed }
            return address
        }
    }

    // MARK: - Moving and closing

    /// Moves the endpoint to a new socket bound to `host:port` (roaming: a new network, a
    /// new port), keeping every session; peers follow on the first authenticated packet.
    /// Returns the new address.
    public func rebind(host: String, port: Int) -> EventLoopFuture<UDPAddress> {
        let address: UDPAddress
        do { address = try UDPAddress(ip: host, port: port) } catch { return eventLoop.makeFailedFuture(error) }
        let configuration = self.configuration
        return eventLoop.flatSubmit { [handler] in
            guard handler.value.context != nil else { return self.eventLoop.makeFailedFuture(MeshNetError.closed) }
            let planned = SocketSetup.plannedFeatures(configuration)
            return SocketSetup.bootstrap(on: self.eventLoop, configuration: configuration, features: planned)
                .bind(to: address.socketAddress)
                .flatMapErrorThrowing { error in
                    throw MeshNetError.bindFailed(address: address.description, reason: "\(error)")
                }
                .flatMapThrowing { channel in
                    do {
                        let features = SocketSetup.applyBuffers(to: channel, configuration: configuration, features: planned)
                        try handler.value.move(to: channel, features: features)
                    } catch {
                        // Closed meanwhile, or the pipeline refused: do not leak the new socket.
                        channel.close(promise: nil)
                        throw error
                    }
                    guard let local = channel.localAddress.flatMap(UDPAddress.init) else { throw MeshNetError.closed }
                    return local
                }
        }
    }

    /// Closes the socket after flushing what is queued; timers stop, and nothing is sent
    /// or received after. Closing twice is fine.
    public func close() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit { [handler] in
            let h = handler.value
            h.expectingClose = true
            guard let channel = h.context?.channel else { return self.eventLoop.makeSucceededVoidFuture() }
            h.flushTransmits()
            h.cancelTimer()
            return channel.close().flatMapError { error in
                if let e = error as? ChannelError, e == .alreadyClosed { return self.eventLoop.makeSucceededVoidFuture() }
                return self.eventLoop.makeFailedFuture(error)
            }
        }
    }
}
