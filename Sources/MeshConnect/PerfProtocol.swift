import Foundation
import MeshCrypto
import MeshStream

/// The `mcpmesh debug perf` protocol over one session's streams (docs/protocol.md,
/// "debug perf"):
///
/// - The client opens a **control stream** (the first stream of its role, index 0), writes
///   one JSON line `{"v":1,"streams":K,"bytes":N}` and finishes it.
/// - It opens K **data streams** (indices 1…K) and sends its bytes on them, finishing each.
/// - The server, once it has the header and every data stream's FIN, answers on the
///   control stream with one JSON line `{"bytes":N,"digest":"<hex>"}` and finishes it.
///   digest = BLAKE2b-256(BLAKE2b-256(data stream 1) ‖ … ‖ BLAKE2b-256(data stream K)).
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
        let h = Blake2bHasher(outputLength: 32)
        for d in perStream { h.update(d) }
        return h.finish()
    }
}

/// Fast deterministic filler bytes for `--bytes N`: xorshift64* words, seeded per stream.
struct PerfFiller {
    private var state: UInt64

    init(stream: Int) { state = 0x9E37_79B9_7F4A_7C15 &* UInt64(stream + 1) | 1 }

    mutating func fill(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var i = 0
            while i < count {
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                var word = (state &* 0x2545_F491_4F6C_DD1D).littleEndian
                let n = min(8, count - i)
                withUnsafeBytes(of: &word) { w in
                    for j in 0..<n { raw[i + j] = w[j] }
                }
                i += n
            }
        }
        return out
    }
}
