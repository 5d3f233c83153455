import MeshWire

/// What `mcpmesh-coordinator serve` was asked to do.
public struct ServeConfiguration: Sendable {
    public var stateDirectory: StateDirectory
    /// Where the UDP control listener binds.
    public var listen: HostPort
    /// The address put into join keys; `listen` when nil.
    public var advertise: HostPort?
    /// Where `/metrics` is served; nowhere when nil.
    public var metrics: HostPort?
    /// How often node key expiries are checked.
    public var housekeepingInterval: Duration

    public init(stateDirectory: StateDirectory, listen: HostPort, advertise: HostPort? = nil, metrics: HostPort? = nil,
                housekeepingInterval: Duration = .seconds(30)) {
        self.stateDirectory = stateDirectory
        self.listen = listen
        self.advertise = advertise
        self.metrics = metrics
        self.housekeepingInterval = housekeepingInterval
    }

    /// The address nodes dial, as join keys carry it.
    public var joinAddress: HostPort { advertise ?? listen }

    /// Whether `address` is a wildcard (`0.0.0.0`, `::`): fine to bind, but not an address
    /// a node can dial, so not one for join keys.
    public static func isWildcard(_ address: HostPort) -> Bool {
        ["0.0.0.0", "::", "0:0:0:0:0:0:0:0", "*"].contains(address.host)
    }
}
