import MeshCrypto
import MeshWire

/// Everything the sessions core knows about one allowed peer (docs/protocol.md, "Peer
/// state"): its keys, the handshake in progress, up to three keypairs, the anti-replay
/// state for initiations, staged packets and timer deadlines. Its endpoints are kept apart
/// (`PeerEndpoints`), the only part that depends on the address type, so that this state
/// has one concrete layout and the packet path reads and changes it in place.
@usableFromInline
struct Peer: Sendable {
    @usableFromInline let identity: IdentityPublicKey
    let staticKey: StaticPublicKey
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
    @usableFromInline var sendCounter: UInt64 = 0

    var staged: [[UInt8]] = []

    // Timers (see SessionManager+Timers).
    var retransmitHandshakeAt: Instant?
    var sendKeepaliveAt: Instant?
    var needAnotherKeepalive = false
    var newHandshakeAt: Instant?
    var zeroKeysAt: Instant?

    // Counters.
    var txBytes: UInt64 = 0
    @usableFromInline var rxBytes: UInt64 = 0

    init(identity: IdentityPublicKey, staticKey: StaticPublicKey) {
        self.identity = identity
        self.staticKey = staticKey
        self.cookies = CookieGenerator(remoteStatic: staticKey)
    }

    /// Whether the current keypair may send now (not expired, counters left).
    func canSend(at now: Instant) -> Bool {
        guard let createdAt = current?.createdAt else { return false }
        return Self.canSend(keypairCreatedAt: createdAt, sendCounter: sendCounter, at: now)
    }

    /// Whether a keypair created at `keypairCreatedAt` may send counter `sendCounter` now
    /// (what `Keypair.isExpired` and the counter limit decide).
    static func canSend(keypairCreatedAt: Instant, sendCounter: UInt64, at now: Instant) -> Bool {
        now - keypairCreatedAt < SessionConstants.rejectAfterTime && sendCounter < SessionConstants.rejectAfterMessages
    }

    /// The keypair to send with now, if it may still send.
    func sendingKeypair(at now: Instant) -> Keypair? {
        canSend(at: now) ? current : nil
    }

}

/// The earlier of two optional instants (nil when both are).
@inline(__always)
func earliest(_ a: Instant?, _ b: Instant?) -> Instant? {
    guard let a else { return b }
    guard let b else { return a }
    return b < a ? b : a
}

/// Where a peer is reached: the endpoint packets go to (it follows roaming) and the one the
/// caller configured. Kept beside `Peer`, slot for slot, in the sessions core.
@usableFromInline
struct PeerEndpoints<Address: TransportAddress>: Sendable {
    @usableFromInline var current: Address?
    /// The endpoint the caller configured (from the netmap). Handshake retries also go
    /// there, so a peer whose roamed endpoint went dead (or was redirected by a replayed
    /// packet) is found again.
    @usableFromInline var configured: Address?

    @inlinable
    init() {}
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
