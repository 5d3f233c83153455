/// Counters of the UDP shell itself (the sessions core keeps its own, `SessionStats`):
/// how well reads and writes are batched, and what the shell could not carry out.
public struct MeshShellStats: Sendable, Equatable {
    /// Datagrams read from the socket (after splitting GRO super-datagrams).
    public var datagramsRead = 0
    /// Read envelopes that were GRO super-datagrams, and the datagrams they held.
    public var groSuperDatagrams = 0
    public var groSegments = 0
    /// Read batches (one per `channelReadComplete`): datagramsRead / readBatches is the
    /// mean batch.
    public var readBatches = 0
    /// Datagrams handed to the socket, and the writes that carried them: single datagrams
    /// plus GSO super-datagrams (`gsoSends`, holding `gsoSegments` datagrams).
    public var datagramsWritten = 0
    public var writes = 0
    public var gsoSends = 0
    public var gsoSegments = 0
    /// Flushes (each one `sendmmsg` or `sendmsg` run in NIO).
    public var flushes = 0
    /// Timer firings.
    public var timerFirings = 0
    /// Transmits dropped because no form of the address suits the socket (IPv6 on an IPv4
    /// socket) or because no socket was attached.
    public var unsendable = 0
    /// Non-fatal socket errors reported by NIO (e.g. ICMP-induced `ECONNREFUSED`).
    public var socketErrors = 0

    public init() {}
}
