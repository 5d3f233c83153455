import MeshCrypto
import MeshWire

/// The receiving side of mac1/mac2 (docs/protocol.md, "MACs and cookies"): verifies mac1
/// on every handshake message addressed to this node, and under load demands a valid mac2,
/// answering a message without one with a cookie reply.
struct CookieChecker: Sendable {
    private let mac1Key: [UInt8]
    private let cookieReplyKey: SymmetricKey
    private var secret: SecretBytes
    private var secretSetAt: Instant?

    init<R: RandomNumberGenerator>(localStatic: StaticPublicKey, rng: inout R) {
        mac1Key = MACs.mac1Key(for: localStatic)
        cookieReplyKey = MACs.cookieReplyKey(for: localStatic)
        secret = SecretBytes(count: 32) { rng.fill($0) }
    }

    /// A checker with a given secret set at `secretSetAt` (the worked example fixes it).
    init(localStatic: StaticPublicKey, secret: SecretBytes, secretSetAt: Instant) {
        mac1Key = MACs.mac1Key(for: localStatic)
        cookieReplyKey = MACs.cookieReplyKey(for: localStatic)
        self.secret = secret
        self.secretSetAt = secretSetAt
    }

    /// mac1 over `message[0..<mac1Offset]` must match the 16 bytes at `mac1Offset`.
    func checkMAC1(_ message: [UInt8], mac1Offset: Int) -> Bool {
        let expected = MACs.mac(key: mac1Key, message[0..<mac1Offset])
        return ConstantTime.equals(expected, Array(message[mac1Offset..<(mac1Offset + 16)]))
    }

    /// mac2 over `message[0..<mac1Offset + 16]`, keyed with the cookie for `source`.
    mutating func checkMAC2<A: TransportAddress, R: RandomNumberGenerator>(
        _ message: [UInt8], mac1Offset: Int, source: A, now: Instant, rng: inout R
    ) -> Bool {
        let cookie = currentCookie(for: source, now: now, rng: &rng)
        let mac2Offset = mac1Offset + 16
        let expected = MACs.mac(key: cookie, message[0..<mac2Offset])
        return ConstantTime.equals(expected, Array(message[mac2Offset..<(mac2Offset + 16)]))
    }

    /// The cookie reply to `message` (whose sender index was `receiver`) from `source`.
    mutating func makeReply<A: TransportAddress, R: RandomNumberGenerator>(
        to message: [UInt8], mac1Offset: Int, receiver: SessionIndex, source: A, now: Instant, rng: inout R
    ) -> CookieReply {
        let cookie = currentCookie(for: source, now: now, rng: &rng)
        return reply(to: message, mac1Offset: mac1Offset, receiver: receiver, cookie: cookie,
                     nonce: rng.bytes(XChaChaPoly.nonceSize))
    }

    /// The cookie for `source` now (the worked example shows it).
    mutating func cookie<A: TransportAddress, R: RandomNumberGenerator>(for source: A, now: Instant, rng: inout R) -> [UInt8] {
        currentCookie(for: source, now: now, rng: &rng)
    }

    func reply(to message: [UInt8], mac1Offset: Int, receiver: SessionIndex, cookie: [UInt8], nonce: [UInt8]) -> CookieReply {
        let mac1 = Array(message[mac1Offset..<(mac1Offset + 16)])
        let sealed = XChaChaPoly.seal(key: cookieReplyKey, nonce: nonce, ad: mac1, plaintext: cookie)
        return CookieReply(receiver: receiver, nonce: nonce, encryptedCookie: sealed)
    }

    /// cookie = MAC(secret, source address bytes), with the secret replaced every
    /// `cookieRefreshTime`.
    private mutating func currentCookie<A: TransportAddress, R: RandomNumberGenerator>(
        for source: A, now: Instant, rng: inout R
    ) -> [UInt8] {
        if let setAt = secretSetAt, now - setAt < SessionConstants.cookieRefreshTime {
            // current secret still fresh
        } else {
            secret = SecretBytes(count: 32) { rng.fill($0) }
            secretSetAt = now
        }
        return secret.withUnsafeBytes { key in
            source.cookieBytes.withUnsafeBytes { Blake2b.mac(key: key, message: $0) }
        }
    }
}

/// The sending side of mac1/mac2 towards one peer: computes the MACs of each handshake
/// message and keeps the latest cookie the peer sent.
struct CookieGenerator: Sendable {
    private let mac1Key: [UInt8]
    private let cookieReplyKey: SymmetricKey
    private var cookie: [UInt8]?
    private var cookieReceivedAt: Instant?
    /// mac1 of the last handshake message sent, the AD of the cookie reply it may provoke.
    private var lastMAC1: [UInt8]?

    init(remoteStatic: StaticPublicKey) {
        mac1Key = MACs.mac1Key(for: remoteStatic)
        cookieReplyKey = MACs.cookieReplyKey(for: remoteStatic)
    }

    /// Fills in mac1 and mac2 of `message` in place.
    mutating func addMACs(to message: inout [UInt8], mac1Offset: Int, now: Instant) {
        let mac1 = MACs.mac(key: mac1Key, message[0..<mac1Offset])
        message.replaceSubrange(mac1Offset..<(mac1Offset + 16), with: mac1)
        lastMAC1 = mac1
        let mac2Offset = mac1Offset + 16
        if let cookie, let at = cookieReceivedAt, now - at < SessionConstants.cookieRefreshTime {
            let mac2 = MACs.mac(key: cookie, message[0..<mac2Offset])
            message.replaceSubrange(mac2Offset..<(mac2Offset + 16), with: mac2)
        } else {
            message.replaceSubrange(mac2Offset..<(mac2Offset + 16), with: [UInt8](repeating: 0, count: 16))
        }
    }

    /// Takes the cookie out of a reply; false if it does not authenticate against the last
    /// message sent.
    mutating func consume(_ reply: CookieReply, now: Instant) -> Bool {
        guard let lastMAC1 else { return false }
        guard let c = try? XChaChaPoly.open(key: cookieReplyKey, nonce: reply.nonce, ad: lastMAC1,
                                            ciphertext: reply.encryptedCookie) else { return false }
        cookie = c
        cookieReceivedAt = now
        return true
    }
}

/// Key derivations and the MAC shared by both sides.
enum MACs {
    /// BLAKE2b-256("mac1----" || static public key of the message's receiver).
    static func mac1Key(for receiver: StaticPublicKey) -> [UInt8] {
        Blake2b.hash(parts: [SessionConstants.labelMAC1, receiver.raw.bytes], outputLength: 32)
    }

    /// BLAKE2b-256("cookie--" || static public key of the node that sends the cookie reply).
    static func cookieReplyKey(for sender: StaticPublicKey) -> SymmetricKey {
        try! SymmetricKey(bytes: Blake2b.hash(parts: [SessionConstants.labelCookie, sender.raw.bytes], outputLength: 32))
    }

    /// Keyed BLAKE2b with a 16-byte output.
    static func mac(key: [UInt8], _ message: ArraySlice<UInt8>) -> [UInt8] {
        key.withUnsafeBytes { k in message.withUnsafeBytes { Blake2b.mac(key: k, message: $0) } }
    }
}
