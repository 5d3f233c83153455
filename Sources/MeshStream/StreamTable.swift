/// The connection's streams: the sending half, the receiving half and the bookkeeping of
/// each stream in parallel arrays, so that frames update them in place, found by id through
/// a map of slots. A slot number stays valid until the next `remove`.
struct StreamTable: Sendable {
    var send: [SendStream] = []
    var recv: [ReceiveStream] = []
    var flags: [StreamFlags] = []
    private var slots: [StreamID: Int] = [:]
    /// The raw id in each slot: a few streams are found by a scan, without hashing.
    private var rawIDs: [UInt64] = []

    var count: Int { send.count }
    var isEmpty: Bool { send.isEmpty }

    func slot(of id: StreamID) -> Int? {
        if rawIDs.count <= 16 {
            for k in rawIDs.indices where rawIDs[k] == id.rawValue { return k }
            return nil
        }
        return slots[id]
    }

    /// Both halves are done: the stream can be forgotten.
    func isTerminal(_ slot: Int) -> Bool { send[slot].isTerminal && recv[slot].isTerminal }

    @discardableResult
    mutating func insert(send s: SendStream, recv r: ReceiveStream) -> Int {
        let slot = send.count
        send.append(s)
        recv.append(r)
        flags.append(StreamFlags())
        rawIDs.append(s.id.rawValue)
        slots[s.id] = slot
        return slot
    }

    /// Removes the stream in `slot`; the last stream moves into its place.
    mutating func remove(at slot: Int) {
        slots[send[slot].id] = nil
        let lastSend = send.removeLast(), lastRecv = recv.removeLast(), lastFlags = flags.removeLast()
        let lastID = rawIDs.removeLast()
        if slot < send.count {
            send[slot] = lastSend
            recv[slot] = lastRecv
            flags[slot] = lastFlags
            rawIDs[slot] = lastID
            slots[lastSend.id] = slot
        }
    }

    mutating func removeAll() {
        send = []
        recv = []
        flags = []
        rawIDs = []
        slots = [:]
    }

    /// The ids of all streams, in ascending order.
    var ids: [StreamID] { send.map(\.id).sorted() }
}
