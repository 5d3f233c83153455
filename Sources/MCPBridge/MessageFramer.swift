import Foundation

/// Newline-delimited framing of MCP JSON-RPC messages on a byte stream, as MCP's stdio
/// transport frames them: each message is one line of UTF-8 JSON ending in `\n`, and a
/// message never contains a raw newline.
///
/// The decoder takes bytes in chunks of any size (a byte at a time works) and hands out whole
/// messages. It keeps at most `maxMessageBytes` of an unfinished message: when a line grows
/// past the limit, `next()` throws `messageTooLarge` once, drops that line up to its newline
/// and then carries on with the next one, so one oversized message never wedges the stream.
/// Blank lines are skipped and a `\r` before the `\n` is removed. The decoder never traps,
/// whatever the bytes; it does not parse JSON (see `JSONRPCMessage`).
///
/// ```swift
/// var framer = MessageFramer()
/// framer.append(chunk)
/// while let message = try framer.next() { handle(message) }
/// ```
public struct MessageFramer: Sendable {
    /// 64 MiB: room for large tool results (a 10 MB result passes with margin) while
    /// bounding what one peer can make this node buffer.
    public static let defaultMaxMessageBytes = 64 << 20

    /// The largest message, in bytes without its newline, that `next()` hands out.
    public let maxMessageBytes: Int

    private var buffer: [UInt8] = []
    /// Index of the first byte not yet handed out.
    private var start = 0
    /// Bytes after `start` already searched for a newline without finding one.
    private var scanned = 0
    /// True after an oversized line was reported, until its newline has been dropped.
    private var discarding = false

    /// A decoder that refuses messages longer than `maxMessageBytes` (at least 1).
    public init(maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes) {
        self.maxMessageBytes = max(1, maxMessageBytes)
    }

    /// Bytes received but not yet handed out as messages.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds received bytes; call `next()` until it returns nil to take the messages out.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: Data) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete message, or nil until more bytes arrive.
    ///
    /// Throws `messageTooLarge` once per oversized line; calling `next()` again continues
    /// after it.
    public mutating func next() throws(MCPBridgeError) -> Data? {
        while true {
            guard let newline = findNewline() else {
                let pending = buffer.count - start
                if discarding || pending > maxMessageBytes {
                    // Drop what we have of the oversized line; keep dropping until its newline.
                    buffer.removeAll(keepingCapacity: false)
                    start = 0
                    scanned = 0
                    if !discarding {
                        discarding = true
                        throw .messageTooLarge(limit: maxMessageBytes)
                    }
                    return nil
                }
                compact()
                return nil
            }
            var end = newline
            if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let lineStart = start
            start = newline + 1
            scanned = 0
            if discarding {
                discarding = false
                continue
            }
            if end - lineStart > maxMessageBytes {
                throw .messageTooLarge(limit: maxMessageBytes)
            }
            if Self.isBlank(buffer[lineStart..<end]) { continue }
            return Data(buffer[lineStart..<end])
        }
    }

    /// At the end of the stream: the last message when it lacks its final newline, or nil.
    ///
    /// Some servers write their last line without `\n` before exiting; that line is still a
    /// message. Whatever was buffered is consumed.
    public mutating func finish() throws(MCPBridgeError) -> Data? {
        defer {
            buffer.removeAll()
            start = 0
            scanned = 0
            discarding = false
        }
        if discarding { return nil }
        var end = buffer.count
        if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end > start, !Self.isBlank(buffer[start..<end]) else { return nil }
        if end - start > maxMessageBytes { throw .messageTooLarge(limit: maxMessageBytes) }
        return Data(buffer[start..<end])
    }

    /// `message` framed for the stream: any raw newline in it becomes a space (JSON allows
    /// raw newlines only as whitespace between tokens, where a space means the same), and a
    /// newline ends it.
    public static func frame(_ message: Data) -> Data {
        Data(framedBytes(message))
    }

    /// `frame(_:)` as the bytes to write, made with one copy of the message.
    public static func framedBytes(_ message: Data) -> [UInt8] {
        let count = message.count
        return [UInt8](unsafeUninitializedCapacity: count + 1) { out, initialized in
            message.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, count > 0 else { return }
                let target = UnsafeMutableRawPointer(out.baseAddress!)
                target.copyMemory(from: base, byteCount: count)
                // Raw newlines are rare (pretty-printed JSON): find each with memchr.
                var at = 0
                while at < count, let hit = memchr(target + at, Int32(UInt8(ascii: "\n")), count - at) {
                    hit.storeBytes(of: UInt8(ascii: " "), as: UInt8.self)
                    at = target.distance(to: hit) + 1
                }
            }
            out[count] = UInt8(ascii: "\n")
            initialized = count + 1
        }
    }

    // MARK: - Private

    /// Index of the next `\n` at or after `start`, searching only bytes not searched before.
    private mutating func findNewline() -> Int? {
        let from = start + scanned
        let count = buffer.count - from
        guard count > 0 else { return nil }
        let found: Int? = buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress,
                  let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), count) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        if found == nil { scanned = buffer.count - start }
        return found
    }

    /// Moves the unfinished message to the front of the buffer.
    private mutating func compact() {
        guard start > 0 else { return }
        buffer.removeSubrange(0..<start)
        start = 0
    }

    private static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    }
}
