import MeshCrypto

/// What the sessions core asks its shell to do, or tells it happened.
public enum SessionAction<Address: TransportAddress>: Sendable {
    /// Send `datagram` to `to` over UDP.
    case transmit([UInt8], to: Address)
    /// An authenticated payload from `from`, received exactly once, under `counter` (the
    /// packet number of the stream layer).
    case deliver([UInt8], from: IdentityPublicKey, counter: UInt64)
    /// A handshake with `peer` completed (for a responder: confirmed by the first packet on
    /// the new keys); packets now flow.
    case handshakeCompleted(IdentityPublicKey, asInitiator: Bool)
    /// Authenticated packets from `peer` now come from `address`; replies go there.
    case endpointChanged(IdentityPublicKey, Address)
    /// The peer's epoch changed: it restarted and its counters began again. Anything built
    /// on the old session (streams) must be reset.
    case peerRestarted(IdentityPublicKey)
    /// No handshake with `peer` completed within `rekeyAttemptTime`; staged packets were
    /// dropped.
    case handshakeFailed(IdentityPublicKey)
}
