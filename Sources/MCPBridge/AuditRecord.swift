import Foundation

/// One line of the serving node's audit log: a session or a tool call across the mesh.
///
/// Written as one JSON object per line with its keys in this order:
///
/// ```json
/// {"time":"2025-11-25T21:38:04.512Z","peer":"laptop","server":"files","method":"tools/call",
///  "tool":"read_file","decision":"allowed","duration_ms":12.4,"bytes_in":118,"bytes_out":5120,
///  "outcome":"ok"}
/// ```
///
/// `method` is `tools/call` for a call and `session` for a whole session (written when it
/// ends, or when it is refused). `bytes_in` counts bytes from the peer, `bytes_out` bytes to
/// it. `tool` is absent for sessions. docs/mcp-bridge.md lists the outcomes.
public struct AuditRecord: Sendable, Hashable, Codable {
    /// Whether the policy let the session or call through.
    public enum Decision: String, Sendable, Hashable, Codable {
        case allowed, denied
    }

    /// When the session or call ended (or was refused).
    public var time: Date
    /// The peer node's name.
    public var peer: String
    /// The MCP server's name on this node.
    public var server: String
    /// `tools/call`, or `session`.
    public var method: String
    /// The tool called, for calls.
    public var tool: String?
    /// Allowed or denied by the policy.
    public var decision: Decision
    /// From the request to its response (calls), or from open to close (sessions).
    public var durationMs: Double
    /// Bytes received from the peer.
    public var bytesIn: Int
    /// Bytes sent to the peer.
    public var bytesOut: Int
    /// How it ended: `ok`, `error CODE`, `cancelled`, `unanswered`, `not permitted`, or a
    /// session's closing reason.
    public var outcome: String

    /// A record with every field given.
    public init(time: Date, peer: String, server: String, method: String, tool: String?, decision: Decision,
                durationMs: Double, bytesIn: Int, bytesOut: Int, outcome: String) {
        self.time = time
        self.peer = peer
        self.server = server
        self.method = method
        self.tool = tool
        self.decision = decision
        self.durationMs = durationMs
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.outcome = outcome
    }

    /// The record of a call the filter decided, stamped with the wall-clock `time`.
    public init(call: CallAudit, peer: String, server: String, time: Date) {
        self.init(time: time, peer: peer, server: server, method: call.method, tool: call.tool,
                  decision: call.decision, durationMs: Self.milliseconds(call.duration),
                  bytesIn: call.bytesIn, bytesOut: call.bytesOut, outcome: call.outcome)
    }

    /// Whole milliseconds with one decimal, as written to the log.
    public static func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.nanoseconds) / 100_000).rounded() / 10
    }

    enum CodingKeys: String, CodingKey {
        case time, peer, server, method, tool, decision
        case durationMs = "duration_ms", bytesIn = "bytes_in", bytesOut = "bytes_out", outcome
    }

    /// The record as one line of JSON, without the newline.
    public var jsonLine: String {
        var line = "{\"time\":"
        line.reserveCapacity(160 + peer.utf8.count + server.utf8.count + outcome.utf8.count)
        Self.appendQuoted(Self.format(time), to: &line)
        line += ",\"peer\":"
        Self.appendQuoted(peer, to: &line)
        line += ",\"server\":"
        Self.appendQuoted(server, to: &line)
        line += ",\"method\":"
        Self.appendQuoted(method, to: &line)
        if let tool {
            line += ",\"tool\":"
            Self.appendQuoted(tool, to: &line)
        }
        line += ",\"decision\":"
        Self.appendQuoted(decision.rawValue, to: &line)
        line += ",\"duration_ms\":\(durationMs),\"bytes_in\":\(bytesIn),\"bytes_out\":\(bytesOut),\"outcome\":"
        Self.appendQuoted(outcome, to: &line)
        line += "}"
        return line
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .time)
        guard let time = try? Date(text, strategy: Self.timeStyle) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "not an ISO 8601 time: \(text)")
        }
        self.init(time: time, peer: try c.decode(String.self, forKey: .peer),
                  server: try c.decode(String.self, forKey: .server), method: try c.decode(String.self, forKey: .method),
                  tool: try c.decodeIfPresent(String.self, forKey: .tool),
                  decision: try c.decode(Decision.self, forKey: .decision),
                  durationMs: try c.decode(Double.self, forKey: .durationMs),
                  bytesIn: try c.decode(Int.self, forKey: .bytesIn), bytesOut: try c.decode(Int.self, forKey: .bytesOut),
                  outcome: try c.decode(String.self, forKey: .outcome))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.format(time), forKey: .time)
        try c.encode(peer, forKey: .peer)
        try c.encode(server, forKey: .server)
        try c.encode(method, forKey: .method)
        try c.encodeIfPresent(tool, forKey: .tool)
        try c.encode(decision, forKey: .decision)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(bytesIn, forKey: .bytesIn)
        try c.encode(bytesOut, forKey: .bytesOut)
        try c.encode(outcome, forKey: .outcome)
    }

    private static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `time` in UTC to the nearest millisecond: `2025-11-25T21:38:04.512Z`.
    static func format(_ time: Date) -> String {
        let ms = Int64((time.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = (ms.quotientAndRemainder(dividingBy: 1000))
        let whole = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let (days, secondOfDay) = whole.0.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let (year, month, dayOfMonth) = civil(fromDays: day)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let millis = whole.1 < 10 ? "00\(whole.1)" : whole.1 < 100 ? "0\(whole.1)" : "\(whole.1)"
        let yearText = year < 0 ? "-" + String(repeating: "0", count: max(0, 4 - "\(-year)".count)) + "\(-year)"
            : String(repeating: "0", count: max(0, 4 - "\(year)".count)) + "\(year)"
        return "\(yearText)-\(two(month))-\(two(dayOfMonth))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)).\(millis)Z"
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped,
    /// everything else (slashes and non-ASCII included) as it is.
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        var plainStart = text.unicodeScalars.startIndex
        var i = plainStart
        let scalars = text.unicodeScalars
        while i != scalars.endIndex {
            let c = scalars[i]
            let escape: String?
            switch c {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            case "\u{08}": escape = "\\b"
            case "\u{0C}": escape = "\\f"
            default:
                if c.value < 0x20 {
                    let hex = String(c.value, radix: 16)
                    escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    escape = nil
                }
            }
            if let escape {
                out.unicodeScalars.append(contentsOf: scalars[plainStart..<i])
                out += escape
                plainStart = scalars.index(after: i)
            }
            i = scalars.index(after: i)
        }
        out.unicodeScalars.append(contentsOf: scalars[plainStart..<i])
        out += "\""
    }
}
