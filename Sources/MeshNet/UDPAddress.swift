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
/// network.
///
/// A plain value (no reference inside), so the sessions core copies, compares and hashes
/// it per packet without reference counting; NIO's `SocketAddress` (a boxed class
/// reference) is made from it only when a write needs one, and the handler reuses the last
/// one made. Equality is family, address bytes, port and IPv6 scope; never a host name.
public struct UDPAddress: TransportAddress {
    /// 4 or 6.
    public let family: UInt8
    /// The address bytes in network order: 16 for IPv6; IPv4 uses the first 4, rest zero.
    let high: UInt64
    let low: UInt64
    /// The port, host byte order.
    public let port: UInt16
    /// The IPv6 scope (interface index) of a link-local address; 0 otherwise.
    public let scopeID: UInt32

    /// An IP socket address in this form; nil for a Unix domain socket address.
    public init?(_ socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let a):
            let sin = a.address
            var h: UInt64 = 0
            withUnsafeBytes(of: sin.sin_addr) { src in
                withUnsafeMutableBytes(of: &h) { dst in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src.prefix(4))) }
            }
            self.init(family: 4, high: h, low: 0, port: UInt16(bigEndian: sin.sin_port), scopeID: 0)
        case .v6(let a):
            let sin6 = a.address
            var pair: (UInt64, UInt64) = (0, 0)
            withUnsafeBytes(of: sin6.sin6_addr) { src in
                withUnsafeMutableBytes(of: &pair) { dst in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src.prefix(16))) }
            }
            self.init(family: 6, high: pair.0, low: pair.1, port: UInt16(bigEndian: sin6.sin6_port), scopeID: sin6.sin6_scope_id)
        case .unixDomainSocket:
            return nil
        }
    }

    /// Parses a numeric IPv4 or IPv6 address (no name lookup) and a port.
    public init(ip: String, port: Int) throws(MeshNetError) {
        guard (0...65535).contains(port) else { throw .invalidAddress("\(ip) port \(port): ports are 0 to 65535") }
        guard let parsed = try? SocketAddress(ipAddress: ip, port: port), let address = UDPAddress(parsed) else {
            throw .invalidAddress("\(ip) is not a numeric IPv4 or IPv6 address")
        }
        self = address
    }

    init(family: UInt8, high: UInt64, low: UInt64, port: UInt16, scopeID: UInt32) {
        self.family = family
        self.high = high
        self.low = low
        self.port = port
        self.scopeID = scopeID
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool { family == 6 }

    /// The IP address bytes (4 or 16), network order.
    public var ipBytes: [UInt8] {
        let pair = (high, low)
        return withUnsafeBytes(of: pair) { Array($0.prefix(isIPv6 ? 16 : 4)) }
    }

    /// The cookie input (docs/protocol.md, "MACs and cookies"): IP bytes, then the port
    /// big-endian. 6 bytes for IPv4, 18 for IPv6.
    public var cookieBytes: [UInt8] { ipBytes + [UInt8(port >> 8), UInt8(port & 0xff)] }

    /// NIO's form, for writing (allocates; the handler caches the last one).
    public var socketAddress: SocketAddress {
        if isIPv6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(NIOBSDSocket.AddressFamily.inet6.rawValue)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_scope_id = scopeID
            let pair = (high, low)
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in withUnsafeBytes(of: pair) { dst.copyMemory(from: $0) } }
            return SocketAddress(sin6, host: "")
        }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(NIOBSDSocket.AddressFamily.inet.rawValue)
        sin.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin.sin_addr) { dst in
            withUnsafeBytes(of: high) { dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(4))) }
        }
        return SocketAddress(sin, host: "")
    }

    /// `1.2.3.4:5` or `[::1]:5` (`[fe80::1%2]:5` with a scope).
    public var description: String {
        let ip = socketAddress.ipAddress ?? "?"
        guard isIPv6 else { return "\(ip):\(port)" }
        return scopeID == 0 ? "[\(ip)]:\(port)" : "[\(ip)%\(scopeID)]:\(port)"
    }

    /// This address in the form a socket of `family` can send to: IPv4 addresses become
    /// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) for an IPv6 socket, which Linux sends
    /// as IPv4 unless the socket is IPv6-only; nil when no form fits (IPv6 on an IPv4
    /// socket).
    func sendable(on family: NIOBSDSocket.ProtocolFamily) -> UDPAddress? {
        switch (isIPv6, family) {
        case (false, .inet), (true, .inet6):
            return self
        case (false, .inet6):
            // ::ffff:a.b.c.d — bytes 10 and 11 are 0xff, the IPv4 address in 12..<16.
            var pair: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &pair) { dst in
                dst[10] = 0xff
                dst[11] = 0xff
                withUnsafeBytes(of: high) { src in for i in 0..<4 { dst[12 + i] = src[i] } }
            }
            return UDPAddress(family: 6, high: pair.0, low: pair.1, port: port, scopeID: 0)
        default:
            return nil
        }
    }
}
