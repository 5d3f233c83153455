import Foundation
import MeshCrypto
import MeshStream

/// The `mcpmesh debug perf` protocol over one session's streams (docs/protocol.md,
/// "debug perf"):
///
/// - The client opens a **control stream** (the first stream of its role, index 0), writes
///   one JSON line `{"v":2,"streams":K,"bytes":N}` and finishes it.
/// - It opens K **data streams** (indices 1…K) and sends its bytes on them, finishing each.
/// - The server, once it has the header and every data stream's FIN, answers on the
///   control stream with one JSON line `{"bytes":N,"digest":"<hex>"}` and finishes it.
///   digest = XXH64(XXH64(data stream 1) ‖ … ‖ XXH64(data stream K)), each inner checksum
///   as its 8 big-endian bytes, the result in 16 lowercase hex digits.
public enum PerfProtocol {
    public struct Header: Codable, Equatable, Sendable {
        public var v: Int
        public var streams: Int
        public var bytes: UInt64
    }

    public struct Reply: Codable, Equatable, Sendable {
        public var bytes: UInt64
        public var digest: String
    }

    public static let maxStreams = 256
    /// The protocol version in the header (2: XXH64 checksums; 1 used BLAKE2b-256).
    public static let version = 2

    public static func controlStream(opener: ConnectionRole) -> StreamID { StreamID(index: 0, opener: opener) }

    public static func dataStream(_ i: Int, opener: ConnectionRole) -> StreamID { StreamID(index: UInt64(i), opener: opener) }

    public static func encodeLine<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array((try? encoder.encode(value)) ?? Data()) + [0x0a]
    }

    public static func decodeLine<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        var line = bytes
        if line.last == 0x0a { line.removeLast() }
        return try? JSONDecoder().decode(type, from: Data(line))
    }

    /// The transfer digest from the per-stream digests, in stream order.
    public static func digest(_ perStream: [[UInt8]]) -> [UInt8] {
        var h = XXH64()
        for d in perStream { h.update(d) }
        return h.finishBytes()
    }
}

/// Fast deterministic filler bytes for `--bytes N`: a 64 KiB block of xorshift64* words,
/// seeded per stream, with every word of the n-th chunk XORed with a value derived from n
/// (and changed again each time the block repeats within a chunk), so no two chunks are alike and making one costs about a copy.
struct PerfFiller {
    static let blockWords = 8192
    private let block: [UInt64]
    private var chunk: UInt64 = 0

    init(stream: Int) {
        var state = 0x9E37_79B9_7F4A_7C15 &* UInt64(stream + 1) | 1
        block = (0..<Self.blockWords).map { _ in
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    mutating func fill(_ count: Int) -> [UInt8] {
        chunk += 1
        var key = (chunk &* 0xD6E8_FEB8_6659_FD93).littleEndian
        return [UInt8](unsafeUninitializedCapacity: count) { raw, initialized in
            let out = UnsafeMutableRawBufferPointer(raw)
            block.withUnsafeBufferPointer { words in
                var i = 0, w = 0
                while count - i >= 8 {
                    out.storeBytes(of: words[w].littleEndian ^ key, toByteOffset: i, as: UInt64.self)
                    i += 8
                    w += 1
                    if w == Self.blockWords { w = 0; key = key &* 0x2545_F491_4F6C_DD1D &+ 1 }
                }
                if i < count {
                    withUnsafeBytes(of: words[w].littleEndian ^ key) { last in
                        for j in 0..<(count - i) { out[i + j] = last[j] }
                    }
                }
            }
            initialized = count
        }
    }
}
