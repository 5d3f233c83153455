/// Server-Sent Events, as a Streamable HTTP server streams JSON-RPC messages: bytes in any
/// chunks go in, whole events come out (WHATWG HTML §9.2.6, "Parsing an event stream").
///
/// Lines end in `\n`, `\r\n` or `\r`; `data:` lines of one event are joined with `\n`; an
/// empty line dispatches the event; lines starting with `:` are comments (keep-alives);
/// `id`, `event` and `retry` are kept. An event whose data grows past `maxEventBytes`
/// throws `messageTooLarge`, and the rest of it is dropped.
public struct SSEParser: Sendable {
    /// One event.
    public struct Event: Sendable, Hashable {
        /// The `event:` field; nil means the default type, `message`.
        public var type: String?
        /// The `data:` lines joined by `\n`.
        public var data: [UInt8]
        /// The last `id:` seen in the stream, for `Last-Event-ID`.
        public var lastEventID: String?
        /// A `retry:` field of this event, in milliseconds.
        public var retry: Int?
    }

    /// The largest event data accepted.
    public let maxEventBytes: Int

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var data: [UInt8] = []
    private var hasData = false
    private var type: String?
    private var retry: Int?
    private var lastEventID: String?
    private var oversized = false

    /// A parser refusing event data longer than `maxEventBytes`.
    public init(maxEventBytes: Int = MessageFramer.defaultMaxMessageBytes) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// Feeds bytes; returns the events they complete.
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(MCPBridgeError) -> [Event] {
        var events: [Event] = []
        var tooLarge = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n") where lastWasCR:
                lastWasCR = false
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lastWasCR = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                lastWasCR = false
                if line.count <= maxEventBytes + 16 {
                    line.append(byte)
                } else if !oversized {
                    oversized = true
                    tooLarge = true
                }
            }
            if data.count > maxEventBytes, !oversized {
                oversized = true
                tooLarge = true
                data.removeAll()
            }
        }
        if tooLarge { throw .messageTooLarge(limit: maxEventBytes) }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        var field = line[...]
        var value: ArraySlice<UInt8> = []
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            type = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            type = nil
            retry = nil
            oversized = false
        }
        guard hasData, !oversized else { return nil }
        return Event(type: type, data: data, lastEventID: lastEventID, retry: retry)
    }
}
