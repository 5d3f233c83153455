import Logging
import MeshCrypto
import MeshWire
import NIOCore
import ServiceLifecycle

/// Everything a coordinator service gets from `serve`: the shared state, the identity, the
/// addresses, metrics, the event loops and a logger.
public struct CoordinatorContext: Sendable {
    /// The registry, the live policy and the change notifications (see `CoordinatorState`).
    public let state: CoordinatorState
    /// The coordinator's long-term identity: it signs netmaps, and its X25519 form is the
    /// Noise static key nodes pinned from their join key.
    public let identity: IdentitySecretKey
    /// Where the UDP control listener binds (`--listen`).
    public let listen: HostPort
    /// The address in join keys (`--advertise`, else `--listen`).
    public let advertise: HostPort
    public let metrics: CoordinatorMetrics
    public let eventLoopGroup: any EventLoopGroup
    public let logger: Logger
}

/// Makes the control service (the UDP listener carrying node registration, netmap streams,
/// endpoint discovery and relay) from the coordinator's context. `serve` runs whatever it
/// returns in its service group, beside the admin socket and metrics services.
public typealias ControlServiceFactory = @Sendable (CoordinatorContext) throws -> any Service
