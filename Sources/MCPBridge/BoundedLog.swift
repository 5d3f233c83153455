/// The tail of a text stream, bounded in bytes: what an upstream server last wrote to its
/// stderr, kept for status and error messages without letting a chatty server grow memory.
///
/// Bytes go in as they arrive; complete lines come out of `append` (for a logger) and the
/// most recent ones are kept, oldest dropped first. A single line longer than
/// `maxLineBytes` is cut there. Invalid UTF-8 is shown with replacement characters.
public struct BoundedLog: Sendable, Hashable {
    /// Bytes of complete lines kept at most.
    public let capacity: Int
    /// A line is cut after this many bytes.
    public let maxLineBytes: Int
    /// Complete lines dropped to stay within `capacity`.
    public private(set) var droppedLines = 0

    private var kept: [String] = []
    private var head = 0
    private var keptBytes = 0
    private var partial: [UInt8] = []

    /// A log keeping about `capacity` bytes of the latest lines.
    public init(capacity: Int = 64 * 1024, maxLineBytes: Int = 4096) {
        self.capacity = max(1, capacity)
        self.maxLineBytes = max(1, min(maxLineBytes, self.capacity))
    }

    /// Adds bytes; returns the lines they completed.
    @discardableResult
    public mutating func append(_ bytes: some Sequence<UInt8>) -> [String] {
        var completed: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                completed.append(takePartial())
            } else if partial.count < maxLineBytes {
                partial.append(byte)
            }
        }
        for line in completed { keep(line) }
        return completed
    }

    /// The kept lines, oldest first, followed by an unfinished last line if there is one.
    public var lines: [String] {
        var result = Array(kept[head...])
        if !partial.isEmpty { result.append(String(decoding: partial, as: UTF8.self)) }
        return result
    }

    /// The kept lines joined by newlines.
    public var text: String { lines.joined(separator: "\n") }

    private mutating func takePartial() -> String {
        var bytes = partial
        partial.removeAll(keepingCapacity: true)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func keep(_ line: String) {
        kept.append(line)
        keptBytes += line.utf8.count + 1
        while keptBytes > capacity, head < kept.count - 1 {
            keptBytes -= kept[head].utf8.count + 1
            head += 1
            droppedLines += 1
        }
        if head > 64, head * 2 > kept.count {
            kept.removeFirst(head)
            head = 0
        }
    }
}
