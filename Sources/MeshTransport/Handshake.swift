import MeshCrypto
import MeshWire
import Noise

/// Creates and consumes the two handshake messages with Noise IK (docs/protocol.md,
/// "Handshake"). One function per message, as in the WireGuard paper §5.4.2–5.4.3. These
/// do the cryptography only; MACs, indices and peer state are the caller's.
enum Handshake {
    /// The payload of message 1: TAI64N timestamp (12 bytes), the initiator's epoch
    /// (8 bytes, little-endian), and the initiator's Ed25519 identity key (32 bytes), which
    /// the responder checks against the static key the handshake authenticated.
    struct InitiationPayload: Equatable {
        var timestamp: Timestamp
        var epoch: UInt64
        var identity: IdentityPublicKey
    }

    /// An initiation waiting for its response.
    struct Pending: Sendable {
        var state: HandshakeState
        var localIndex: SessionIndex
    }

    static func createInitiation<R: RandomNumberGenerator>(
        localStatic: StaticSecretKey, remoteStatic: StaticPublicKey, localIndex: SessionIndex,
        payload: InitiationPayload, ephemeral: EphemeralSecretKey? = nil, rng: inout R
    ) throws(NoiseError) -> (HandshakeInitiation, Pending) {
        var hs = try HandshakeState(protocolName: .mcpmesh, initiator: true, prologue: SessionConstants.prologue,
                                    s: localStatic, rs: remoteStatic, ephemeral: ephemeral)
        var body = payload.timestamp.bytes
        appendLE(&body, payload.epoch)
        body += payload.identity.raw.bytes
        let noise = try hs.writeMessage(payload: body, rng: &rng)
        return (HandshakeInitiation(sender: localIndex, noise: noise), Pending(state: hs, localIndex: localIndex))
    }

    /// Reads an initiation as responder. Returns the handshake state (ready to write the
    /// response), the initiator's static key and its payload; the payload is nil when it
    /// is malformed or its identity key does not convert to the authenticated static key.
    /// `ephemeral` fixes the responder's ephemeral key (the worked example only).
    /// `knownIdentity` names the identity already known to convert to a static key (an
    /// allowed peer's), which spares converting it again: the conversion checks that the
    /// point is in the prime-order subgroup, a scalar multiplication.
    static func consumeInitiation(_ msg: HandshakeInitiation, localStatic: StaticSecretKey,
                                  ephemeral: EphemeralSecretKey? = nil,
                                  knownIdentity: (StaticPublicKey) -> IdentityPublicKey? = { _ in nil })
        throws(NoiseError) -> (HandshakeState, StaticPublicKey, InitiationPayload?)
    {
        var hs = try HandshakeState(protocolName: .mcpmesh, initiator: false, prologue: SessionConstants.prologue,
                                    s: localStatic, ephemeral: ephemeral)
        let body = try hs.readMessage(msg.noise)
        guard let rs = hs.remoteStatic else { throw .missingKey("the initiator's static key") }
        guard body.count == 52, let ts = Timestamp(bytes: Array(body[0..<12])),
              let identity = try? IdentityPublicKey(bytes: Array(body[20..<52])),
              knownIdentity(rs) == identity || (try? identity.noiseStaticKey()) == rs else { return (hs, rs, nil) }
        return (hs, rs, InitiationPayload(timestamp: ts, epoch: readLE(body[12..<20]), identity: identity))
    }

    /// Writes the response; returns it with the keys (send, receive) of the responder.
    static func createResponse<R: RandomNumberGenerator>(
        state: HandshakeState, localIndex: SessionIndex, remoteIndex: SessionIndex, epoch: UInt64, rng: inout R
    ) throws(NoiseError) -> (HandshakeResponse, send: SymmetricKey, receive: SymmetricKey) {
        var hs = state
        var body: [UInt8] = []
        appendLE(&body, epoch)
        let noise = try hs.writeMessage(payload: body, rng: &rng)
        let (i2r, r2i) = try hs.split()
        return (HandshakeResponse(sender: localIndex, receiver: remoteIndex, noise: noise), r2i.key!, i2r.key!)
    }

    /// Reads a response as initiator; returns the responder's epoch and the keys (send,
    /// receive) of the initiator. `pending` is not changed, so a forged response cannot
    /// spoil a genuine one that follows.
    static func consumeResponse(_ msg: HandshakeResponse, pending: Pending)
        throws(NoiseError) -> (epoch: UInt64?, send: SymmetricKey, receive: SymmetricKey)
    {
        var hs = pending.state
        let body = try hs.readMessage(msg.noise)
        let (i2r, r2i) = try hs.split()
        return (body.count == 8 ? readLE(body[0..<8]) : nil, i2r.key!, r2i.key!)
    }

    static func appendLE(_ out: inout [UInt8], _ v: UInt64) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    static func readLE(_ b: ArraySlice<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for (i, byte) in b.enumerated() { v |= UInt64(byte) << (8 * UInt64(i)) }
        return v
    }
}
