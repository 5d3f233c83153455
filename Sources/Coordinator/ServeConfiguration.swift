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

    /// Why `address` cannot go into join keys, or nil when it can: a wildcard address
    /// (`0.0.0.0`, `::`) binds everywhere but is not somewhere a node can dial.
    public static func problemAsJoinAddress(_ address: HostPort) -> String? {
        let wildcards: Set<String> = ["0.0.0.0", "::", "0:0:0:0:0:0:0:0", "*"]
        guard wildcards.contains(address.host) else { return nil }
        return "\(address) binds every interface but is not an address nodes can dial; give --advertise HOST:PORT "
            + "with the public name or address of this machine"
    }
}
