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
        var fields: [String] = [
            "\"time\":" + Self.quote(Self.format(time)),
            "\"peer\":" + Self.quote(peer),
            "\"server\":" + Self.quote(server),
            "\"method\":" + Self.quote(method),
        ]
        if let tool { fields.append("\"tool\":" + Self.quote(tool)) }
        fields += [
            "\"decision\":" + Self.quote(decision.rawValue),
            "\"duration_ms\":\(durationMs)",
            "\"bytes_in\":\(bytesIn)",
            "\"bytes_out\":\(bytesOut)",
            "\"outcome\":" + Self.quote(outcome),
        ]
        return "{" + fields.joined(separator: ",") + "}"
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
        let base = Date(timeIntervalSince1970: TimeInterval(whole.0)).formatted(Date.ISO8601FormatStyle())
        let digits = String(whole.1)
        return base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    private static func quote(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
