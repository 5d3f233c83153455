import CSodium

/// ChaCha20-Poly1305 (IETF, RFC 8439) with Noise's nonce encoding: four zero bytes followed
/// by the 64-bit counter in little-endian order.
public enum ChaChaPoly {
    public static let tagSize = 16

    /// The 12-byte nonce as three 32-bit words (a tuple of equal-sized members has no
    /// padding): 0, then the counter's low and high halves, each little-endian.
    @inline(__always)
    static func nonce(_ counter: UInt64) -> (UInt32, UInt32, UInt32) {
        (0, UInt32(truncatingIfNeeded: counter).littleEndian, UInt32(truncatingIfNeeded: counter >> 32).littleEndian)
    }

    /// Encrypts `plaintext` and appends the 16-byte tag.
    public static func seal(key: SymmetricKey, counter: UInt64, ad: [UInt8], plaintext: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: plaintext.count + tagSize)
        out.withUnsafeMutableBytes { buf in
            plaintext.withUnsafeBytes { pt in
                UnsafeMutableRawBufferPointer(rebasing: buf[0..<plaintext.count]).copyMemory(from: pt)
            }
            ad.withUnsafeBytes { adp in
                sealInPlace(key: key, counter: counter, ad: adp, buffer: buf, plaintextCount: plaintext.count)
            }
        }
        return out
    }

    /// Decrypts `ciphertext` (with its trailing tag). Throws when the tag does not verify.
    public static func open(key: SymmetricKey, counter: UInt64, ad: [UInt8], ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard ciphertext.count >= tagSize else { throw .authenticationFailed }
        var out = ciphertext
        let ok = out.withUnsafeMutableBytes { buf in
            ad.withUnsafeBytes { adp in
                openInPlace(key: key, counter: counter, ad: adp, buffer: buf)
            }
        }
        guard ok else { throw .authenticationFailed }
        out.removeLast(tagSize)
        return out
    }

    /// In-place encryption for the packet path: `buffer` holds `plaintextCount` bytes of
    /// plaintext followed by 16 spare bytes, which receive the tag.
    public static func sealInPlace(key: SymmetricKey, counter: UInt64, ad: UnsafeRawBufferPointer,
                                   buffer: UnsafeMutableRawBufferPointer, plaintextCount: Int) {
        precondition(buffer.count >= plaintextCount + tagSize)
        var n = nonce(counter)
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        withUnsafeBytes(of: &n) { np in
            key.secret.withUnsafeBytes { k in
                _ = crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                    base, base + plaintextCount, nil,
                    base, UInt64(plaintextCount),
                    ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count),
                    nil,
                    np.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// In-place decryption: `buffer` holds ciphertext then tag. On success the plaintext
    /// occupies the first `buffer.count - 16` bytes and this returns true; on failure the
    /// buffer is left as it was and this returns false.
    public static func openInPlace(key: SymmetricKey, counter: UInt64, ad: UnsafeRawBufferPointer,
                                   buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard buffer.count >= tagSize else { return false }
        let count = buffer.count - tagSize
        var n = nonce(counter)
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return withUnsafeBytes(of: &n) { np in
            key.secret.withUnsafeBytes { k in
                crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                    base, nil,
                    base, UInt64(count),
                    base + count,
                    ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count),
                    np.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
            }
        }
    }
}

extension ChaChaPoly {
    /// Encrypts `plaintext` with empty associated data into `out`, which must hold exactly
    /// `plaintext.count + 16` bytes (ciphertext, then tag) and must not overlap
    /// `plaintext`: the packet path seals a payload straight into a datagram.
    public static func seal(key: SymmetricKey, counter: UInt64, plaintext: UnsafeRawBufferPointer,
                            into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count == plaintext.count + tagSize)
        var n = nonce(counter)
        let c = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        withUnsafeBytes(of: &n) { np in
            key.secret.withUnsafeBytes { k in
                _ = crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                    c, c + plaintext.count, nil,
                    plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plaintext.count),
                    nil, 0, nil,
                    np.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// Decrypts `ciphertext` (with its trailing tag; empty associated data) into `out`,
    /// which must hold exactly `ciphertext.count - 16` bytes and must not overlap it.
    /// Returns false, with `out` zeroed, when the tag does not verify.
    public static func open(key: SymmetricKey, counter: UInt64, ciphertext: UnsafeRawBufferPointer,
                            into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard ciphertext.count >= tagSize else { return false }
        let count = ciphertext.count - tagSize
        precondition(out.count == count)
        var n = nonce(counter)
        let c = ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return withUnsafeBytes(of: &n) { np in
            key.secret.withUnsafeBytes { k in
                crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                    out.baseAddress?.assumingMemoryBound(to: UInt8.self), nil,
                    c, UInt64(count), c + count,
                    nil, 0,
                    np.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    k.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
            }
        }
    }
}

/// XChaCha20-Poly1305 (24-byte random nonce), used only for cookie replies.
public enum XChaChaPoly {
    public static let nonceSize = 24
    public static let tagSize = 16

    public static func seal(key: SymmetricKey, nonce: [UInt8], ad: [UInt8], plaintext: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceSize)
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: plaintext.count + tagSize)
        var outLen: UInt64 = 0
        key.secret.withUnsafeBytes { k in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, &outLen, plaintext, UInt64(plaintext.count),
                                                           ad, UInt64(ad.count), nil, nonce,
                                                           k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return out
    }

    public static func open(key: SymmetricKey, nonce: [UInt8], ad: [UInt8], ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard nonce.count == nonceSize, ciphertext.count >= tagSize else { throw .authenticationFailed }
        Sodium.ensure()
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagSize)
        var outLen: UInt64 = 0
        let rc = key.secret.withUnsafeBytes { k in
            crypto_aead_xchacha20poly1305_ietf_decrypt(&out, &outLen, nil, ciphertext, UInt64(ciphertext.count),
                                                       ad, UInt64(ad.count), nonce,
                                                       k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else { throw .authenticationFailed }
        return out
    }
}
