import MeshCrypto
import MeshWire

/// The transport keys of one completed handshake (docs/protocol.md, "Keypairs"). Keys are
/// zeroed when the last copy of the keypair is dropped.
struct Keypair: Sendable {
    let sendKey: SymmetricKey
    let receiveKey: SymmetricKey
    let localIndex: SessionIndex
    let remoteIndex: SessionIndex
    let createdAt: Instant
    /// Whether this side initiated the handshake: only the initiator rekeys on age.
    let isInitiator: Bool
    /// The peer's send counter when this keypair took over, for `rekeyAfterMessages`.
    let firstSendCounter: UInt64
    var replay = ReplayWindow()

    func age(at now: Instant) -> Duration { now - createdAt }

    func isExpired(at now: Instant) -> Bool { age(at: now) >= SessionConstants.rejectAfterTime }
}
