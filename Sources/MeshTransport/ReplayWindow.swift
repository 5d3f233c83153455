/// Sliding-window replay protection (RFC 6479): a ring of 64-bit blocks, so that checking
/// and sliding cost O(1) amortised whatever the jump. Accepts each counter at most once,
/// and only counters within `SessionConstants.replayWindowBits - 64` (8128) of the
/// highest seen.
public struct ReplayWindow: Sendable {
    static let blockBits = 64
    static let ringBlocks = SessionConstants.replayWindowBits / blockBits
    public static let windowSize = UInt64(SessionConstants.replayWindowBits - blockBits)

    private var blocks = [UInt64](repeating: 0, count: ringBlocks)
    /// One more than the highest counter accepted so far (0 when none).
    private var next: UInt64 = 0

    public init() {}

    /// True when `counter` is above every counter accepted so far.
    public func isNewest(_ counter: UInt64) -> Bool { counter >= next }

    /// True when `counter` may still be accepted (not seen, not too old). Does not mark it.
    public func mayAccept(_ counter: UInt64) -> Bool {
        if counter >= next { return counter < SessionConstants.rejectAfterMessages }
        if next - counter > Self.windowSize { return false }
        let block = Int((counter / UInt64(Self.blockBits)) % UInt64(Self.ringBlocks))
        return blocks[block] & (1 << (counter % UInt64(Self.blockBits))) == 0
    }

    /// Marks `counter` as seen; returns false if it was a replay or too old. Call only
    /// after the packet authenticated, so that forgeries cannot move the window.
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard mayAccept(counter) else { return false }
        if counter >= next {
            let currentBlock = next == 0 ? -1 : Int64(((next - 1) / UInt64(Self.blockBits)))
            let newBlock = Int64(counter / UInt64(Self.blockBits))
            let diff = min(Int64(Self.ringBlocks), newBlock - currentBlock)
            if diff > 0 {
                for i in 1...diff {
                    blocks[Int((currentBlock + i) % Int64(Self.ringBlocks))] = 0
                }
            }
            next = counter + 1
        }
        let block = Int((counter / UInt64(Self.blockBits)) % UInt64(Self.ringBlocks))
        blocks[block] |= 1 << (counter % UInt64(Self.blockBits))
        return true
    }
}
