import MeshCrypto
import MeshWire
import Noise

extension SessionManager {
    /// Handles a handshake message (initiation, response or cookie reply) of `type`.
    @usableFromInline
    mutating func receiveHandshakeMessage(_ type: MessageType, _ datagram: [UInt8], from source: Address, now: Instant,
                                          into actions: inout [Action]) {
        switch type {
        case .handshakeInitiation: receiveInitiation(datagram, from: source, now: now, into: &actions)
        case .handshakeResponse: receiveResponse(datagram, from: source, now: now, into: &actions)
        case .cookieReply: receiveCookieReply(datagram, now: now)
        case .transportData: datagram.withUnsafeBytes { receiveData($0, from: source, now: now, into: &actions) }
        }
    }

    /// Whether handshake messages must carry a valid mac2 now; counts this message.
    mutating func noteHandshakeAndCheckLoad(now: Instant) -> Bool {
        if now - loadWindowStart >= SessionConstants.underLoadWindow {
            loadWindowStart = now
            loadWindowCount = 0
        }
        loadWindowCount += 1
        if loadWindowCount > config.underLoadThreshold {
            underLoadUntil = now + SessionConstants.underLoadAfterTime
        }
        if let until = underLoadUntil, now < until { return true }
        return false
    }

    public func isUnderLoad(now: Instant) -> Bool {
        if let until = underLoadUntil, now < until { return true }
        return false
    }

    /// mac1, then under load mac2 (answering with a cookie reply when it is missing).
    /// Returns false when the message must be dropped.
    mutating func checkMACs(_ datagram: [UInt8], mac1Offset: Int, sender: SessionIndex, from source: Address,
                            now: Instant, into actions: inout [Action]) -> Bool {
        guard checker.checkMAC1(datagram, mac1Offset: mac1Offset) else {
            counts.invalidMAC1 += 1
            return false
        }
        if noteHandshakeAndCheckLoad(now: now),
           !checker.checkMAC2(datagram, mac1Offset: mac1Offset, source: source, now: now, rng: &rng) {
            let reply = checker.makeReply(to: datagram, mac1Offset: mac1Offset, receiver: sender, source: source, now: now, rng: &rng)
            actions.append(.transmit(reply.encoded(), to: source))
            counts.cookieRepliesSent += 1
            return false
        }
        return true
    }

    mutating func receiveInitiation(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        guard let msg = try? HandshakeInitiation(decoding: datagram[...]) else {
            counts.malformed += 1
            return
        }
        guard checkMACs(datagram, mac1Offset: WireSize.initiationMAC1, sender: msg.sender, from: source, now: now, into: &actions) else { return }
        guard let (state, remoteStatic, payload) = try? Handshake.consumeInitiation(
            msg, localStatic: localStatic, knownIdentity: { peers.slot(of: $0).map { peers[$0].identity } }) else {
            counts.handshakeDecryptFailed += 1
            return
        }
        guard let payload else {
            counts.malformed += 1
            return
        }
        // Unknown static keys get no answer at all, unless this node admits newcomers
        // (a coordinator taking joins, a perf server) and has room for them.
        let s: Int
        if let known = peers.slot(of: remoteStatic) {
            s = known
        } else {
            guard case .any(let maxAdmitted) = config.admission, admittedCount < maxAdmitted,
                  payload.identity != localIdentity else {
                counts.unknownPeer += 1
                return
            }
            var newcomer = Peer(identity: payload.identity, staticKey: remoteStatic)
            newcomer.admitted = true
            s = insertPeer(newcomer)
            admittedCount += 1
            counts.peersAdmitted += 1
        }
        guard payload.timestamp > peers[s].lastInitiationTimestamp else {
            counts.replayedInitiation += 1
            return
        }
        if let last = peers[s].lastInitiationConsumedAt, now - last < SessionConstants.handshakeInitiationRate {
            counts.initiationRateLimited += 1
            return
        }
        let localIndex = indices.allocate(.keypair(slot: s), rng: &rng)
        guard let (response, sendKey, receiveKey) = try? Handshake.createResponse(
            state: state, localIndex: localIndex, remoteIndex: msg.sender, epoch: epoch, rng: &rng) else {
            indices.remove(localIndex)
            counts.handshakeDecryptFailed += 1
            return
        }
        peers[s].lastInitiationTimestamp = payload.timestamp
        peers[s].lastInitiationConsumedAt = now
        noteRemoteEpoch(s, payload.epoch, into: &actions)
        // The new keypair waits in `next` until the initiator's first packet confirms it.
        indices.remove(peers[s].next?.localIndex)
        peers[s].next = Keypair(sendKey: sendKey, receiveKey: receiveKey, localIndex: localIndex,
                                remoteIndex: msg.sender, createdAt: now, isInitiator: false,
                                firstSendCounter: peers[s].sendCounter)
        peers[s].lastHandshakeAt = now
        updateEndpoint(s, source, into: &actions)
        var bytes = response.encoded()
        peers[s].cookies.addMACs(to: &bytes, mac1Offset: WireSize.responseMAC1, now: now)
        actions.append(.transmit(bytes, to: source))
        peers[s].timerAnyAuthenticatedPacketSent()
        peers[s].timerSessionDerived(now: now)
    }

