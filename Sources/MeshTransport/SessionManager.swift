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
///
/// The packet path has copy-free forms for shells that own their buffers:
/// `receive(_:from:now:into:)` taking the datagram where it lies, and
/// `sendDestination(to:now:)` with `seal(_:to:now:into:actions:)` writing the datagram into
/// the shell's send buffer. They are `@inlinable`, so a shell gets them specialized for its
/// address type; the work that does not depend on the address (`Peer+Data`) stays here.
public struct SessionManager<Address: TransportAddress>: Sendable {
    public typealias Action = SessionAction<Address>

    let localStatic: StaticSecretKey
    public let localIdentity: IdentityPublicKey
    public let config: SessionConfig
    /// This node's epoch: random per instance, carried in every handshake so peers can
    /// tell a restart (counters begin again) from a rekey (counters continue).
    public let epoch: UInt64

    var rng: any RandomNumberGenerator & Sendable
    /// The allowed peers by slot; `endpoints` holds their endpoints, slot for slot.
    @usableFromInline var peers = PeerTable()
    @usableFromInline var endpoints: [PeerEndpoints<Address>] = []
    /// The slot of each allowed peer by identity key.
    @usableFromInline var byIdentity: [IdentityPublicKey: Int] = [:]
    /// The peer last sent to, whose slot a send finds by comparing keys instead of hashing
    /// one (a stream layer asks for the same peer several times per packet).
    @usableFromInline var recentPeer: (identity: IdentityPublicKey, slot: Int)?
    @usableFromInline var indices = IndexTable()
    var checker: CookieChecker
    /// Peers added by admission (not by `addPeer`), counted against the admission limit.
    var admittedCount = 0
    @usableFromInline var counts = SessionStats()

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

    /// Counters of what the core did and refused.
    public var stats: SessionStats { counts }

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
        let slot: Int
        if let existing = peers.slot(of: s) {
            slot = existing
            if peers[slot].admitted {
                // An admitted newcomer the caller now allows explicitly.
                peers[slot].admitted = false
                admittedCount -= 1
            }
        } else {
            slot = insertPeer(Peer(identity: identity, staticKey: s))
        }
        if let endpoint {
            endpoints[slot].current = endpoint
            endpoints[slot].configured = endpoint
        }
    }

    /// Adds a new peer with no endpoint yet; returns its slot.
    mutating func insertPeer(_ peer: Peer) -> Int {
        let slot = peers.insert(peer)
        if slot == endpoints.count { endpoints.append(PeerEndpoints()) } else { endpoints[slot] = PeerEndpoints() }
        byIdentity[peer.identity] = slot
        return slot
    }

    /// Forgets a peer: its keys are zeroed and its indices freed at once.
    public mutating func removePeer(_ identity: IdentityPublicKey) {
        guard let s = byIdentity.removeValue(forKey: identity) else { return }
        if recentPeer?.slot == s { recentPeer = nil }
        zeroKeys(s)
        if peers[s].admitted { admittedCount -= 1 }
        peers.remove(at: s)
        endpoints[s] = PeerEndpoints()
    }

    /// Makes the allowed set exactly `allowed`, keeping the state of peers that stay.
    public mutating func setPeers(_ allowed: [IdentityPublicKey: Address?]) throws(PeerError) {
        for id in Array(byIdentity.keys) where allowed[id] == nil { removePeer(id) }
        for (id, ep) in allowed { try addPeer(id, endpoint: ep) }
    }

    public var peerIdentities: [IdentityPublicKey] { Array(byIdentity.keys) }

    public func status(of identity: IdentityPublicKey) -> PeerStatus? {
        guard let s = byIdentity[identity] else { return nil }
        let p = peers[s]
        return PeerStatus(identity: identity, endpoint: endpoints[s].current.map { "\($0)" },
                          lastHandshakeAt: p.lastHandshakeAt, hasSession: p.current != nil,
                          txBytes: p.txBytes, rxBytes: p.rxBytes)
    }

    /// The peer's current endpoint.
    public func endpoint(of identity: IdentityPublicKey) -> Address? {
        byIdentity[identity].flatMap { endpoints[$0].current }
    }

    // MARK: - Handshake initiation

    @usableFromInline
    mutating func initiateHandshake(_ s: Int, now: Instant, isRetry: Bool, into actions: inout [Action]) {
        guard let endpoint = endpoints[s].current else {
            counts.noEndpoint += 1
            return
        }
        // One initiation per rekeyTimeout unless this is the retry timer firing.
        if !isRetry, let last = peers[s].lastInitiationSentAt, peers[s].pending != nil,
           now - last < SessionConstants.rekeyTimeout {
            return
        }
        if !isRetry || peers[s].handshakeStartedAt == nil { peers[s].handshakeStartedAt = now }
        indices.remove(peers[s].pending?.localIndex)
        let localIndex = indices.allocate(.handshake(slot: s), rng: &rng)
        let payload = Handshake.InitiationPayload(timestamp: Timestamp(unixNanoseconds: config.wallClockAtZero &+ now.nanoseconds),
                                                  epoch: epoch, identity: localIdentity)
        guard let (msg, pending) = try? Handshake.createInitiation(localStatic: localStatic, remoteStatic: peers[s].staticKey,
                                                                  localIndex: localIndex, payload: payload, rng: &rng) else {
            indices.remove(localIndex)
            return
        }
        var bytes = msg.encoded()
        peers[s].cookies.addMACs(to: &bytes, mac1Offset: WireSize.initiationMAC1, now: now)
        peers[s].pending = pending
        peers[s].lastInitiationSentAt = now
        counts.handshakesInitiated += 1
        actions.append(.transmit(bytes, to: endpoint))
        if isRetry, let configured = endpoints[s].configured, configured != endpoint {
            actions.append(.transmit(bytes, to: configured))
        }
        peers[s].timerAnyAuthenticatedPacketSent()
        timerHandshakeInitiated(s, now: now)
    }
}
