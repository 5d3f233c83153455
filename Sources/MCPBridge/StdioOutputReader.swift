/// Who reads a stdio MCP server's stdout for `StdioUpstream`, when not the thread of its
/// pipes: an event loop of the caller's. The agent passes its own, so that a reply wakes the
/// loop that sends it on to the peer, instead of a thread that then wakes the loop.
public protocol StdioOutputReader: Sendable {
    /// Starts reading `descriptor` (a non-blocking pipe, which the reader now owns and closes
    /// when it stops): `deliver` gets each chunk read, in order and one at a time, then `end`
    /// is called once, with nil at end of file or the error that stopped reading. Throws when
    /// it cannot take the pipe; the descriptor then stays the caller's.
    func start(reading descriptor: Int32, deliver: @escaping @Sendable ([UInt8]) -> Void,
               end: @escaping @Sendable ((any Error)?) -> Void) async throws -> any StdioOutputReading
}

/// Controls over a pipe a `StdioOutputReader` reads. Each returns at once, and none calls
/// `deliver` or `end` before returning (they may be called with a lock held).
public protocol StdioOutputReading: Sendable {
    /// Stops reading (the reader of the messages fell behind) until `resume()`.
    func pause()
    /// Reads again after `pause()`.
    func resume()
    /// Reads what the pipe holds now, then stops and calls `end(nil)`: the child has exited,
    /// and a process it started may keep the pipe open.
    func finish()
}
