import MeshCrypto
import MeshWire

/// The per-packet work on one peer's keypairs (docs/protocol.md, "Transport data"), done in
/// place on the peer's slot. Nothing here depends on the address type, so it is compiled
/// once, fully optimised; the sessions core wraps it with the endpoint and the actions.
extension Peer {
    /// Seals `payload` into `datagram` (exactly `payload.count + TransportData.overhead`
    /// bytes) on the current keypair under the next counter. The caller has checked
    /// `canSend(at:)`. Returns whether the initiator's rekey limits are reached.
    @usableFromInline
    mutating func sealData(_ payload: UnsafeRawBufferPointer, into datagram: UnsafeMutableRawBufferPointer,
                           now: Instant) -> Bool {
        let counter = sendCounter
        sendCounter += 1
        TransportData.seal(payload, key: current!.sendKey, receiver: current!.remoteIndex, counter: counter, into: datagram)
        txBytes += UInt64(datagram.count)
        timerAnyAuthenticatedPacketSent()
        if !payload.isEmpty { timerDataSent(now: now) }
        // Rekey on age or message count, initiator side only (the responder waits for the
        // initiator, so both do not race).
        return current!.isInitiator
            && (current!.age(at: now) >= SessionConstants.rekeyAfterTime
                || counter - current!.firstSendCounter >= SessionConstants.rekeyAfterMessages)
    }

    /// Opens transport message `datagram` addressed to this peer's keypair `receiver` under
    /// `counter`: finds the keypair (current, next or previous), checks its age, the counter
    /// and the replay window, decrypts, and only then marks the counter as seen. Every drop
    /// is counted in `stats`.
    @usableFromInline
    mutating func openData(_ datagram: UnsafeRawBufferPointer, receiver: SessionIndex, counter: UInt64, now: Instant,
                           stats: inout SessionStats) -> OpenedData? {
        let slot: KeypairSlot
        if current?.localIndex == receiver { slot = .current }
        else if next?.localIndex == receiver { slot = .next }
        else if previous?.localIndex == receiver { slot = .previous }
        else {
            stats.unknownIndex += 1
            return nil
        }
        return withKeypair(slot) { keypair in
            guard !keypair.isExpired(at: now), counter < SessionConstants.rejectAfterMessages else {
                stats.expiredKeypair += 1
                return nil
            }
            guard keypair.replay.mayAccept(counter) else {
                stats.replayedData += 1
                return nil
            }
            guard let payload = TransportData.open(datagram, key: keypair.receiveKey, counter: counter) else {
                stats.dataDecryptFailed += 1
                return nil
            }
            // Roam only on the newest packet, so that stragglers from an old address (or an
            // old packet replayed from elsewhere) do not move the endpoint back.
            let roams = keypair.replay.isNewest(counter)
            // Authentic: only now may the window move.
            _ = keypair.replay.accept(counter)
            return OpenedData(payload: payload, keypair: slot, roams: roams)
        }
    }

    /// Runs `body` on the keypair in `slot` (which must be present), in place.
    private mutating func withKeypair<R>(_ slot: KeypairSlot, _ body: (inout Keypair) -> R) -> R {
        switch slot {
        case .current: return body(&current!)
        case .next: return body(&next!)
        case .previous: return body(&previous!)
        }
    }

    /// An initiator whose keys near `rejectAfterTime` renews them on receipt too, so that a
    /// peer that only receives still gets fresh keys in time.
    func wantsRekeyOnReceive(now: Instant) -> Bool {
        guard current?.isInitiator == true, let createdAt = current?.createdAt else { return false }
        return Self.wantsRekeyOnReceive(keypairCreatedAt: createdAt, now: now)
    }

    /// Whether an initiator's keypair created at `keypairCreatedAt` is due for renewal on
    /// receipt.
    static func wantsRekeyOnReceive(keypairCreatedAt: Instant, now: Instant) -> Bool {
        now - keypairCreatedAt
            >= SessionConstants.rejectAfterTime - SessionConstants.keepaliveTimeout - SessionConstants.rekeyTimeout
    }
}

/// An authenticated transport payload and what it tells about its keypair.
@usableFromInline
struct OpenedData {
    @usableFromInline var payload: [UInt8]
    /// Which keypair it came on: `.next` confirms a responder's new keypair.
    @usableFromInline var keypair: KeypairSlot
    /// Whether its counter is above every one accepted before (the endpoint may roam).
    @usableFromInline var roams: Bool
}

/// Which of a peer's keypairs a transport message was addressed to.
@usableFromInline
enum KeypairSlot { case current, previous, next }
