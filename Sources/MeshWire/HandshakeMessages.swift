/// Handshake initiation (type 1). See `Messages.swift` for the layout.
public struct HandshakeInitiation: Equatable, Sendable {
    public var sender: SessionIndex
    /// The Noise IK first message: ephemeral, encrypted static, encrypted payload (148 bytes).
    public var noise: [UInt8]
    public var mac1: [UInt8]
    public var mac2: [UInt8]

    public static let noiseLength = 32 + 48 + 52 + 16

    public init(sender: SessionIndex, noise: [UInt8], mac1: [UInt8] = .init(repeating: 0, count: 16),
                mac2: [UInt8] = .init(repeating: 0, count: 16)) {
        precondition(noise.count == Self.noiseLength && mac1.count == 16 && mac2.count == 16)
        self.sender = sender
        self.noise = noise
        self.mac1 = mac1
        self.mac2 = mac2
    }

    public init(decoding b: ArraySlice<UInt8>) throws(WireError) {
        guard b.count == WireSize.initiation else {
            throw .wrongLength(message: "handshake initiation", expected: WireSize.initiation, got: b.count)
        }
        try checkHeader(b, .handshakeInitiation, "handshake initiation")
        let s = b.startIndex
        sender = SessionIndex(readU32(b, 4))
        noise = Array(b[(s + 8)..<(s + 156)])
        mac1 = Array(b[(s + 156)..<(s + 172)])
        mac2 = Array(b[(s + 172)..<(s + 188)])
    }

    public func encoded() -> [UInt8] {
        var out = header(.handshakeInitiation, capacity: WireSize.initiation)
        appendU32(&out, sender.value)
        out += noise
        out += mac1
        out += mac2
        return out
    }
}

/// Handshake response (type 2). See `Messages.swift` for the layout.
public struct HandshakeResponse: Equatable, Sendable {
    public var sender: SessionIndex
    public var receiver: SessionIndex
    /// The Noise IK second message: ephemeral and encrypted payload (56 bytes).
    public var noise: [UInt8]
    public var mac1: [UInt8]
    public var mac2: [UInt8]

    public static let noiseLength = 32 + 8 + 16

    public init(sender: SessionIndex, receiver: SessionIndex, noise: [UInt8],
                mac1: [UInt8] = .init(repeating: 0, count: 16), mac2: [UInt8] = .init(repeating: 0, count: 16)) {
        precondition(noise.count == Self.noiseLength && mac1.count == 16 && mac2.count == 16)
        self.sender = sender
        self.receiver = receiver
        self.noise = noise
        self.mac1 = mac1
        self.mac2 = mac2
    }

    public init(decoding b: ArraySlice<UInt8>) throws(WireError) {
        guard b.count == WireSize.response else {
            throw .wrongLength(message: "handshake response", expected: WireSize.response, got: b.count)
        }
        try checkHeader(b, .handshakeResponse, "handshake response")
        let s = b.startIndex
        sender = SessionIndex(readU32(b, 4))
        receiver = SessionIndex(readU32(b, 8))
        noise = Array(b[(s + 12)..<(s + 68)])
        mac1 = Array(b[(s + 68)..<(s + 84)])
        mac2 = Array(b[(s + 84)..<(s + 100)])
    }

    public func encoded() -> [UInt8] {
        var out = header(.handshakeResponse, capacity: WireSize.response)
        appendU32(&out, sender.value)
        appendU32(&out, receiver.value)
        out += noise
        out += mac1
        out += mac2
        return out
    }
}

/// Cookie reply (type 3). See `Messages.swift` for the layout.
public struct CookieReply: Equatable, Sendable {
    public var receiver: SessionIndex
    public var nonce: [UInt8]
    public var encryptedCookie: [UInt8]

    public init(receiver: SessionIndex, nonce: [UInt8], encryptedCookie: [UInt8]) {
        precondition(nonce.count == 24 && encryptedCookie.count == 32)
        self.receiver = receiver
        self.nonce = nonce
        self.encryptedCookie = encryptedCookie
    }

    public init(decoding b: ArraySlice<UInt8>) throws(WireError) {
        guard b.count == WireSize.cookieReply else {
            throw .wrongLength(message: "cookie reply", expected: WireSize.cookieReply, got: b.count)
        }
        try checkHeader(b, .cookieReply, "cookie reply")
        let s = b.startIndex
        receiver = SessionIndex(readU32(b, 4))
        nonce = Array(b[(s + 8)..<(s + 32)])
        encryptedCookie = Array(b[(s + 32)..<(s + 64)])
    }

    public func encoded() -> [UInt8] {
        var out = header(.cookieReply, capacity: WireSize.cookieReply)
        appendU32(&out, receiver.value)
        out += nonce
        out += encryptedCookie
        return out
    }
}
