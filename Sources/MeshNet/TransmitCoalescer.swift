/// Groups consecutive datagrams into GSO runs (`UDP_SEGMENT`, Linux ≥ 4.18): datagrams to
/// one address, all of one size except possibly a shorter last one, become one
/// super-datagram that the kernel cuts back into datagrams. This is how the kernel's
/// segmentation works, so a run is exactly what one GSO send can carry.
///
/// Pure bookkeeping with no I/O, so it is tested without sockets: it decides where each
/// datagram goes before the datagram exists, so that the shell can seal it straight into
/// the open run's buffer (the datagram's only copy before the kernel's).
struct TransmitCoalescer<Address: Equatable> {
    /// A run: one datagram (sent as is) or several (sent as one GSO send of
    /// `segmentSize`-byte segments).
    struct Run: Equatable {
        var destination: Address
        var segmentSize: Int
        var count: Int
        var byteCount: Int
    }

    /// Where the next datagram goes.
    enum Placement: Equatable {
        /// At the end of the open run.
        case join
        /// It begins a new open run, after `closed` (the run it could not join) is written.
        case startRun(closed: Run?)
        /// It is written alone, after `closed`: empty, larger than `maxSegmentSize`, or GSO
        /// off.
        case single(closed: Run?)
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

    /// Places a datagram of `size` bytes to `destination`.
    mutating func place(size: Int, to destination: Address) -> Placement {
        if var run = open, !openIsSealed, run.destination == destination, size <= run.segmentSize,
           run.count < maxSegments, run.byteCount + size <= maxRunBytes {
            run.count += 1
            run.byteCount += size
            openIsSealed = size < run.segmentSize
            open = run
            return .join
        }
        let closed = open
        open = nil
        if size == 0 || size > maxSegmentSize || maxSegments == 1 { return .single(closed: closed) }
        open = Run(destination: destination, segmentSize: size, count: 1, byteCount: size)
        openIsSealed = false
        return .startRun(closed: closed)
    }

    /// The most bytes a run that starts with a datagram of `size` bytes can grow to.
    func runCapacity(startingWith size: Int) -> Int {
        min(maxRunBytes, size * maxSegments)
    }

    /// Ends the open run, if any (at the end of a batch, before the flush).
    mutating func finish() -> Run? {
        defer { open = nil; openIsSealed = false }
        return open
    }

    /// Whether a run is open.
    var hasOpenRun: Bool { open != nil }
}
