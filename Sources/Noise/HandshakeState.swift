import MeshCrypto

/// Noise HandshakeState (spec §5.3) for any pattern of `HandshakePattern`, sans-IO: it
/// turns payloads into handshake messages and back, and after the last message `split()`
/// yields the transport cipher states.
///
/// mcpmesh sessions use `Noise_IK_25519_ChaChaPoly_BLAKE2b`; the engine follows the
/// spec's token rules in general so that every published vector of the suite passes.
public struct HandshakeState: Sendable {
    public let protocolName: ProtocolName
    public let isInitiator: Bool
    private var symmetric: SymmetricState
    private let s: StaticSecretKey?
    private var e: EphemeralSecretKey?
    public private(set) var remoteStatic: StaticPublicKey?
    public private(set) var remoteEphemeral: EphemeralPublicKey?
    private let psks: [PresharedKey]
    private var pskIndex = 0
    /// Index of the next message to write or read.
    public private(set) var messageIndex = 0

    /// - Parameters:
    ///   - s: this side's static key, when the pattern has one.
    ///   - rs: the peer's static key known in advance (pre-message), when the pattern has one.
    ///   - ephemeral: a fixed ephemeral key (test vectors); nil draws one from the RNG
    ///     passed to `writeMessage`.
    ///   - psks: pre-shared keys in the order the pattern's `psk` tokens use them.
    public init(protocolName: ProtocolName, initiator: Bool, prologue: [UInt8],
                s: StaticSecretKey? = nil, rs: StaticPublicKey? = nil,
                ephemeral: EphemeralSecretKey? = nil, psks: [PresharedKey] = []) throws(NoiseError) {
        self.protocolName = protocolName
        self.isInitiator = initiator
        self.s = s
        self.e = ephemeral
        self.remoteStatic = rs
        self.psks = psks
        symmetric = SymmetricState(protocolName: protocolName.text)
        symmetric.mixHash(prologue)

        let pattern = protocolName.pattern
        let pskCount = pattern.messages.reduce(0) { $0 + $1.filter { $0 == .psk }.count }
        guard psks.count >= pskCount else { throw .missingKey("\(pskCount) pre-shared key(s)") }
        // Pre-messages: the initiator's first, then the responder's (spec §7.1).
        for (owner, tokens) in [(true, pattern.initiatorPreMessage), (false, pattern.responderPreMessage)] {
            for token in tokens where token == .s {
                if owner == initiator {
                    guard let s else { throw .missingKey("this side's static key") }
                    symmetric.mixHash(s.publicKey.raw.bytes)
                } else {
                    guard let rs else { throw .missingKey("the peer's static public key") }
                    symmetric.mixHash(rs.raw.bytes)
                }
            }
        }
        // A side that must send `s` needs a static key.
        for (i, msg) in pattern.messages.enumerated() where msg.contains(.s) && (i % 2 == 0) == initiator {
            guard s != nil else { throw .missingKey("this side's static key") }
        }
    }

    public var isComplete: Bool { messageIndex >= protocolName.pattern.messages.count }

    /// The handshake hash `h`, for channel binding.
    public var handshakeHash: [UInt8] { symmetric.h }

    private func isMyTurn(_ index: Int) -> Bool { (index % 2 == 0) == isInitiator }

    /// Writes the next handshake message carrying `payload`.
    public mutating func writeMessage<R: RandomNumberGenerator>(payload: [UInt8], rng: inout R) throws(NoiseError) -> [UInt8] {
        guard !isComplete else { throw .handshakeComplete }
        guard isMyTurn(messageIndex) else { throw .notYourTurn(message: messageIndex + 1) }
        let m = messageIndex + 1
        var out: [UInt8] = []
        for token in protocolName.pattern.messages[messageIndex] {
            switch token {
            case .e:
                if e == nil { e = EphemeralSecretKey.generate(using: &rng) }
                let pub = e!.publicKey.raw
                out += pub.bytes
                symmetric.mixHash(pub.bytes)
                if protocolName.pattern.usesPSK { symmetric.mixKey(public: pub) }
            case .s:
                out += try symmetric.encryptAndHash(s!.publicKey.raw.bytes)
            case .ee, .es, .se, .ss:
                try symmetric.mixKey(dh(token, message: m))
            case .psk:
                symmetric.mixKeyAndHash(psks[pskIndex].secret)
                pskIndex += 1
            }
        }
        out += try symmetric.encryptAndHash(payload)
        messageIndex += 1
        return out
    }

