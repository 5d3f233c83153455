import CSodium

/// The operating system's CSPRNG through libsodium. Cores take any
/// `RandomNumberGenerator` so that tests and the simulator can inject a seeded one;
/// production code passes this.
public struct SystemRandom: RandomNumberGenerator, Sendable {
    public init() { Sodium.ensure() }

    public mutating func next() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { randombytes_buf($0.baseAddress!, 8) }
        return value
    }

    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensure()
        if buffer.count > 0 { randombytes_buf(buffer.baseAddress!, buffer.count) }
    }
}

extension RandomNumberGenerator {
    /// Fills `buffer` from this generator, eight bytes at a time.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            var word = next()
            let n = min(8, buffer.count - offset)
            withUnsafeBytes(of: &word) { w in
                for i in 0..<n { buffer[offset + i] = w[i] }
            }
            offset += n
        }
    }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}
