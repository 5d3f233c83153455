import DequeModule

/// A send stream's unacknowledged bytes, kept as the chunks the application wrote: a whole
/// `[UInt8]` write is stored without copying it, and acknowledged chunks are dropped from
/// the front without moving the rest (a flat array had to be compacted, copying every byte
/// a second time). Small writes are gathered into one chunk so a chatty writer does not
/// leave thousands of tiny arrays behind.
struct SendBuffer: Sendable {
    /// Writes shorter than this are appended to the last chunk rather than kept as their own.
    static let gatherBelow = 4096

    private var chunks = Deque<[UInt8]>()
    /// Stream offset of `chunks[0][0]`.
    private var base: UInt64 = 0
    /// Stream offset just past the last byte held.
    private(set) var end: UInt64 = 0
    /// Where the last read ended: index of its chunk and that chunk's stream offset, so
    /// sequential reads do not walk the chunks from the front.
    private var cursor = (index: 0, start: UInt64(0))

    /// Appends `bytes`.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if bytes.count < Self.gatherBelow, let last = chunks.indices.last, chunks[last].count < Self.gatherBelow {
            chunks[last].append(contentsOf: bytes)
        } else {
            chunks.append(bytes)
        }
        end += UInt64(bytes.count)
    }

    /// Appends a prefix of any collection (copied).
    mutating func append(contentsOf bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        if let last = chunks.indices.last, chunks[last].count < Self.gatherBelow {
            chunks[last].append(contentsOf: bytes)
        } else {
            chunks.append(Array(bytes))
        }
        end += UInt64(bytes.count)
    }

    /// Appends the bytes at stream offsets `offset..<offset+length` to `out`. The range must
    /// be held (at or above the last `release(below:)`, below `end`).
    mutating func copy(offset: UInt64, length: Int, into out: inout [UInt8]) {
        precondition(offset >= base && offset + UInt64(length) <= end, "send buffer read outside the bytes held")
        guard length > 0 else { return }
        var (i, start) = cursor.start <= offset && cursor.index < chunks.count ? cursor : (0, base)
        var at = offset, left = length
        while left > 0 {
            let chunkEnd = start + UInt64(chunks[i].count)
            if at >= chunkEnd {
                start = chunkEnd
                i += 1
                continue
            }
            let from = Int(at - start)
            let n = min(left, chunks[i].count - from)
            chunks[i].withUnsafeBufferPointer { out.append(contentsOf: $0[from..<(from + n)]) }
            at += UInt64(n)
            left -= n
        }
        cursor = (i, start)
    }

    /// Drops the chunks that lie wholly below `offset` (acknowledged).
    mutating func release(below offset: UInt64) {
        while let first = chunks.first, base + UInt64(first.count) <= offset {
            base += UInt64(first.count)
            chunks.removeFirst()
            if cursor.index > 0 { cursor.index -= 1 } else { cursor = (0, base) }
        }
    }

    /// Drops everything.
    mutating func removeAll() {
        chunks.removeAll()
        base = end
        cursor = (0, base)
    }
}
