/// Where a datagram came from or goes to. The sessions core is generic over it: the UDP
/// shell uses socket addresses, the simulator its own addresses.
public protocol TransportAddress: Hashable, Sendable, CustomStringConvertible {
    /// A stable byte form of the address (IP bytes then port), the input to cookies.
    var cookieBytes: [UInt8] { get }
}
