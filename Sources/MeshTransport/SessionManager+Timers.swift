import MeshCrypto
import MeshWire

/// Timers, WireGuard-style (docs/protocol.md, "Timers"): each is a deadline on the peer,
/// set or cleared by a one-line hook named after the protocol event that calls it, and
/// fired by `tick(now:)`. Nothing here reads a clock.
extension SessionManager {
    /// The earliest deadline of any peer, when `tick` must next be called.
    public var nextDeadline: Instant? { peers.nextDeadline }

    /// Fires every deadline at or before `now`.
    public mutating func tick(now: Instant, into actions: inout [Action]) {
        for s in peers.occupied {
            guard peers.isOccupied(s) else { continue }
            if let t = peers[s].zeroKeysAt, t <= now { zeroKeys(s) }
            if let t = peers[s].retransmitHandshakeAt, t <= now { retransmitHandshake(s, now: now, into: &actions) }
            if let t = peers[s].sendKeepaliveAt, t <= now { sendKeepalive(s, now: now, into: &actions) }
            if let t = peers[s].newHandshakeAt, t <= now {
                peers[s].newHandshakeAt = nil
                // We sent data and heard nothing back: the session may be dead.
                initiateHandshake(s, now: now, isRetry: false, into: &actions)
            }
        }
    }

    // MARK: Firing

    mutating func retransmitHandshake(_ s: Int, now: Instant, into actions: inout [Action]) {
        peers[s].retransmitHandshakeAt = nil
        guard peers[s].pending != nil else { return }
        if let started = peers[s].handshakeStartedAt, now - started >= SessionConstants.rekeyAttemptTime {
            // Give up: drop what waited for this handshake.
            counts.stagedDropped += peers[s].staged.count
            peers[s].staged.removeAll()
            indices.remove(peers[s].pending?.localIndex)
            peers[s].pending = nil
            peers[s].handshakeStartedAt = nil
            if peers[s].zeroKeysAt == nil { peers[s].zeroKeysAt = now + SessionConstants.zeroKeysAfterTime }
            actions.append(.handshakeFailed(peers[s].identity))
            return
        }
        initiateHandshake(s, now: now, isRetry: true, into: &actions)
    }

    mutating func sendKeepalive(_ s: Int, now: Instant, into actions: inout [Action]) {
        peers[s].sendKeepaliveAt = nil
        guard peers[s].canSend(at: now) else { return }
        transmitData(UnsafeRawBufferPointer(start: nil, count: 0), peer: s, now: now, into: &actions)
        if peers[s].needAnotherKeepalive {
            peers[s].needAnotherKeepalive = false
            peers[s].sendKeepaliveAt = now + SessionConstants.keepaliveTimeout
        }
    }

    /// Zeroes every key of the peer (`zeroKeysAfterTime` without a new handshake), and
    /// frees its session indices.
    mutating func zeroKeys(_ s: Int) {
        guard peers.isOccupied(s) else { return }
        indices.remove(peers[s].current?.localIndex)
        indices.remove(peers[s].previous?.localIndex)
        indices.remove(peers[s].next?.localIndex)
        indices.remove(peers[s].pending?.localIndex)
        peers[s].current = nil
        peers[s].previous = nil
        peers[s].next = nil
        peers[s].pending = nil
        peers[s].handshakeStartedAt = nil
        peers[s].zeroKeysAt = nil
        peers[s].retransmitHandshakeAt = nil
        peers[s].sendKeepaliveAt = nil
        peers[s].newHandshakeAt = nil
    }

    /// Call after sending an initiation: schedule a retry with jitter.
    mutating func timerHandshakeInitiated(_ s: Int, now: Instant) {
        let jitterMax = UInt64(SessionConstants.rekeyTimeoutJitterMax.nanoseconds)
        let jitter = Duration.nanoseconds(Int64(rng.next() % jitterMax))
        peers[s].retransmitHandshakeAt = now + SessionConstants.rekeyTimeout + jitter
    }
}

// MARK: Hooks, one per protocol event

extension Peer {
    /// Call after a handshake completes: no retry is due.
    mutating func timerHandshakeComplete() {
        retransmitHandshakeAt = nil
    }

    /// Call after new keys are derived: they are zeroed if nothing renews them.
    mutating func timerSessionDerived(now: Instant) {
        zeroKeysAt = now + SessionConstants.zeroKeysAfterTime
    }

    /// Call after sending a non-empty transport message: expect to hear back.
    mutating func timerDataSent(now: Instant) {
        if newHandshakeAt == nil {
            newHandshakeAt = now + SessionConstants.keepaliveTimeout + SessionConstants.rekeyTimeout
        }
    }

    /// Call after receiving a non-empty transport message: answer within keepaliveTimeout.
    @usableFromInline
    mutating func timerDataReceived(now: Instant) {
        if sendKeepaliveAt == nil {
            sendKeepaliveAt = now + SessionConstants.keepaliveTimeout
        } else {
            needAnotherKeepalive = true
        }
    }

    /// Call after sending any authenticated packet: it stands in for a keepalive.
    mutating func timerAnyAuthenticatedPacketSent() {
        sendKeepaliveAt = nil
    }

    /// Call after receiving any authenticated packet: the peer is alive.
    @usableFromInline
    mutating func timerAnyAuthenticatedPacketReceived() {
        newHandshakeAt = nil
    }
}
