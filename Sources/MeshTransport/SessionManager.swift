import MeshCrypto
import MeshWire
import Noise

/// The sans-IO sessions core: WireGuard-style Noise IK sessions with every allowed peer
/// (docs/protocol.md). It never touches a socket or a clock; its shell feeds it datagrams,
/// send requests and timer ticks, each with `now`, and carries out the `SessionAction`s
/// it returns.
///
/// The API, in full:
/// - `setPeers(_:)` / `addPeer(_:endpoint:)` / `removePeer(_:)`: the allowed set. A
///   handshake from any other static key gets no answer at all.
/// - `send(_:to:now:into:)`: send an authenticated datagram to a peer, opening a session
///   first if needed (the payload is staged meanwhile).
/// - `receive(_:from:now:into:)`: hand over a datagram from the network.
/// - `tick(now:into:)` at or after `nextDeadline`: retries, keepalives, rekeys, key zeroing.
/// - Observe `.handshakeCompleted`, `.endpointChanged`, `.peerRestarted` actions.
/// - `nextSendCounter(to:now:)`: the counter (packet number) the next `send` will use if a
///   session is up, for the stream layer.
public struct SessionManager<Address: TransportAddress>: Sendable {
    public typealias Action = SessionAction<Address>

    let localStatic: StaticSecretKey
    public let localIdentity: IdentityPublicKey
    public let config: SessionConfig
    /// This node's epoch: random per instance, carried in every handshake so peers can
    /// tell a restart (counters begin again) from a rekey (counters continue).
    public let epoch: UInt64

    var rng: any RandomNumberGenerator & Sendable
    var peers: [StaticPublicKey: Peer<Address>] = [:]
    var byIdentity: [IdentityPublicKey: StaticPublicKey] = [:]
    var indices = IndexTable()
    var checker: CookieChecker
    /// Peers added by admission (not by `addPeer`), counted against the admission limit.
    var admittedCount = 0
    public internal(set) var stats = SessionStats()

    // Load tracking for cookies.
    var loadWindowStart = Instant.zero
    var loadWindowCount = 0
    var underLoadUntil: Instant?

    public init(identity: IdentitySecretKey, config: SessionConfig, rng: some RandomNumberGenerator & Sendable) {
        var rng = rng
        self.localStatic = identity.noiseStaticKey()
        self.localIdentity = identity.publicKey
        self.config = config
        self.epoch = rng.next()
        self.checker = CookieChecker(localStatic: localStatic.publicKey, rng: &rng)
        self.rng = rng
    }

    /// Production convenience: the system CSPRNG.
    public init(identity: IdentitySecretKey, config: SessionConfig) {
        self.init(identity: identity, config: config, rng: SystemRandom())
    }

    // MARK: - Peers

    public enum PeerError: Error, Equatable, CustomStringConvertible {
        case invalidKey(IdentityPublicKey)
        case isSelf
        case unknownPeer(IdentityPublicKey)

        public var description: String {
            switch self {
            case .invalidKey(let k): return "peer key \(k) is not a usable identity key"
            case .isSelf: return "a node cannot be its own peer"
            case .unknownPeer(let k): return "\(k) is not an allowed peer"
            }
        }
    }

    /// Allows `identity` as a peer (keeping its state if it was already allowed).
    public mutating func addPeer(_ identity: IdentityPublicKey, endpoint: Address? = nil) throws(PeerError) {
        guard identity != localIdentity else { throw .isSelf }
        guard let s = try? identity.noiseStaticKey() else { throw .invalidKey(identity) }
        if peers[s] == nil {
            peers[s] = Peer(identity: identity, staticKey: s)
            byIdentity[identity] = s
        } else if peers[s]!.admitted {
            // An admitted newcomer the caller now allows explicitly.
            peers[s]!.admitted = false
            admittedCount -= 1
        }
        if let endpoint {
            peers[s]!.endpoint = endpoint
            peers[s]!.configuredEndpoint = endpoint
        }
    }

    /// Forgets a peer: its keys are zeroed and its indices freed at once.
    public mutating func removePeer(_ identity: IdentityPublicKey) {
        guard let s = byIdentity.removeValue(forKey: identity) else { return }
        zeroKeys(s)
        if peers[s]?.admitted == true { admittedCount -= 1 }
        peers[s] = nil
    }

    /// Makes the allowed set exactly `allowed`, keeping the state of peers that stay.
    public mutating func setPeers(_ allowed: [IdentityPublicKey: Address?]) throws(PeerError) {
        for id in Array(byIdentity.keys) where allowed[id] == nil { removePeer(id) }
        for (id, ep) in allowed { try addPeer(id, endpoint: ep) }
    }

    public var peerIdentities: [IdentityPublicKey] { Array(byIdentity.keys) }

    public func status(of identity: IdentityPublicKey) -> PeerStatus? {
        guard let s = byIdentity[identity], let p = peers[s] else { return nil }
        return PeerStatus(identity: identity, endpoint: p.endpoint.map { "\($0)" }, lastHandshakeAt: p.lastHandshakeAt,
                          hasSession: p.current != nil, txBytes: p.txBytes, rxBytes: p.rxBytes)
    }

