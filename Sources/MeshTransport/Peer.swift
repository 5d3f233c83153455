import MeshCrypto
import MeshWire

/// Everything the sessions core knows about one allowed peer (docs/protocol.md, "Peer
/// state"): its keys, the handshake in progress, up to three keypairs, the endpoint, the
/// anti-replay state for initiations, staged packets and timer deadlines.
struct Peer<Address: TransportAddress>: Sendable {
    let identity: IdentityPublicKey
    let staticKey: StaticPublicKey
    var endpoint: Address?
    /// The endpoint the caller configured (from the netmap). Handshake retries also go
    /// there, so a peer whose roamed endpoint went dead (or was redirected by a replayed
    /// packet) is found again.
    var configuredEndpoint: Address?
    var cookies: CookieGenerator
    /// Added by admission of an unknown initiator rather than by the caller.
    var admitted = false

    // Handshake.
    var pending: Handshake.Pending?
    var handshakeStartedAt: Instant?       // first attempt of the current round, for rekeyAttemptTime
    var lastInitiationSentAt: Instant?
    var lastInitiationTimestamp = Timestamp.zero
    var lastInitiationConsumedAt: Instant?
    var remoteEpoch: UInt64?
    var lastHandshakeAt: Instant?

    // Keypairs: `next` is a responder's keypair awaiting its first packet.
    var current: Keypair?
    var previous: Keypair?
    var next: Keypair?
    /// Strictly increasing over the peer's whole life: a new keypair continues from here.
    var sendCounter: UInt64 = 0

    var staged: [[UInt8]] = []

    // Timers (see SessionManager+Timers).
    var retransmitHandshakeAt: Instant?
    var sendKeepaliveAt: Instant?
    var needAnotherKeepalive = false
    var newHandshakeAt: Instant?
    var zeroKeysAt: Instant?

    // Counters.
    var txBytes: UInt64 = 0
    var rxBytes: UInt64 = 0

    init(identity: IdentityPublicKey, staticKey: StaticPublicKey) {
        self.identity = identity
        self.staticKey = staticKey
        self.cookies = CookieGenerator(remoteStatic: staticKey)
    }

    /// The keypair to send with now, if it may still send.
    func sendingKeypair(at now: Instant) -> Keypair? {
        guard let k = current, !k.isExpired(at: now), sendCounter < SessionConstants.rejectAfterMessages else { return nil }
        return k
    }

    var deadlines: [Instant] {
        [retransmitHandshakeAt, sendKeepaliveAt, newHandshakeAt, zeroKeysAt].compactMap { $0 }
    }
}

/// A snapshot of one peer for status displays.
public struct PeerStatus: Sendable {
    public var identity: IdentityPublicKey
    public var endpoint: String?
    public var lastHandshakeAt: Instant?
    public var hasSession: Bool
    public var txBytes: UInt64
    public var rxBytes: UInt64
}
