/// XXH64 (xxHash, 64-bit variant, as its specification defines it), streaming: the checksum
/// `debug perf` keeps of every byte it sends or receives (docs/protocol.md §14.1).
///
/// It guards against transport bugs — a byte lost, duplicated, reordered or corrupted by the
/// stream layer — not against an attacker: the session's AEAD already authenticates every
/// byte. It costs about a tenth of a cryptographic hash per byte, so the benchmark measures
/// the path and not its own checking.
public struct XXH64: Sendable {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var v1, v2, v3, v4: UInt64
    /// Bytes of an incomplete 32-byte stripe.
    private var tail: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var tailCount = 0
    private var total: UInt64 = 0

    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.p1 &+ Self.p2
        v2 = seed &+ Self.p2
        v3 = seed
        v4 = seed &- Self.p1
    }

    /// The checksum of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var h = XXH64(seed: seed)
        h.update(Array(bytes))
        return h.finish()
    }

    @inline(__always)
    private static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        var acc = acc &+ lane &* p2
        acc = (acc << 31) | (acc >> 33)
        return acc &* p1
    }

    @inline(__always)
    private static func merge(_ acc: UInt64, _ v: UInt64) -> UInt64 {
        (acc ^ round(0, v)) &* p1 &+ p4
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var p = base
        var left = bytes.count
        total &+= UInt64(left)
        if tailCount > 0 {
            let take = min(32 - tailCount, left)
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.advanced(by: tailCount).copyMemory(from: p, byteCount: take) }
            tailCount += take
            p += take
            left -= take
            guard tailCount == 32 else { return }
            let (a, b, c, d) = tail
            v1 = Self.round(v1, UInt64(littleEndian: a))
            v2 = Self.round(v2, UInt64(littleEndian: b))
            v3 = Self.round(v3, UInt64(littleEndian: c))
            v4 = Self.round(v4, UInt64(littleEndian: d))
            tailCount = 0
        }
        var a = v1, b = v2, c = v3, d = v4
        while left >= 32 {
            a = Self.round(a, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            b = Self.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            c = Self.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            d = Self.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            p += 32
            left -= 32
        }
        v1 = a; v2 = b; v3 = c; v4 = d
        if left > 0 {
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.copyMemory(from: p, byteCount: left) }
            tailCount = left
        }
    }

    /// The checksum of everything given so far.
    public func finish() -> UInt64 {
        var acc: UInt64
        if total >= 32 {
            acc = ((v1 << 1) | (v1 >> 63)) &+ ((v2 << 7) | (v2 >> 57)) &+ ((v3 << 12) | (v3 >> 52)) &+ ((v4 << 18) | (v4 >> 46))
            acc = Self.merge(acc, v1)
            acc = Self.merge(acc, v2)
            acc = Self.merge(acc, v3)
            acc = Self.merge(acc, v4)
        } else {
            acc = seed &+ Self.p5
        }
        acc &+= total
        var stripe = tail
        let count = tailCount
        withUnsafeBytes(of: &stripe) { raw in
            var i = 0
            while count - i >= 8 {
                acc ^= Self.round(0, UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                acc = ((acc << 27) | (acc >> 37)) &* Self.p1 &+ Self.p4
                i += 8
            }
            if count - i >= 4 {
                acc ^= UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* Self.p1
                acc = ((acc << 23) | (acc >> 41)) &* Self.p2 &+ Self.p3
                i += 4
            }
            while i < count {
                acc ^= UInt64(raw[i]) &* Self.p5
                acc = ((acc << 11) | (acc >> 53)) &* Self.p1
                i += 1
            }
        }
        acc ^= acc >> 33
        acc &*= Self.p2
        acc ^= acc >> 29
        acc &*= Self.p3
        acc ^= acc >> 32
        return acc
    }

    /// The checksum as its canonical 8 bytes (big-endian).
    public func finishBytes() -> [UInt8] {
        withUnsafeBytes(of: finish().bigEndian) { Array($0) }
    }
}
