/// Groups consecutive datagrams into GSO runs (`UDP_SEGMENT`, Linux ≥ 4.18): datagrams to
/// one address, all of one size except possibly a shorter last one, become one
/// super-datagram that the kernel cuts back into datagrams. This is how the kernel's
/// segmentation works, so a run is exactly what one GSO send can carry.
///
/// Pure bookkeeping with no I/O, so it is tested without sockets. The datagrams stay the
/// caller's arrays until the run is written; the only copy is the one into the socket
/// buffer when the run goes out.
struct TransmitCoalescer<Address: Equatable> {
    /// A run ready to write: one datagram (sent as is) or several (sent as one GSO send of
    /// `segmentSize`-byte segments).
    struct Run {
        var destination: Address
        var segmentSize: Int
        var datagrams: [[UInt8]]
        var byteCount: Int
    }

    /// Largest datagram that may join a run (its segments must fit the path MTU).
    let maxSegmentSize: Int
    /// Most datagrams per run.
    let maxSegments: Int
    /// Most bytes per run: a super-datagram is one IP packet to the kernel until it is cut.
    let maxRunBytes: Int

    private var open: Run?
    /// Set when the open run's last datagram was shorter than its segment size: nothing
    /// may follow it.
    private var openIsSealed = false

    /// `enabled == false` makes every datagram a run of its own.
    init(enabled: Bool, maxSegmentSize: Int, maxSegments: Int, maxRunBytes: Int = 65_000) {
        self.maxSegmentSize = enabled ? maxSegmentSize : 0
        self.maxSegments = enabled ? max(1, min(maxSegments, 64)) : 1
        self.maxRunBytes = maxRunBytes
    }

    /// Adds a datagram. Appends to `ready`, in order, what must be written now: the open
    /// run when the datagram cannot join it, and the datagram itself when it cannot be
    /// coalesced at all (empty, larger than `maxSegmentSize`, or GSO off).
    mutating func add(_ datagram: [UInt8], to destination: Address, into ready: inout [Run]) {
        let size = datagram.count
        if var run = open, !openIsSealed, run.destination == destination, size <= run.segmentSize,
           run.datagrams.count < maxSegments, run.byteCount + size <= maxRunBytes {
            run.datagrams.append(datagram)
            run.byteCount += size
            openIsSealed = size < run.segmentSize
            open = run
            return
        }
        if let run = open {
            ready.append(run)
            open = nil
        }
        let single = Run(destination: destination, segmentSize: size, datagrams: [datagram], byteCount: size)
        if size == 0 || size > maxSegmentSize || maxSegments == 1 {
            ready.append(single)
        } else {
            open = single
            openIsSealed = false
        }
    }

    /// Ends the open run, if any (at the end of a batch, before the flush).
    mutating func finish() -> Run? {
        defer { open = nil; openIsSealed = false }
        return open
    }

    /// Whether a run is open.
    var hasOpenRun: Bool { open != nil }
}
