/// What the tool filter reports about one call; the session shell stamps it with the time,
/// peer and server to make an `AuditRecord`.
public struct CallAudit: Sendable, Hashable {
    /// The JSON-RPC method (`tools/call`).
    public var method: String
    /// The tool named in the call, when it had one.
    public var tool: String?
    /// Allowed (forwarded) or denied (answered by the bridge).
    public var decision: AuditRecord.Decision
    /// From the request to its response; zero for calls answered at once.
    public var duration: Duration
    /// Size of the request.
    public var bytesIn: Int
    /// Size of the response.
    public var bytesOut: Int
    /// `ok`, `error CODE`, `cancelled`, `unanswered` or `not permitted`.
    public var outcome: String

    /// A report with every field given.
    public init(method: String, tool: String?, decision: AuditRecord.Decision, duration: Duration,
                bytesIn: Int, bytesOut: Int, outcome: String) {
        self.method = method
        self.tool = tool
        self.decision = decision
        self.duration = duration
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.outcome = outcome
    }
}
