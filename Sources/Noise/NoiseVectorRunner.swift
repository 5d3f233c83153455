import MeshCrypto

/// Replays one `NoiseVector`: both sides run the handshake with the vector's keys and fixed
/// ephemerals, every message must match byte for byte in both directions, the handshake
/// hash must match when given, and the transport messages after the handshake must match
/// under the split cipher states.
public enum NoiseVectorRunner {
    public enum Outcome: Sendable, Equatable {
        case passed
        case failed(String)
    }

    public static func run(_ v: NoiseVector) -> Outcome {
        do {
            return try replay(v)
        } catch let e as NoiseError {
            return .failed(e.description)
        } catch let e as CryptoError {
            return .failed(e.description)
        } catch {
            return .failed("\(error)")
        }
    }

    private static func replay(_ v: NoiseVector) throws -> Outcome {
        let name = try ProtocolName(v.protocolName)
        func staticKey(_ b: [UInt8]?) throws -> StaticSecretKey? { try b.map { try StaticSecretKey(bytes: $0) } }
        func ephemeral(_ b: [UInt8]?) throws -> EphemeralSecretKey? { try b.map { try EphemeralSecretKey(bytes: $0) } }
        func pub(_ b: [UInt8]?) throws -> StaticPublicKey? { try b.map { try StaticPublicKey(bytes: $0) } }
        var initiator = try HandshakeState(protocolName: name, initiator: true, prologue: v.initPrologue,
                                           s: try staticKey(v.initStatic), rs: try pub(v.initRemoteStatic),
                                           ephemeral: try ephemeral(v.initEphemeral),
                                           psks: try v.initPSKs.map { try PresharedKey(bytes: $0) })
        var responder = try HandshakeState(protocolName: name, initiator: false, prologue: v.respPrologue,
                                           s: try staticKey(v.respStatic), rs: try pub(v.respRemoteStatic),
                                           ephemeral: try ephemeral(v.respEphemeral),
                                           psks: try v.respPSKs.map { try PresharedKey(bytes: $0) })
        let handshakeCount = name.pattern.messages.count
        guard v.messages.count >= handshakeCount else {
            return .failed("has \(v.messages.count) messages, the \(name.pattern.name) handshake needs \(handshakeCount)")
        }
        // Fixed ephemerals mean no randomness is drawn; a vector missing one fails to match.
        var rng = SystemRandom()
        for (i, m) in v.messages.prefix(handshakeCount).enumerated() {
            let fromInitiator = i % 2 == 0
            let written = fromInitiator ? try initiator.writeMessage(payload: m.payload, rng: &rng)
                                        : try responder.writeMessage(payload: m.payload, rng: &rng)
            guard written == m.ciphertext else {
                return .failed("message \(i): ciphertext differs (got \(Hex.encode(written)))")
            }
            let read = fromInitiator ? try responder.readMessage(m.ciphertext) : try initiator.readMessage(m.ciphertext)
            guard read == m.payload else { return .failed("message \(i): decrypted payload differs") }
        }
        if let expected = v.handshakeHash {
            guard initiator.handshakeHash == expected else { return .failed("initiator's handshake hash differs") }
            guard responder.handshakeHash == expected else { return .failed("responder's handshake hash differs") }
        }
        var (i2r, r2i) = try initiator.split()
        var (ri2r, rr2i) = try responder.split()
        for (j, m) in v.messages.enumerated().dropFirst(handshakeCount) {
            let fromInitiator = name.pattern.isOneWay || j % 2 == 0
            let ct = fromInitiator ? try i2r.encrypt(ad: [], plaintext: m.payload) : try rr2i.encrypt(ad: [], plaintext: m.payload)
            guard ct == m.ciphertext else { return .failed("transport message \(j): ciphertext differs") }
            let pt = fromInitiator ? try ri2r.decrypt(ad: [], ciphertext: ct) : try r2i.decrypt(ad: [], ciphertext: ct)
            guard pt == m.payload else { return .failed("transport message \(j): decrypted payload differs") }
        }
        return .passed
    }
}
