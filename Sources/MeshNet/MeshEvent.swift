import MeshCrypto

/// What a mesh endpoint reports to the layers above, on its event loop.
public enum MeshEvent: Sendable {
    /// An authenticated payload from `peer`, delivered exactly once, under `counter` (the
    /// Noise counter, which the stream layer uses as its packet number). Only peers without
    /// an attached `MeshPeerConsumer` produce this event; a consumer gets its peer's
    /// datagrams directly.
    case datagram(from: IdentityPublicKey, payload: [UInt8], counter: UInt64)
    /// A handshake with the peer completed; packets flow.
    case handshakeCompleted(IdentityPublicKey, asInitiator: Bool)
    /// Authenticated packets from the peer now come from `address`; replies go there.
    case endpointChanged(IdentityPublicKey, UDPAddress)
    /// The peer restarted: its counters began again; state built on the old session
    /// (streams) must be reset.
    case peerRestarted(IdentityPublicKey)
    /// No handshake with the peer completed within the retry time; staged payloads were
    /// dropped.
    case handshakeFailed(IdentityPublicKey)
    /// The socket closed without `close()` being called (a send error the system treats as
    /// fatal); `reason` is the error. The endpoint sends and receives nothing more.
    case socketClosed(reason: String)
}
