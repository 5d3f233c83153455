import MeshCrypto
import MeshWire
import Noise

extension SessionManager {
    /// Handles one datagram from the network. Anything malformed, unauthenticated,
    /// replayed or from an unknown peer is dropped and counted in `stats`, and changes no
    /// state that an authentic packet depends on.
    public mutating func receive(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        stats.datagramsReceived += 1
        guard let type = try? peekMessageType(datagram[...]) else {
            stats.malformed += 1
            return
        }
        switch type {
        case .handshakeInitiation: receiveInitiation(datagram, from: source, now: now, into: &actions)
        case .handshakeResponse: receiveResponse(datagram, from: source, now: now, into: &actions)
        case .cookieReply: receiveCookieReply(datagram, now: now)
        case .transportData: receiveData(datagram, from: source, now: now, into: &actions)
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
            stats.invalidMAC1 += 1
            return false
        }
        if noteHandshakeAndCheckLoad(now: now),
           !checker.checkMAC2(datagram, mac1Offset: mac1Offset, source: source, now: now, rng: &rng) {
            let reply = checker.makeReply(to: datagram, mac1Offset: mac1Offset, receiver: sender, source: source, now: now, rng: &rng)
            actions.append(.transmit(reply.encoded(), to: source))
            stats.cookieRepliesSent += 1
            return false
        }
        return true
    }

    mutating func receiveInitiation(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        guard let msg = try? HandshakeInitiation(decoding: datagram[...]) else {
            stats.malformed += 1
            return
        }
        guard checkMACs(datagram, mac1Offset: WireSize.initiationMAC1, sender: msg.sender, from: source, now: now, into: &actions) else { return }
        guard let (state, remoteStatic, payload) = try? Handshake.consumeInitiation(msg, localStatic: localStatic) else {
            stats.handshakeDecryptFailed += 1
            return
        }
        guard let payload else {
            stats.malformed += 1
            return
        }
        // Unknown static keys get no answer at all, unless this node admits newcomers
        // (a coordinator taking joins, a perf server) and has room for them.
        if peers[remoteStatic] == nil {
            guard case .any(let maxAdmitted) = config.admission, admittedCount < maxAdmitted,
                  payload.identity != localIdentity else {
                stats.unknownPeer += 1
                return
            }
            var newcomer = Peer<Address>(identity: payload.identity, staticKey: remoteStatic)
            newcomer.admitted = true
            peers[remoteStatic] = newcomer
            byIdentity[payload.identity] = remoteStatic
            admittedCount += 1
            stats.peersAdmitted += 1
        }
        let s = remoteStatic
        guard payload.timestamp > peers[s]!.lastInitiationTimestamp else {
            stats.replayedInitiation += 1
            return
        }
        if let last = peers[s]!.lastInitiationConsumedAt, now - last < SessionConstants.handshakeInitiationRate {
            stats.initiationRateLimited += 1
            return
        }
        let localIndex = indices.allocate(.keypair(s), rng: &rng)
        guard let (response, sendKey, receiveKey) = try? Handshake.createResponse(
            state: state, localIndex: localIndex, remoteIndex: msg.sender, epoch: epoch, rng: &rng) else {
            indices.remove(localIndex)
            stats.handshakeDecryptFailed += 1
            return
        }
        peers[s]!.lastInitiationTimestamp = payload.timestamp
        peers[s]!.lastInitiationConsumedAt = now
        noteRemoteEpoch(s, payload.epoch, into: &actions)
        // The new keypair waits in `next` until the initiator's first packet confirms it.
        indices.remove(peers[s]!.next?.localIndex)
        peers[s]!.next = Keypair(sendKey: sendKey, receiveKey: receiveKey, localIndex: localIndex,
                                 remoteIndex: msg.sender, createdAt: now, isInitiator: false,
                                 firstSendCounter: peers[s]!.sendCounter)
        peers[s]!.lastHandshakeAt = now
        updateEndpoint(s, source, into: &actions)
        var bytes = response.encoded()
        peers[s]!.cookies.addMACs(to: &bytes, mac1Offset: WireSize.responseMAC1, now: now)
        actions.append(.transmit(bytes, to: source))
        timerAnyAuthenticatedPacketSent(s)
        timerSessionDerived(s, now: now)
    }

    mutating func receiveResponse(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        guard let msg = try? HandshakeResponse(decoding: datagram[...]) else {
            stats.malformed += 1
            return
        }
        guard checkMACs(datagram, mac1Offset: WireSize.responseMAC1, sender: msg.sender, from: source, now: now, into: &actions) else { return }
        guard case .handshake(let s)? = indices[msg.receiver], let pending = peers[s]?.pending,
              pending.localIndex == msg.receiver else {
            stats.unknownIndex += 1
            return
        }
        guard let (remoteEpoch, sendKey, receiveKey) = try? Handshake.consumeResponse(msg, pending: pending) else {
            stats.handshakeDecryptFailed += 1
            return
        }
        guard let remoteEpoch else {
            stats.malformed += 1
            return
        }
        noteRemoteEpoch(s, remoteEpoch, into: &actions)
        peers[s]!.pending = nil
        indices.update(msg.receiver, to: .keypair(s))
        let keypair = Keypair(sendKey: sendKey, receiveKey: receiveKey, localIndex: msg.receiver,
                              remoteIndex: msg.sender, createdAt: now, isInitiator: true,
                              firstSendCounter: peers[s]!.sendCounter)
        rotateIn(keypair, peer: s)
        peers[s]!.lastHandshakeAt = now
        peers[s]!.handshakeStartedAt = nil
        stats.handshakesCompleted += 1
        updateEndpoint(s, source, into: &actions)
        timerHandshakeComplete(s)
        timerSessionDerived(s, now: now)
        timerAnyAuthenticatedPacketReceived(s)
        actions.append(.handshakeCompleted(peers[s]!.identity, asInitiator: true))
        flushStaged(s, now: now, into: &actions)
    }

