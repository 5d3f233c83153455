import MeshTransport

/// The knobs of a mesh endpoint's socket and batching. The defaults suit the default
/// datagram size (1,232 bytes on the wire: safe on any IPv6 path) and Linux.
public struct MeshEndpointConfiguration: Sendable {
    /// Datagrams read per `recvmmsg` call (NIO's vector reads); 0 reads one per syscall.
    /// Reads also stop after `readsPerWakeup` calls, so one batch (and one flush) covers at
    /// most `vectorReadCount × readsPerWakeup` datagrams, or super-datagrams with GRO.
    public var vectorReadCount: Int = 32
    /// `recvmmsg` calls per readiness wake-up before yielding to timers and other channels
    /// (NIO's `maxMessagesPerRead`).
    public var readsPerWakeup: UInt = 4
    /// The largest datagram read whole; longer ones are cut and then fail authentication.
    /// Must cover the largest datagram any peer sends (the stream layer's datagram size
    /// plus 32 bytes of transport header and tag).
    public var maxDatagramSize: Int = 2048
    /// Send runs of equal-sized datagrams to one address as one GSO super-datagram
    /// (`UDP_SEGMENT`), when the kernel offers it.
    public var segmentationOffload: Bool = true
    /// Only datagrams up to this size go through GSO. The kernel refuses (and NIO then
    /// closes the socket) a GSO send whose segments exceed the route's MTU, where a plain
    /// send would merely fragment; 1,232 fits every IPv6 path (1,280 − 48). Raise it only
    /// on paths known to carry more (loopback, jumbo frames).
    public var maxSegmentSize: Int = 1232
    /// Segments per GSO send, at most 64 (the kernel's `UDP_MAX_SEGMENTS` on older
    /// kernels); a super-datagram also stays under 64 KiB.
    public var maxSegmentsPerSend: Int = 64
    /// Let the kernel coalesce received datagrams of one flow (`UDP_GRO`), reporting the
    /// segment size so the shell splits them again, when the kernel offers it.
    public var receiveOffload: Bool = true
    /// Requested `SO_RCVBUF` and `SO_SNDBUF` in bytes (the kernel caps them at
    /// `net.core.rmem_max` / `wmem_max`); nil keeps the system default.
    public var socketBufferSize: Int? = 4 << 20
    /// Handshake messages per second above which the sessions core demands cookies.
    public var underLoadThreshold: Int = SessionConstants.underLoadHandshakeThreshold
    /// Whether unknown initiators may complete a handshake (a coordinator taking joins, a
    /// perf server); every ordinary node keeps the default, allowed peers only.
    public var admission: SessionConfig.Admission = .allowedPeersOnly

    public init() {}
}

/// What an endpoint's socket actually does, after asking the kernel: batching and offloads
/// are enabled only where the kernel offers them.
public struct MeshSocketFeatures: Sendable, Equatable, CustomStringConvertible {
    /// Datagrams per `recvmmsg`; 0 when vector reads are off.
    public var vectorReadCount: Int
    /// Whether transmits go out as GSO super-datagrams (`UDP_SEGMENT`).
    public var segmentationOffload: Bool
    /// Whether the kernel may hand over GRO super-datagrams (`UDP_GRO`).
    public var receiveOffload: Bool
    /// Bytes per receive slot (a datagram, or a GRO super-datagram).
    public var receiveSlotSize: Int
    /// `SO_RCVBUF` / `SO_SNDBUF` as the kernel reports them (Linux doubles the request).
    public var receiveBufferSize: Int
    public var sendBufferSize: Int

    public var description: String {
        "recvmmsg×\(vectorReadCount), sendmmsg, GSO \(segmentationOffload ? "on" : "off"), "
            + "GRO \(receiveOffload ? "on" : "off"), slot \(receiveSlotSize) B, "
            + "rcvbuf \(receiveBufferSize) B, sndbuf \(sendBufferSize) B"
    }
}