    public mutating func writeMessage(payload: [UInt8]) throws(NoiseError) -> [UInt8] {
        var rng = SystemRandom()
        return try writeMessage(payload: payload, rng: &rng)
    }

    /// Reads the next handshake message and returns its payload. A failed read leaves the
    /// state unusable for this handshake; start a new one.
    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete else { throw .handshakeComplete }
        guard !isMyTurn(messageIndex) else { throw .notYourTurn(message: messageIndex + 1) }
        let m = messageIndex + 1
        var offset = 0
        func take(_ n: Int) throws(NoiseError) -> [UInt8] {
            guard message.count - offset >= n else { throw .messageTooShort(message: m, needed: offset + n, got: message.count) }
            defer { offset += n }
            return Array(message[offset..<(offset + n)])
        }
        for token in protocolName.pattern.messages[messageIndex] {
            switch token {
            case .e:
                let raw = Bytes32(try take(32))!
                remoteEphemeral = EphemeralPublicKey(raw: raw)
                symmetric.mixHash(raw.bytes)
                if protocolName.pattern.usesPSK { symmetric.mixKey(public: raw) }
            case .s:
                let n = 32 + (symmetric.hasKey ? ChaChaPoly.tagSize : 0)
                guard let pub = try symmetric.decryptAndHash(try take(n)) else { throw .decryptionFailed(message: m) }
                remoteStatic = StaticPublicKey(raw: Bytes32(pub)!)
            case .ee, .es, .se, .ss:
                try symmetric.mixKey(dh(token, message: m))
            case .psk:
                symmetric.mixKeyAndHash(psks[pskIndex].secret)
                pskIndex += 1
            }
        }
        let rest = Array(message[offset...])
        if symmetric.hasKey && rest.count < ChaChaPoly.tagSize {
            throw .messageTooShort(message: m, needed: offset + ChaChaPoly.tagSize, got: message.count)
        }
        guard let payload = try symmetric.decryptAndHash(rest) else { throw .decryptionFailed(message: m) }
        messageIndex += 1
        return payload
    }

    /// The transport cipher states (initiator→responder, responder→initiator).
    public func split() throws(NoiseError) -> (initiatorToResponder: CipherState, responderToInitiator: CipherState) {
        guard isComplete else { throw .handshakeNotComplete }
        let (a, b) = symmetric.split()
        return (a, b)
    }

    private func dh(_ token: Token, message m: Int) throws(NoiseError) -> SecretBytes {
        // Which local key meets which remote key (spec §5.3, WriteMessage/ReadMessage).
        let localIsEphemeral: Bool
        let remoteIsEphemeral: Bool
        switch token {
        case .ee: (localIsEphemeral, remoteIsEphemeral) = (true, true)
        case .ss: (localIsEphemeral, remoteIsEphemeral) = (false, false)
        case .es: (localIsEphemeral, remoteIsEphemeral) = isInitiator ? (true, false) : (false, true)
        case .se: (localIsEphemeral, remoteIsEphemeral) = isInitiator ? (false, true) : (true, false)
        case .e, .s, .psk: preconditionFailure("not a DH token")
        }
        let remote: Bytes32
        if remoteIsEphemeral {
            guard let re = remoteEphemeral else { throw .missingKey("the peer's ephemeral key") }
            remote = re.raw
        } else {
            guard let rs = remoteStatic else { throw .missingKey("the peer's static public key") }
            remote = rs.raw
        }
        do {
            if localIsEphemeral {
                guard let e else { throw NoiseError.missingKey("this side's ephemeral key") }
                return try e.sharedSecret(with: remote)
            } else {
                guard let s else { throw NoiseError.missingKey("this side's static key") }
                return try s.sharedSecret(with: remote)
            }
        } catch let error as NoiseError {
            throw error
        } catch {
            throw .weakKey(message: m)
        }
    }
}