    mutating func receiveCookieReply(_ datagram: [UInt8], now: Instant) {
        guard let reply = try? CookieReply(decoding: datagram[...]) else {
            stats.malformed += 1
            return
        }
        guard let entry = indices[reply.receiver], peers[entry.peer] != nil else {
            stats.unknownIndex += 1
            return
        }
        if peers[entry.peer]!.cookies.consume(reply, now: now) {
            stats.cookieRepliesAccepted += 1
        } else {
            stats.cookieRepliesRejected += 1
        }
    }

    mutating func receiveData(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        guard let header = try? TransportHeader(decoding: datagram[...]) else {
            stats.malformed += 1
            return
        }
        guard case .keypair(let s)? = indices[header.receiver], peers[s] != nil else {
            stats.unknownIndex += 1
            return
        }
        // Which keypair: current, previous, or a responder's unconfirmed next.
        let slot: KeypairSlot
        let keypair: Keypair
        if let k = peers[s]!.current, k.localIndex == header.receiver { slot = .current; keypair = k }
        else if let k = peers[s]!.next, k.localIndex == header.receiver { slot = .next; keypair = k }
        else if let k = peers[s]!.previous, k.localIndex == header.receiver { slot = .previous; keypair = k }
        else {
            stats.unknownIndex += 1
            return
        }
        guard !keypair.isExpired(at: now), header.counter < SessionConstants.rejectAfterMessages else {
            stats.expiredKeypair += 1
            return
        }
        guard keypair.replay.mayAccept(header.counter) else {
            stats.replayedData += 1
            return
        }
        guard let body = TransportData.open(datagram, key: keypair.receiveKey, counter: header.counter) else {
            stats.dataDecryptFailed += 1
            return
        }
        // Roam only on the newest packet, so that stragglers from an old address (or an
        // old packet replayed from elsewhere) do not move the endpoint back.
        let roams = keypair.replay.isNewest(header.counter)
        // Authentic: only now may the window move.
        switch slot {
        case .current: _ = peers[s]!.current!.replay.accept(header.counter)
        case .previous: _ = peers[s]!.previous!.replay.accept(header.counter)
        case .next:
            var confirmed = peers[s]!.next!
            _ = confirmed.replay.accept(header.counter)
            peers[s]!.next = nil
            rotateIn(confirmed, peer: s)
            stats.handshakesCompleted += 1
            timerHandshakeComplete(s)
            actions.append(.handshakeCompleted(peers[s]!.identity, asInitiator: false))
            if !peers[s]!.staged.isEmpty { flushStaged(s, now: now, into: &actions) }
        }
        peers[s]!.rxBytes += UInt64(datagram.count)
        if roams { updateEndpoint(s, source, into: &actions) }
        timerAnyAuthenticatedPacketReceived(s)
        if body.isEmpty {
            stats.keepalivesReceived += 1
        } else {
            timerDataReceived(s, now: now)
            stats.dataDelivered += 1
            actions.append(.deliver(body, from: peers[s]!.identity, counter: header.counter))
        }
        // An initiator whose keys near rejectAfterTime renews them on receipt too, so that
        // a peer that only receives still gets fresh keys in time.
        if let current = peers[s]!.current, current.isInitiator,
           current.age(at: now) >= SessionConstants.rejectAfterTime - SessionConstants.keepaliveTimeout - SessionConstants.rekeyTimeout {
            initiateHandshake(s, now: now, isRetry: false, into: &actions)
        }
    }

    /// Makes `keypair` current; the old current becomes previous, the old previous goes.
    mutating func rotateIn(_ keypair: Keypair, peer s: StaticPublicKey) {
        if let old = peers[s]!.previous, old.localIndex != keypair.localIndex { indices.remove(old.localIndex) }
        peers[s]!.previous = peers[s]!.current
        peers[s]!.current = keypair
    }

    /// Roaming: replies go wherever authenticated packets last came from.
    mutating func updateEndpoint(_ s: StaticPublicKey, _ source: Address, into actions: inout [Action]) {
        guard peers[s]!.endpoint != source else { return }
        peers[s]!.endpoint = source
        actions.append(.endpointChanged(peers[s]!.identity, source))
    }

    mutating func noteRemoteEpoch(_ s: StaticPublicKey, _ remoteEpoch: UInt64, into actions: inout [Action]) {
        if let known = peers[s]!.remoteEpoch, known != remoteEpoch {
            actions.append(.peerRestarted(peers[s]!.identity))
        }
        peers[s]!.remoteEpoch = remoteEpoch
    }
}

/// Which of a peer's keypairs a transport message was addressed to.
enum KeypairSlot { case current, previous, next }