    mutating func receiveResponse(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        guard let msg = try? HandshakeResponse(decoding: datagram[...]) else {
            counts.malformed += 1
            return
        }
        guard checkMACs(datagram, mac1Offset: WireSize.responseMAC1, sender: msg.sender, from: source, now: now, into: &actions) else { return }
        guard case .handshake(let s)? = indices[msg.receiver], peers.isOccupied(s), let pending = peers[s].pending,
              pending.localIndex == msg.receiver else {
            counts.unknownIndex += 1
            return
        }
        guard let (remoteEpoch, sendKey, receiveKey) = try? Handshake.consumeResponse(msg, pending: pending) else {
            counts.handshakeDecryptFailed += 1
            return
        }
        guard let remoteEpoch else {
            counts.malformed += 1
            return
        }
        noteRemoteEpoch(s, remoteEpoch, into: &actions)
        peers[s].pending = nil
        indices.update(msg.receiver, to: .keypair(slot: s))
        let keypair = Keypair(sendKey: sendKey, receiveKey: receiveKey, localIndex: msg.receiver,
                              remoteIndex: msg.sender, createdAt: now, isInitiator: true,
                              firstSendCounter: peers[s].sendCounter)
        rotateIn(keypair, peer: s)
        peers[s].lastHandshakeAt = now
        peers[s].handshakeStartedAt = nil
        counts.handshakesCompleted += 1
        updateEndpoint(s, source, into: &actions)
        peers[s].timerHandshakeComplete()
        peers[s].timerSessionDerived(now: now)
        peers[s].timerAnyAuthenticatedPacketReceived()
        actions.append(.handshakeCompleted(peers[s].identity, asInitiator: true))
        flushStaged(s, now: now, into: &actions)
    }

    mutating func receiveCookieReply(_ datagram: [UInt8], now: Instant) {
        guard let reply = try? CookieReply(decoding: datagram[...]) else {
            counts.malformed += 1
            return
        }
        guard let entry = indices[reply.receiver], peers.isOccupied(entry.slot) else {
            counts.unknownIndex += 1
            return
        }
        if peers[entry.slot].cookies.consume(reply, now: now) {
            counts.cookieRepliesAccepted += 1
        } else {
            counts.cookieRepliesRejected += 1
        }
    }

    mutating func noteRemoteEpoch(_ s: Int, _ remoteEpoch: UInt64, into actions: inout [Action]) {
        if let known = peers[s].remoteEpoch, known != remoteEpoch {
            actions.append(.peerRestarted(peers[s].identity))
        }
        peers[s].remoteEpoch = remoteEpoch
    }
}
