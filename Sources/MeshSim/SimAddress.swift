/// An address on the simulated network: an IPv4-like host number and a port. Nothing here
/// touches a socket; these are labels for in-memory delivery.
public struct SimAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: UInt32
    public var port: UInt16

    public init(host: UInt32, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String {
        "\(host >> 24).\(host >> 16 & 0xff).\(host >> 8 & 0xff).\(host & 0xff):\(port)"
    }
}
