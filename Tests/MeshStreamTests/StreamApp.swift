import MeshSim
import MeshStream

/// A test application on one end: opens its planned streams, writes each one's generated
/// bytes as the send buffer allows, finishes them, reads the peer's streams in chunks of
/// random size and checks every byte, exactly once and in order.
struct StreamApp {
    struct Outgoing {
        var size: Int
        var written = 0
        var finished = false
        var acknowledged = false
    }

    struct Incoming {
        var size: Int
        var read = 0
        var finished = false
    }

    let salt: UInt64
    var rng: SimRandom
    var outgoing: [StreamID: Outgoing] = [:]
    var incoming: [StreamID: Incoming] = [:]
    /// Planned sizes of the streams the peer opens.
    var peerPlan: [StreamID: Int]
    var closeReason: CloseReason?
    var failures: [String] = []
    var maxReadChunk: Int
    /// Largest number of unacknowledged bytes seen.
    var peakUnacknowledged = 0

    init(plan: [Int], peerPlan: [StreamID: Int], salt: UInt64, rng: SimRandom, maxReadChunk: Int = 8192) {
        self.salt = salt
        self.rng = rng
        self.peerPlan = peerPlan
        self.maxReadChunk = maxReadChunk
        pendingPlan = plan
    }

    private var pendingPlan: [Int]

    /// Every planned stream was opened and written, and every byte of them acknowledged.
    var allSentAndAcknowledged: Bool {
        pendingPlan.isEmpty && outgoing.values.allSatisfy(\.acknowledged)
    }

    /// Every stream of the peer was read to its FIN.
    var allReceived: Bool {
        incoming.count == peerPlan.count && incoming.values.allSatisfy(\.finished)
    }

    var allDone: Bool { allSentAndAcknowledged && allReceived }

    var bytesReceived: Int { incoming.values.reduce(0) { $0 + $1.read } }

    mutating func start(_ c: inout StreamConnection) {
        while !pendingPlan.isEmpty, let id = c.openStream() {
            outgoing[id] = Outgoing(size: pendingPlan.removeFirst())
            pump(id, &c)
        }
    }

    private mutating func pump(_ id: StreamID, _ c: inout StreamConnection) {
        guard var o = outgoing[id], !o.finished else { return }
        while o.written < o.size {
            let chunk = min(o.size - o.written, 1 + Int(rng.next() % 20_000))
            let n = c.write(expectedBytes(stream: id, range: o.written..<(o.written + chunk), salt: salt), to: id)
            o.written += n
            if n < chunk { break }
        }
        if o.written == o.size {
            c.finish(id)
            o.finished = true
        }
        outgoing[id] = o
        peakUnacknowledged = max(peakUnacknowledged, c.unacknowledgedBytes)
    }

    private mutating func drain(_ id: StreamID, _ c: inout StreamConnection) {
        guard var inc = incoming[id] else {
            failures.append("readable on unknown stream \(id)")
            return
        }
        while true {
            let bytes = c.read(from: id, max: 1 + Int(rng.next() % UInt64(maxReadChunk)))
            if bytes.isEmpty { break }
            if !matchesExpected(bytes, stream: id, offset: inc.read, salt: salt) {
                failures.append("stream \(id): wrong bytes at offset \(inc.read)")
                return
            }
            inc.read += bytes.count
            if inc.read > inc.size {
                failures.append("stream \(id): \(inc.read) bytes read, more than the \(inc.size) sent")
            }
        }
        incoming[id] = inc
    }

    /// Reacts to every pending event.
    mutating func handleEvents(_ c: inout StreamConnection) {
        while let event = c.pollEvent() {
            switch event {
            case let .opened(id):
                guard let size = peerPlan[id] else {
                    failures.append("peer opened unplanned stream \(id)")
                    continue
                }
                if incoming[id] != nil { failures.append("stream \(id) opened twice") }
                incoming[id] = Incoming(size: size)
                // The peer's streams are only read from; finish this side's half at once.
                c.finish(id)
            case let .readable(id):
                drain(id, &c)
            case let .writable(id):
                pump(id, &c)
            case let .finished(id):
                guard incoming[id] != nil else {
                    if outgoing[id] == nil { failures.append("FIN on unknown stream \(id)") }
                    continue
                }
                drain(id, &c)
                let inc = incoming[id]!
                if inc.read != inc.size { failures.append("stream \(id): FIN after \(inc.read) of \(inc.size) bytes") }
                if inc.finished { failures.append("stream \(id): FIN reported twice") }
                incoming[id]?.finished = true
            case let .acknowledged(id):
                if outgoing[id] != nil {
                    if outgoing[id]!.written != outgoing[id]!.size { failures.append("stream \(id) acknowledged early") }
                    outgoing[id]!.acknowledged = true
                }
            case let .reset(id, code):
                failures.append("unexpected reset of stream \(id) code \(code)")
            case let .stopSending(id, code):
                failures.append("unexpected STOP_SENDING on stream \(id) code \(code)")
            case .streamsAvailable:
                start(&c)
            case let .connectionClosed(reason):
                if closeReason != nil { failures.append("closed twice") }
                closeReason = reason
            }
        }
    }
}
