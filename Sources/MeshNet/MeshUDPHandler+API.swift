import MeshCrypto
import MeshTransport
import MeshWire
import NIOCore

/// The handler's API for layers on the same event loop. Each call is one batch: what it
/// transmits is flushed once at its end (or at the end of the read batch it was called
/// from).
extension MeshUDPHandler {
    /// Now, on the shell's monotonic clock (the `now` the cores are driven with).
    public func now() -> Instant { clock.now() }

    /// The address the socket is bound to.
    public var localAddress: UDPAddress? {
        context?.channel.localAddress.flatMap(UDPAddress.init)
    }

    // MARK: Sending

    /// Encrypts and sends `payload` to `peer`, or stages it and starts a handshake.
    public func send(_ payload: [UInt8], to peer: IdentityPublicKey) throws(MeshNetError) {
        guard context != nil else { throw .closed }
        try operation { now throws(MeshNetError) in _ = try sendOnLoop(payload, to: peer, now: now) }
    }

    /// Sends each payload in order with one flush for all (one `sendmmsg`, GSO runs).
    public func send(batch payloads: [[UInt8]], to peer: IdentityPublicKey) throws(MeshNetError) {
        guard context != nil else { throw .closed }
        try operation { now throws(MeshNetError) in
            for p in payloads { try sendOnLoop(p, to: peer, now: now) }
        }
    }

    /// The core's send within the current batch. Returns the counter the payload went
    /// under, or nil when it was staged behind a handshake.
    @discardableResult
    func sendOnLoop(_ payload: [UInt8], to peer: IdentityPublicKey, now: Instant) throws(MeshNetError) -> UInt64? {
        var actions = takeScratch()
        defer { returnScratch(&actions) }
        if context != nil, let (destination, counter) = withSessions({ $0.sendDestination(to: peer, now: now) }),
           let address = destination.sendable(on: socketFamily) {
            // A session can send: seal straight into the run's buffer.
            transmit(size: payload.count + SessionManager<UDPAddress>.datagramOverhead, to: address) { datagram in
                let sealed = payload.withUnsafeBytes { sessions.seal($0, to: peer, now: now, into: datagram, actions: &actions) }
                assert(sealed, "sendDestination promised a session")
                // Never put uninitialised memory on the wire; a zeroed datagram is dropped.
                if !sealed { datagram.initializeMemory(as: UInt8.self, repeating: 0) }
            }
            apply(&actions, now: now)
            return counter
        }
        let counter = nextSendCounter(to: peer, now: now)
        do throws(SessionManager<UDPAddress>.PeerError) {
            try sessions.send(payload, to: peer, now: now, into: &actions)
        } catch {
            throw .unknownPeer(peer)
        }
        apply(&actions, now: now)
        return counter
    }

    /// The counter the next send to `peer` will use, or nil when it would be staged.
    func nextSendCounter(to peer: IdentityPublicKey, now: Instant) -> UInt64? {
        withSessions { $0.nextSendCounter(to: peer, now: now) }
    }

    // MARK: Peers

    /// Makes the allowed set exactly `peers` (with their configured endpoints), keeping the
    /// sessions of peers that stay.
    public func setPeers(_ peers: [IdentityPublicKey: UDPAddress?]) throws(MeshNetError) {
        try operation { _ throws(MeshNetError) in
            var adapted: [IdentityPublicKey: UDPAddress?] = [:]
            for (k, ep) in peers { adapted[k] = ep.map(adapt) }
            do throws(SessionManager<UDPAddress>.PeerError) { try sessions.setPeers(adapted) } catch { throw .invalidPeer(error.description) }
        }
    }

    /// Allows `peer`, at `endpoint` if known.
    public func addPeer(_ peer: IdentityPublicKey, endpoint: UDPAddress?) throws(MeshNetError) {
        try operation { _ throws(MeshNetError) in
            do throws(SessionManager<UDPAddress>.PeerError) { try sessions.addPeer(peer, endpoint: endpoint.map(adapt)) } catch { throw .invalidPeer(error.description) }
        }
    }

    /// Forgets `peer` (its keys are zeroed); its consumer, if any, is detached.
    public func removePeer(_ peer: IdentityPublicKey) {
        operation { _ in
            sessions.removePeer(peer)
            consumers[peer] = nil
        }
    }

    /// A configured endpoint in the socket's own family where one exists (IPv4 on an IPv6
    /// socket becomes IPv4-mapped), so the core sees one form per peer.
    private func adapt(_ address: UDPAddress) -> UDPAddress {
        address.sendable(on: socketFamily) ?? address
    }

    // MARK: Consumers

    /// Routes `peer`'s datagrams and events to `consumer` (replacing any other) and lets it
    /// produce at once.
    public func attach(_ consumer: any MeshPeerConsumer, for peer: IdentityPublicKey) {
        let entry = ConsumerEntry(peer: peer, consumer: consumer)
        consumers[peer] = entry
        operation { _ in markDirty(entry) }
    }

    /// Stops routing to `peer`'s consumer; its datagrams go to `onEvent` again.
    public func detach(_ peer: IdentityPublicKey) {
        consumers[peer] = nil
        dirty.removeAll { $0.peer == peer }
    }

    /// Asks `peer`'s consumer to produce: at the end of the current batch, or on the next
    /// turn of the loop (shared by all wakes of this turn).
    public func wake(_ peer: IdentityPublicKey) {
        guard let entry = consumer(of: peer) else { return }
        markDirty(entry)
        if operationDepth == 0, !inReadBatch { scheduleWake() }
    }

    // MARK: Status

    /// A snapshot of `peer`'s session.
    public func status(of peer: IdentityPublicKey) -> PeerStatus? { sessions.status(of: peer) }

    /// Both sets of counters.
    public var stats: MeshEndpointStats {
        MeshEndpointStats(sessions: sessions.stats, shell: shellStats, socket: socketFeatures)
    }
}

/// Counters of an endpoint: its sessions core, its shell, and what its socket does.
public struct MeshEndpointStats: Sendable, Equatable {
    public var sessions: SessionStats
    public var shell: MeshShellStats
    public var socket: MeshSocketFeatures
}
