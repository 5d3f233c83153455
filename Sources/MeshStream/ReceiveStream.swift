import MeshWire

/// The receiving half of a stream (RFC 9000 §3.2): reassembly of STREAM frames into one
/// ordered byte sequence, the final size, flow-control credit, and a reset by the peer or
/// STOP_SENDING by the application.
struct ReceiveStream: Sendable {
    let id: StreamID
    /// Bytes from `readOffset` on, starting at `buffer[head]`; holes are zero until filled.
    private var buffer: [UInt8] = []
    private var head = 0
    /// Bytes the application has read.
    private(set) var readOffset: UInt64 = 0
    /// Ranges received at or above `readOffset`.
    private var received = IntervalSet()
    private(set) var highestReceived: UInt64 = 0
    private(set) var finalSize: UInt64?
    var credit: ReceiveCredit
    /// Set when the peer reset its sending half.
    private(set) var resetCode: UInt64?
    /// Set when the application asked the peer to stop sending.
    private(set) var stopCode: UInt64?
    /// Bytes counted as consumed for connection-level credit (read or discarded).
    private var accounted: UInt64 = 0
    /// The application was told that the FIN was reached or that the peer reset.
    var endDelivered = false

    init(id: StreamID, credit: ReceiveCredit) {
        self.id = id
        self.credit = credit
    }

    /// Bytes ready to read, in order.
    var readableBytes: Int {
        guard resetCode == nil, stopCode == nil else { return 0 }
        return Int(received.contiguousEnd(from: readOffset) - readOffset)
    }

    /// The application has read everything up to the FIN.
    var isFinishedReading: Bool { resetCode == nil && stopCode == nil && finalSize == readOffset }
    /// Whether data is still expected (credit updates make sense).
    var expectsData: Bool { finalSize == nil && resetCode == nil && stopCode == nil }
    /// Nothing more will happen on this half.
    var isTerminal: Bool {
        if stopCode != nil { return finalSize != nil }
        return endDelivered
    }

    /// Takes a STREAM frame; returns how far it raised the highest offset received (what it
    /// costs in connection credit).
    mutating func onData(_ frame: StreamFrame) throws(StreamError) -> UInt64 {
        let end = frame.end
        if let size = finalSize {
            guard end <= size, !frame.fin || end == size else {
                throw .finalSize(stream: id, finalSize: size, offset: end)
            }
        } else if frame.fin, end < highestReceived {
            throw .finalSize(stream: id, finalSize: end, offset: highestReceived)
        }
        guard credit.allows(end) else { throw .flowControl(stream: id, limit: credit.limit, offset: end) }
        if frame.fin { finalSize = end }
        let raised = end > highestReceived ? end - highestReceived : 0
        highestReceived = max(highestReceived, end)
        credit.setReceived(highestReceived)
        guard resetCode == nil, stopCode == nil else { return raised }
        let start = max(frame.offset, readOffset)
        guard start < end else { return raised }
        let slice = frame.data.suffix(Int(end - start))
        let index = head + Int(start - readOffset)
        if index == buffer.count {
            buffer.append(contentsOf: slice)
        } else {
            let needed = index + slice.count
            if buffer.count < needed { buffer.append(contentsOf: [UInt8](repeating: 0, count: needed - buffer.count)) }
            buffer.replaceSubrange(index..<needed, with: slice)
        }
        received.insert(start..<end)
        guard received.count <= StreamConstants.maxReassemblyRanges else {
            throw .tooFragmented(stream: id, ranges: received.count)
        }
        return raised
    }

    /// Reads up to `max` bytes in order.
    mutating func read(max: Int) -> [UInt8] {
        let n = min(max, readableBytes)
        guard n > 0 else { return [] }
        let out = Array(buffer[head..<(head + n)])
        head += n
        readOffset += UInt64(n)
        accounted = readOffset
        received.removeAll(below: readOffset)
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1 << 16, head * 2 >= buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        return out
    }

    /// Takes a RESET_STREAM (RFC 9000 §19.4); returns how far it raised the highest offset.
    mutating func onReset(code: UInt64, finalSize size: UInt64) throws(StreamError) -> UInt64 {
        if let known = finalSize, known != size {
            throw .finalSize(stream: id, finalSize: known, offset: size)
        }
        guard size >= highestReceived else { throw .finalSize(stream: id, finalSize: size, offset: highestReceived) }
        guard credit.allows(size) else { throw .flowControl(stream: id, limit: credit.limit, offset: size) }
        let raised = size - highestReceived
        highestReceived = size
        finalSize = size
        credit.setReceived(size)
        if resetCode == nil, !endDelivered {
            resetCode = code
            discardBuffer()
        }
        return raised
    }

    /// The application no longer wants data (STOP_SENDING).
    mutating func stop(code: UInt64) {
        guard stopCode == nil, resetCode == nil, !endDelivered else { return }
        stopCode = code
        discardBuffer()
    }

    private mutating func discardBuffer() {
        buffer = []
        head = 0
        received = IntervalSet()
    }

    /// Once reset or stopped, everything received counts as consumed; returns the bytes not
    /// yet counted (to give back as connection credit).
    mutating func takeDiscarded() -> UInt64 {
        guard resetCode != nil || stopCode != nil else { return 0 }
        let top = finalSize ?? highestReceived
        defer { accounted = max(accounted, top) }
        return top > accounted ? top - accounted : 0
    }
}
