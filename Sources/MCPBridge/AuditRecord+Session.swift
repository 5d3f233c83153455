import Foundation

extension AuditRecord {
    /// The record of a session refused because the peer has no grant on the server.
    public static func refusedSession(peer: String, server: String, time: Date, reason: String) -> AuditRecord {
        AuditRecord(time: time, peer: peer, server: server, method: "session", tool: nil, decision: .denied,
                    durationMs: 0, bytesIn: 0, bytesOut: 0, outcome: reason)
    }
}
