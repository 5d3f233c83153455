import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How an endpoint's UDP socket is set up, and why.
///
/// - **Vector reads** (`recvmmsg`, NIO's `datagramVectorReadMessageCount`): up to
///   `vectorReadCount` datagrams per syscall into one pooled buffer cut in equal slots,
///   up to `readsPerWakeup` syscalls per wake-up. The slices are copied out before the
///   batch ends, so NIO's pool reuses the buffer.
/// - **Vector writes** (`sendmmsg`): NIO writes everything queued at a flush with one
///   `sendmmsg` (up to 1,024 messages); the handler flushes once per batch.
/// - **GSO** (`UDP_SEGMENT`, Linux ≥ 4.18), per message: runs of equal-sized datagrams to
///   one address go out as one super-datagram carrying `segmentSize` in its control
///   message, cut by the kernel (or NIC). Not the socket-wide option: that would cut
///   every larger write, handshakes included. Only datagrams up to `maxSegmentSize` take
///   part, because a GSO send whose segments exceed the route MTU fails with `EINVAL`,
///   which NIO treats as fatal to the socket.
/// - **GRO** (`UDP_GRO`, Linux ≥ 5.10) with per-message segment size: the kernel may hand
///   over several datagrams of one flow as one super-datagram, which the handler cuts at
///   the reported size. Each receive slot is then 64 KiB (a super-datagram can be that
///   large; a smaller slot would truncate it and lose datagrams), and fewer slots are used.
/// - **Socket buffers**: `socketBufferSize` for `SO_RCVBUF`/`SO_SNDBUF`, forced past the
///   sysctl limits when the process may (`SO_RCVBUFFORCE`, as WireGuard does), so bursts
///   are not dropped while the loop is busy decrypting.
enum SocketSetup {
    /// What the socket will do on this system with `configuration`, before asking the
    /// socket for its buffer sizes.
    static func plannedFeatures(_ configuration: MeshEndpointConfiguration) -> MeshSocketFeatures {
        let gro = configuration.receiveOffload && System.supportsUDPReceiveOffload
        let gso = configuration.segmentationOffload && System.supportsUDPSegmentationOffload
        let count = max(0, configuration.vectorReadCount)
        return MeshSocketFeatures(
            vectorReadCount: gro ? min(count, 8) : count,
            segmentationOffload: gso,
            receiveOffload: gro,
            receiveSlotSize: gro ? 65_536 : max(configuration.maxDatagramSize, 64),
            receiveBufferSize: 0,
            sendBufferSize: 0)
    }

    /// A bootstrap on `loop` with the socket options of `features`.
    static func bootstrap(on loop: any EventLoop, configuration: MeshEndpointConfiguration,
                          features: MeshSocketFeatures) -> DatagramBootstrap {
        var bootstrap = DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.maxMessagesPerRead, value: max(UInt(1), configuration.readsPerWakeup))
            .channelOption(.recvAllocator,
                           value: FixedSizeRecvByteBufferAllocator(capacity: features.receiveSlotSize * max(1, features.vectorReadCount)))
        if features.vectorReadCount > 0 {
            bootstrap = bootstrap.channelOption(ChannelOptions.datagramVectorReadMessageCount, value: features.vectorReadCount)
        }
        if features.receiveOffload {
            bootstrap = bootstrap
                .channelOption(ChannelOptions.datagramReceiveOffload, value: true)
                .channelOption(ChannelOptions.datagramReceiveSegmentSize, value: true)
        }
        return bootstrap
    }

    /// Sets the socket buffer sizes (on the loop, after bind) and returns `features` with
    /// the sizes the kernel reports.
    static func applyBuffers(to channel: any Channel, configuration: MeshEndpointConfiguration,
                             features: MeshSocketFeatures) -> MeshSocketFeatures {
        var features = features
        guard let options = channel.syncOptions else { return features }
        if let size = configuration.socketBufferSize {
            let value = SocketOptionValue(clamping: size)
            #if os(Linux)
            if (try? options.setOption(.socket(SocketOptionLevel(SOL_SOCKET), SocketOptionName(SO_RCVBUFFORCE)), value: value)) == nil {
                try? options.setOption(.socketOption(.so_rcvbuf), value: value)
            }
            if (try? options.setOption(.socket(SocketOptionLevel(SOL_SOCKET), SocketOptionName(SO_SNDBUFFORCE)), value: value)) == nil {
                try? options.setOption(.socketOption(.so_sndbuf), value: value)
            }
            #else
            try? options.setOption(.socketOption(.so_rcvbuf), value: value)
            try? options.setOption(.socketOption(.so_sndbuf), value: value)
            #endif
        }
        features.receiveBufferSize = Int((try? options.getOption(.socketOption(.so_rcvbuf))) ?? 0)
        features.sendBufferSize = Int((try? options.getOption(.socketOption(.so_sndbuf))) ?? 0)
        return features
    }
}
