import CSodium

/// BLAKE2b, and HMAC and HKDF built on it exactly as the Noise specification (section 4.3)
/// defines them: HMAC per RFC 2104 with a 128-byte block, HKDF producing two or three
/// 64-byte outputs from a chaining key.
public enum Blake2b {
    public static let hashLength = 64
    public static let blockLength = 128

    /// Unkeyed BLAKE2b-512 of the concatenation of `parts`.
    public static func hash(_ parts: [UInt8]...) -> [UInt8] { hash(parts: parts) }

    public static func hash(parts: [[UInt8]], outputLength: Int = hashLength) -> [UInt8] {
        Sodium.ensure()
        var state = HashState(outputLength: outputLength)
        for p in parts { state.update(p) }
        return state.finish()
    }

    /// Keyed BLAKE2b (the MAC of mac1/mac2 and cookies): 16-byte output, key up to 64 bytes.
    public static func mac(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, outputLength: Int = 16) -> [UInt8] {
        Sodium.ensure()
        precondition(key.count >= 16 && key.count <= 64 && outputLength >= 16 && outputLength <= 64)
        var out = [UInt8](repeating: 0, count: outputLength)
        _ = crypto_generichash(&out, outputLength,
                               message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                               key.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count)
        return out
    }

    /// HMAC-BLAKE2b(key, data) per RFC 2104, block length 128, output 64 bytes.
    public static func hmac(key: UnsafeRawBufferPointer, data: [[UInt8]]) -> SecretBytes {
        Sodium.ensure()
        return SecretBytes(count: hashLength) { out in
            var block = [UInt8](repeating: 0, count: blockLength)
            if key.count > blockLength {
                let hk = hash(parts: [Array(key)])
                for i in 0..<hk.count { block[i] = hk[i] }
            } else {
                for i in 0..<key.count { block[i] = key[i] }
            }
            var inner = HashState(outputLength: hashLength)
            var pad = block.map { $0 ^ 0x36 }
            inner.update(pad)
            for d in data { inner.update(d) }
            var innerHash = inner.finish()

            var outer = HashState(outputLength: hashLength)
            for i in 0..<blockLength { pad[i] = block[i] ^ 0x5c }
            outer.update(pad)
            outer.update(innerHash)
            outer.finish(into: out.bindMemory(to: UInt8.self).baseAddress!)

            sodium_memzero(&block, blockLength)
            sodium_memzero(&pad, blockLength)
            sodium_memzero(&innerHash, hashLength)
        }
    }

    /// Noise's HKDF(chaining_key, input_key_material, num_outputs) for 2 or 3 outputs,
    /// each 64 bytes.
    public static func hkdf(chainingKey: SecretBytes, inputKeyMaterial: UnsafeRawBufferPointer, outputs: Int) -> [SecretBytes] {
        precondition(outputs == 2 || outputs == 3, "Noise HKDF yields two or three outputs")
        let tempKey = chainingKey.withUnsafeBytes { ck in hmac(key: ck, data: [Array(inputKeyMaterial)]) }
        var result: [SecretBytes] = []
        let o1 = tempKey.withUnsafeBytes { tk in hmac(key: tk, data: [[0x01]]) }
        result.append(o1)
        let o2 = tempKey.withUnsafeBytes { tk in o1.withUnsafeBytes { p in hmac(key: tk, data: [Array(p), [0x02]]) } }
        result.append(o2)
        if outputs == 3 {
            let o3 = tempKey.withUnsafeBytes { tk in o2.withUnsafeBytes { p in hmac(key: tk, data: [Array(p), [0x03]]) } }
            result.append(o3)
        }
        return result
    }
}

/// An incremental BLAKE2b state. libsodium's state type is 64-byte aligned and opaque to
/// Swift, so it lives in an aligned heap block that is zeroed when the hash is done.
struct HashState: ~Copyable {
    private let memory: UnsafeMutableRawPointer
    private let size: Int
    private let outputLength: Int

    init(outputLength: Int) {
        Sodium.ensure()
        size = crypto_generichash_statebytes()
        memory = .allocate(byteCount: size, alignment: 64)
        self.outputLength = outputLength
        crypto_generichash_init(OpaquePointer(memory), nil, 0, outputLength)
    }

    mutating func update(_ bytes: [UInt8]) {
        crypto_generichash_update(OpaquePointer(memory), bytes, UInt64(bytes.count))
    }

    consuming func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputLength)
        crypto_generichash_final(OpaquePointer(memory), &out, outputLength)
        return out
    }

    consuming func finish(into out: UnsafeMutablePointer<UInt8>) {
        crypto_generichash_final(OpaquePointer(memory), out, outputLength)
    }

    deinit {
        sodium_memzero(memory, size)
        memory.deallocate()
    }
}

/// Incremental BLAKE2b for data that arrives in pieces (transfer digests). Not for secrets:
/// use `Blake2b.hmac` / `hkdf` for keyed work.
public final class Blake2bHasher {
    private var state: HashState?

    public init(outputLength: Int = 32) {
        state = HashState(outputLength: outputLength)
    }

    public func update(_ bytes: [UInt8]) {
        state?.update(bytes)
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        state?.update(Array(bytes))
    }

    /// The digest; the hasher cannot be used afterwards.
    public func finish() -> [UInt8] {
        guard let s = state.take() else { return [] }
        return s.finish()
    }
}