    /// The peer's current endpoint.
    public func endpoint(of identity: IdentityPublicKey) -> Address? {
        byIdentity[identity].flatMap { peers[$0]?.endpoint }
    }

    // MARK: - Sending

    /// The counter the next `send` to `identity` will use, when a session can send now;
    /// nil when a send would be staged behind a handshake.
    public func nextSendCounter(to identity: IdentityPublicKey, now: Instant) -> UInt64? {
        guard let s = byIdentity[identity], let p = peers[s], p.sendingKeypair(at: now) != nil, p.endpoint != nil else { return nil }
        return p.sendCounter
    }

    /// Sends `payload` to the peer as one transport message, or stages it and starts a
    /// handshake when no session can send now.
    public mutating func send(_ payload: [UInt8], to identity: IdentityPublicKey, now: Instant,
                              into actions: inout [Action]) throws(PeerError) {
        guard let s = byIdentity[identity] else { throw .unknownPeer(identity) }
        if peers[s]!.sendingKeypair(at: now) != nil, peers[s]!.endpoint != nil {
            transmitData(payload, peer: s, now: now, into: &actions)
            return
        }
        if peers[s]!.staged.count >= SessionConstants.maxStagedPackets {
            peers[s]!.staged.removeFirst()
            stats.stagedDropped += 1
        }
        peers[s]!.staged.append(payload)
        initiateHandshake(s, now: now, isRetry: false, into: &actions)
    }

    /// Encrypts and emits one transport message on the current keypair.
    mutating func transmitData(_ payload: [UInt8], peer s: StaticPublicKey, now: Instant, into actions: inout [Action]) {
        guard let keypair = peers[s]!.sendingKeypair(at: now), let endpoint = peers[s]!.endpoint else { return }
        let counter = peers[s]!.sendCounter
        peers[s]!.sendCounter += 1
        let datagram = TransportData.seal(payload, key: keypair.sendKey, receiver: keypair.remoteIndex, counter: counter)
        peers[s]!.txBytes += UInt64(datagram.count)
        actions.append(.transmit(datagram, to: endpoint))
        timerAnyAuthenticatedPacketSent(s)
        if payload.isEmpty {
            stats.keepalivesSent += 1
        } else {
            timerDataSent(s, now: now)
        }
        // Rekey on age or message count, initiator side only (the responder waits for the
        // initiator, so both do not race).
        if keypair.isInitiator,
           keypair.age(at: now) >= SessionConstants.rekeyAfterTime
            || counter - keypair.firstSendCounter >= SessionConstants.rekeyAfterMessages {
            initiateHandshake(s, now: now, isRetry: false, into: &actions)
        }
    }

    /// Sends everything staged while the handshake ran, or a keepalive if nothing was, so
    /// that a responder learns its new keys work.
    mutating func flushStaged(_ s: StaticPublicKey, now: Instant, into actions: inout [Action]) {
        let staged = peers[s]!.staged
        peers[s]!.staged.removeAll()
        if staged.isEmpty {
            transmitData([], peer: s, now: now, into: &actions)
        } else {
            for p in staged { transmitData(p, peer: s, now: now, into: &actions) }
        }
    }

    // MARK: - Handshake initiation

    mutating func initiateHandshake(_ s: StaticPublicKey, now: Instant, isRetry: Bool, into actions: inout [Action]) {
        guard let endpoint = peers[s]!.endpoint else {
            stats.noEndpoint += 1
            return
        }
        // One initiation per rekeyTimeout unless this is the retry timer firing.
        if !isRetry, let last = peers[s]!.lastInitiationSentAt, peers[s]!.pending != nil,
           now - last < SessionConstants.rekeyTimeout {
            return
        }
        if !isRetry || peers[s]!.handshakeStartedAt == nil { peers[s]!.handshakeStartedAt = now }
        indices.remove(peers[s]!.pending?.localIndex)
        let localIndex = indices.allocate(.handshake(s), rng: &rng)
        let payload = Handshake.InitiationPayload(timestamp: Timestamp(unixNanoseconds: config.wallClockAtZero &+ now.nanoseconds),
                                                  epoch: epoch, identity: localIdentity)
        guard let (msg, pending) = try? Handshake.createInitiation(localStatic: localStatic, remoteStatic: s,
                                                                  localIndex: localIndex, payload: payload, rng: &rng) else {
            indices.remove(localIndex)
            return
        }
        var bytes = msg.encoded()
        peers[s]!.cookies.addMACs(to: &bytes, mac1Offset: WireSize.initiationMAC1, now: now)
        peers[s]!.pending = pending
        peers[s]!.lastInitiationSentAt = now
        stats.handshakesInitiated += 1
        actions.append(.transmit(bytes, to: endpoint))
        if isRetry, let configured = peers[s]!.configuredEndpoint, configured != endpoint {
            actions.append(.transmit(bytes, to: configured))
        }
        timerAnyAuthenticatedPacketSent(s)
        timerHandshakeInitiated(s, now: now)
    }
}
