import MeshCrypto

/// Errors of the UDP shell. Each reads as one sentence for an operator and names what
/// was wrong: the address, the peer, the socket.
public enum MeshNetError: Error, Equatable, CustomStringConvertible {
    /// An address could not be used; the text says which and why.
    case invalidAddress(String)
    /// The socket could not be bound to `address`; `reason` is the system's.
    case bindFailed(address: String, reason: String)
    /// `peer` is not in the allowed set, so nothing can be sent to it.
    case unknownPeer(IdentityPublicKey)
    /// A peer could not be added; the sessions core's reason.
    case invalidPeer(String)
    /// The endpoint was closed (or its socket failed) before the operation ran.
    case closed

    public var description: String {
        switch self {
        case .invalidAddress(let why): return "invalid address: \(why)"
        case .bindFailed(let address, let reason): return "cannot bind UDP socket to \(address): \(reason)"
        case .unknownPeer(let k): return "\(k) is not an allowed peer of this endpoint"
        case .invalidPeer(let why): return "cannot add peer: \(why)"
        case .closed: return "the mesh endpoint is closed"
        }
    }
}
