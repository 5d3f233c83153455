/// The sending half of a stream (RFC 9000 §3.1): the bytes the application wrote and the
/// peer has not yet acknowledged, what was sent, what must be sent again, the FIN and a reset.
struct SendStream: Sendable {
    let id: StreamID
    /// Bytes from (about) `ackedUpTo` to `writeOffset`.
    private var buffer = SendBuffer()
    /// Every byte below this offset was acknowledged.
    private(set) var ackedUpTo: UInt64 = 0
    /// Bytes the application wrote.
    private(set) var writeOffset: UInt64 = 0
    /// The next byte never sent before; the final size if reset.
    private(set) var sendOffset: UInt64 = 0
    /// Acknowledged ranges above `ackedUpTo`.
    private var acked = IntervalSet()
    /// Ranges to send again.
    private var lost = IntervalSet()
    /// The peer's MAX_STREAM_DATA.
    var credit: SendCredit
    /// The final size once the application finished the stream.
    private(set) var finOffset: UInt64?
    /// FIN sent and not (since) declared lost.
    private var finInFlight = false
    private(set) var finAcked = false
    /// The error code once the stream was reset by this side.
    private(set) var resetCode: UInt64?
    var resetAcked = false

    init(id: StreamID, credit: UInt64) {
        self.id = id
        self.credit = SendCredit(limit: credit)
    }

    /// Bytes held until acknowledged (counted against the send buffer limits).
    var bufferedBytes: Int { resetCode == nil ? Int(writeOffset - ackedUpTo) : 0 }
    /// Whether the application may still write.
    var acceptsWrites: Bool { finOffset == nil && resetCode == nil }
    /// Every byte and the FIN acknowledged.
    var isFullyAcknowledged: Bool { resetCode == nil && finAcked && finOffset == ackedUpTo }
    /// Nothing more will happen on this half.
    var isTerminal: Bool { isFullyAcknowledged || (resetCode != nil && resetAcked) }
    /// Unsent bytes that wait for stream credit.
    var isBlockedByStreamCredit: Bool { resetCode == nil && writeOffset > sendOffset && credit.available == 0 }
    var hasUnsentData: Bool { resetCode == nil && writeOffset > sendOffset }

    private var finReady: Bool {
        finOffset != nil && !finInFlight && !finAcked && sendOffset == finOffset
    }

    /// Whether a frame could be sent now, given `connectionCredit` for new bytes.
    func hasSendable(connectionCredit: UInt64) -> Bool {
        guard resetCode == nil else { return false }
        if !lost.isEmpty || finReady { return true }
        return writeOffset > sendOffset && credit.available > 0 && connectionCredit > 0
    }

    /// Appends up to `limit` bytes of `bytes`; returns how many were taken.
    mutating func write(_ bytes: some Collection<UInt8>, limit: Int) -> Int {
        guard acceptsWrites, limit > 0 else { return 0 }
        let n = min(bytes.count, limit)
        buffer.append(contentsOf: bytes.prefix(n))
        writeOffset += UInt64(n)
        return n
    }

    /// `write` for an array: kept as it is when it fits whole (no copy).
    mutating func write(_ bytes: [UInt8], limit: Int) -> Int {
        guard acceptsWrites, limit > 0 else { return 0 }
        guard bytes.count <= limit else { return write(bytes[...], limit: limit) }
        buffer.append(bytes)
        writeOffset += UInt64(bytes.count)
        return bytes.count
    }

    mutating func finish() {
        guard acceptsWrites else { return }
        finOffset = writeOffset
    }

    /// Abandons the stream; returns the bytes freed from the buffer.
    mutating func reset(code: UInt64) -> Int {
        guard resetCode == nil, !isFullyAcknowledged else { return 0 }
        let freed = bufferedBytes
        resetCode = code
        buffer.removeAll()
        lost = IntervalSet()
        acked = IntervalSet()
        return freed
    }

    struct Emitted {
        var frame: SentFrame
        /// New bytes, counted against connection credit.
        var newBytes: UInt64
        var isRetransmission: Bool
    }

    /// Writes one STREAM frame of at most `room` bytes into `out`: lost data first, then new
    /// data within stream credit and `connectionCredit`. Nil if nothing fits or is allowed.
    mutating func emitFrame(into out: inout [UInt8], room: Int, connectionCredit: UInt64) -> Emitted? {
        guard resetCode == nil else { return nil }
        if let range = lost.first {
            let offset = range.lowerBound
            let maxLength = room - FrameCodec.streamHeaderLength(id: id, offset: offset, length: room)
            guard maxLength > 0 else { return nil }
            let length = min(UInt64(maxLength), range.upperBound - offset)
            let end = offset + length
            let fin = finOffset == end && !finInFlight && !finAcked
            append(offset: offset, length: Int(length), fin: fin, into: &out)
            lost.remove(offset..<end)
            if fin { finInFlight = true }
            return Emitted(frame: .stream(id, offset: offset, length: Int(length), fin: fin),
                           newBytes: 0, isRetransmission: true)
        }
        let allowed = min(writeOffset - sendOffset, credit.available, connectionCredit)
        if allowed == 0 && !finReady { return nil }
        let maxLength = room - FrameCodec.streamHeaderLength(id: id, offset: sendOffset,
                                                            length: Int(min(allowed, UInt64(room))))
        guard maxLength > 0 || (maxLength == 0 && finReady) else { return nil }
        let length = min(allowed, UInt64(maxLength))
        let offset = sendOffset
        let fin = finOffset == offset + length && !finInFlight && !finAcked
        if length == 0 && !fin { return nil }
        append(offset: offset, length: Int(length), fin: fin, into: &out)
        sendOffset += length
        credit.use(length)
        if fin { finInFlight = true }
        return Emitted(frame: .stream(id, offset: offset, length: Int(length), fin: fin),
                       newBytes: length, isRetransmission: false)
    }

    private mutating func append(offset: UInt64, length: Int, fin: Bool, into out: inout [UInt8]) {
        FrameCodec.encodeStreamHeader(id: id, offset: offset, length: length, fin: fin, into: &out)
        buffer.copy(offset: offset, length: length, into: &out)
    }

    /// A STREAM frame was acknowledged; returns the bytes freed from the buffer.
    mutating func onAcked(offset: UInt64, length: Int, fin: Bool) -> Int {
        guard resetCode == nil else { return 0 }
        if fin { finAcked = true }
        let end = offset + UInt64(length)
        guard end > ackedUpTo else { return 0 }
        acked.insert(offset..<end)
        lost.remove(offset..<end)
        let newUpTo = acked.contiguousEnd(from: ackedUpTo)
        guard newUpTo > ackedUpTo else { return 0 }
        let freed = Int(newUpTo - ackedUpTo)
        ackedUpTo = newUpTo
        acked.removeAll(below: newUpTo)
        buffer.release(below: ackedUpTo)
        return freed
    }

    /// A STREAM frame was lost (or is probed): its unacknowledged bytes are sent again.
    mutating func onLost(offset: UInt64, length: Int, fin: Bool) {
        guard resetCode == nil else { return }
        if fin && !finAcked { finInFlight = false }
        let end = offset + UInt64(length)
        var cursor = max(offset, ackedUpTo)
        while cursor < end, let gap = acked.firstGap(in: cursor..<end) {
            lost.insert(gap)
            cursor = gap.upperBound
        }
    }
}
