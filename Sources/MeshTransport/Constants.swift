/// Every session-layer constant, with the section of docs/protocol.md that uses it. The
/// values follow WireGuard (Donenfeld, "WireGuard: Next Generation Kernel Network Tunnel",
/// §6.1 Table of Constants, and §5.4.7 for the index space), and the names match the doc.
public enum SessionConstants {
    /// §Rekeying: an initiator starts a new handshake once its current keypair has sent
    /// this many messages.
    public static let rekeyAfterMessages: UInt64 = 1 << 60
    /// §Rekeying: a keypair never sends or accepts a counter at or above this value.
    public static let rejectAfterMessages: UInt64 = .max - (1 << 13)
    /// §Rekeying: an initiator starts a new handshake when sending on a keypair this old.
    public static let rekeyAfterTime: Duration = .seconds(120)
    /// §Rekeying: a keypair this old is neither used to send nor to receive.
    public static let rejectAfterTime: Duration = .seconds(180)
    /// §Handshake retry: how long to keep retrying a handshake before giving up.
    public static let rekeyAttemptTime: Duration = .seconds(90)
    /// §Handshake retry: wait this long for a response before sending a new initiation.
    public static let rekeyTimeout: Duration = .seconds(5)
    /// §Handshake retry: uniform random extra wait added to each retry, 0..<this.
    public static let rekeyTimeoutJitterMax: Duration = .milliseconds(334)
    /// §Keepalive: after receiving data and sending nothing for this long, send an empty
    /// transport message; after sending data and receiving nothing for this plus
    /// `rekeyTimeout`, start a new handshake.
    public static let keepaliveTimeout: Duration = .seconds(10)
    /// §Keys: with no new handshake for this long, every key of the peer is zeroed
    /// (3 × rejectAfterTime).
    public static let zeroKeysAfterTime: Duration = .seconds(540)
    /// §Cookies: a cookie secret is replaced, and a received cookie expires, after this long.
    public static let cookieRefreshTime: Duration = .seconds(120)
    /// §Handshake: a responder consumes at most one initiation per peer per this interval.
    public static let handshakeInitiationRate: Duration = .milliseconds(50)
    /// §Cookies: the responder is under load once it has handled more than this many
    /// handshake messages within `underLoadWindow` (overridable in `SessionConfig`).
    public static let underLoadHandshakeThreshold = 64
    public static let underLoadWindow: Duration = .seconds(1)
    /// §Cookies: after the load drops, keep demanding cookies for this long.
    public static let underLoadAfterTime: Duration = .seconds(1)
    /// §Sending: packets queued per peer while a handshake is under way; older ones are
    /// dropped first.
    public static let maxStagedPackets = 128
    /// §Replay: bits of the sliding replay window (RFC 6479 ring of 64-bit blocks); the
    /// usable window is `replayWindowBits - 64` = 8128 counters.
    public static let replayWindowBits = 8192
    /// §Handshake: the Noise prologue that every handshake mixes in first.
    public static let prologue: [UInt8] = Array("mcpmesh session v1".utf8)
    /// §Cookies: labels for deriving the mac1 and cookie-reply keys.
    public static let labelMAC1: [UInt8] = Array("mac1----".utf8)
    public static let labelCookie: [UInt8] = Array("cookie--".utf8)
}
