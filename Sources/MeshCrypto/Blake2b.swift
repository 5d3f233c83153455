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
        [UInt8](unsafeUninitializedCapacity: outputLength) { out, initialized in
            withState(outputLength: outputLength) { state in
                for p in parts { crypto_generichash_update(state, p, UInt64(p.count)) }
                crypto_generichash_final(state, out.baseAddress!, outputLength)
            }
            initialized = outputLength
        }
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
        SecretBytes(count: hashLength) { out in
            hmac(key: key, into: out.baseAddress!) { state in
                for d in data { crypto_generichash_update(state, d, UInt64(d.count)) }
            }
        }
    }

    /// Noise's HKDF(chaining_key, input_key_material, num_outputs) for 2 or 3 outputs,
    /// each 64 bytes.
    public static func hkdf(chainingKey: SecretBytes, inputKeyMaterial: UnsafeRawBufferPointer, outputs: Int) -> [SecretBytes] {
        precondition(outputs == 2 || outputs == 3, "Noise HKDF yields two or three outputs")
        return withUnsafeTemporaryAllocation(byteCount: hashLength, alignment: 16) { tempKey in
            defer { sodium_memzero(tempKey.baseAddress!, hashLength) }
            chainingKey.withUnsafeBytes { ck in
                hmac(key: ck, into: tempKey.baseAddress!) { update($0, inputKeyMaterial) }
            }
            let tk = UnsafeRawBufferPointer(tempKey)
            var result: [SecretBytes] = []
            result.reserveCapacity(outputs)
            var counter: UInt8 = 1
            for i in 0..<outputs {
                let previous = result.last
                result.append(SecretBytes(count: hashLength) { out in
                    hmac(key: tk, into: out.baseAddress!) { state in
                        // o1 = HMAC(t, 0x01); o(i+1) = HMAC(t, o(i) || i+1).
                        if i > 0 { previous!.withUnsafeBytes { update(state, $0) } }
                        crypto_generichash_update(state, &counter, 1)
                    }
                })
                counter += 1
            }
            return result
        }
    }

    // MARK: Allocation-free internals

    /// Runs `body` with a fresh BLAKE2b state (on the stack: libsodium wants it 64-byte
    /// aligned), zeroed afterwards.
    @inline(__always)
    static func withState<R>(outputLength: Int, key: UnsafeRawBufferPointer? = nil,
                             _ body: (OpaquePointer) -> R) -> R {
        Sodium.ensure()
        let size = crypto_generichash_statebytes()
        return withUnsafeTemporaryAllocation(byteCount: size, alignment: 64) { raw in
            let state = OpaquePointer(raw.baseAddress!)
            crypto_generichash_init(state, key?.baseAddress?.assumingMemoryBound(to: UInt8.self), key?.count ?? 0,
                                    outputLength)
            defer { sodium_memzero(raw.baseAddress!, size) }
            return body(state)
        }
    }

    @inline(__always)
    static func update(_ state: OpaquePointer, _ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        crypto_generichash_update(state, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// HMAC-BLAKE2b with the message fed by `message` into the inner hash; writes the
    /// 64-byte result to `out`. Key-derived blocks live on the stack and are zeroed.
    static func hmac(key: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer,
                     message: (OpaquePointer) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: 2 * blockLength + hashLength, alignment: 16) { scratch in
            let base = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
            defer { sodium_memzero(base, scratch.count) }
            let block = base, pad = base + blockLength, innerHash = base + 2 * blockLength
            block.initialize(repeating: 0, count: blockLength)
            if key.count > blockLength {
                withState(outputLength: hashLength) { state in
                    update(state, key)
                    crypto_generichash_final(state, block, hashLength)
                }
            } else if key.count > 0 {
                UnsafeMutableRawPointer(block).copyMemory(from: key.baseAddress!, byteCount: key.count)
            }
            for i in 0..<blockLength { pad[i] = block[i] ^ 0x36 }
            withState(outputLength: hashLength) { state in
                crypto_generichash_update(state, pad, UInt64(blockLength))
                message(state)
                crypto_generichash_final(state, innerHash, hashLength)
            }
            for i in 0..<blockLength { pad[i] = block[i] ^ 0x5c }
            withState(outputLength: hashLength) { state in
                crypto_generichash_update(state, pad, UInt64(blockLength))
                crypto_generichash_update(state, innerHash, UInt64(hashLength))
                crypto_generichash_final(state, out.assumingMemoryBound(to: UInt8.self), hashLength)
            }
        }
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

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        Blake2b.update(OpaquePointer(memory), bytes)
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
        state?.update(bytes)
    }

    /// The digest; the hasher cannot be used afterwards.
    public func finish() -> [UInt8] {
        guard let s = state.take() else { return [] }
        return s.finish()
    }
}
