import MeshTransport
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A UDP endpoint (IPv4 or IPv6 address and port): the `TransportAddress` of the real
/// network. It wraps NIO's `SocketAddress`, so the datagrams the socket reads carry their
/// source in this form with no conversion, and transmits need none either.
///
/// Equality and hashing are NIO's: family, address bytes, port (and for IPv6 flow label and
/// scope), never the host name a `SocketAddress` may remember.
public struct UDPAddress: TransportAddress {
    /// The socket address; always `.v4` or `.v6`.
    public let socketAddress: SocketAddress

    /// Wraps an IP socket address; nil for a Unix domain socket address.
    public init?(_ socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4, .v6: self.socketAddress = socketAddress
        case .unixDomainSocket: return nil
        }
    }

    /// Parses a numeric IPv4 or IPv6 address (no name lookup) and a port.
    public init(ip: String, port: Int) throws(MeshNetError) {
        guard (0...65535).contains(port) else { throw .invalidAddress("\(ip) port \(port): ports are 0 to 65535") }
        do {
            socketAddress = try SocketAddress(ipAddress: ip, port: port)
        } catch {
            throw .invalidAddress("\(ip) is not a numeric IPv4 or IPv6 address")
        }
    }

    /// `init(_:)` for callers that know they hold an IP address (the socket's own
    /// addresses and NIO's read envelopes on an IP socket).
    init(unchecked socketAddress: SocketAddress) { self.socketAddress = socketAddress }

    /// The port, host byte order.
    public var port: Int { socketAddress.port ?? 0 }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool {
        if case .v6 = socketAddress { return true }
        return false
    }

    /// The IP address bytes (4 or 16), network order.
    public var ipBytes: [UInt8] {
        switch socketAddress {
        case .v4(let a): return withUnsafeBytes(of: a.address.sin_addr) { Array($0) }
        case .v6(let a): return withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: return []
        }
    }

    /// The cookie input (docs/protocol.md, "MACs and cookies"): IP bytes, then the port
    /// big-endian. 6 bytes for IPv4, 18 for IPv6.
    public var cookieBytes: [UInt8] {
        let p = UInt16(truncatingIfNeeded: port)
        return ipBytes + [UInt8(p >> 8), UInt8(p & 0xff)]
    }

    /// `1.2.3.4:5` or `[::1]:5`.
    public var description: String {
        let ip = socketAddress.ipAddress ?? "?"
        return isIPv6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// This address in the form a socket of `family` can send to: IPv4 addresses become
    /// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) for an IPv6 socket, which Linux sends
    /// as IPv4 unless the socket is IPv6-only; nil when no form fits (IPv6 on an IPv4
    /// socket).
    func sendable(on family: NIOBSDSocket.ProtocolFamily) -> UDPAddress? {
        switch (socketAddress, family) {
        case (.v4, .inet), (.v6, .inet6):
            return self
        case (.v4(let a), .inet6):
            var v6 = sockaddr_in6()
            v6.sin6_family = sa_family_t(NIOBSDSocket.AddressFamily.inet6.rawValue)
            v6.sin6_port = a.address.sin_port
            withUnsafeMutableBytes(of: &v6.sin6_addr) { out in
                out.initializeMemory(as: UInt8.self, repeating: 0)
                out[10] = 0xff
                out[11] = 0xff
                withUnsafeBytes(of: a.address.sin_addr) { v4 in
                    for i in 0..<4 { out[12 + i] = v4[i] }
                }
            }
            return UDPAddress(unchecked: SocketAddress(v6, host: a.host))
        default:
            return nil
        }
    }
}
