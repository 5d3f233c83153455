import MeshCrypto
import MeshWire

/// The packet path (docs/protocol.md, "Transport data"): sending and receiving transport
/// messages. These are `@inlinable` so that a shell gets them specialized for its address
/// type (no generic dispatch per packet); the address-independent work is `Peer+Data`.
extension SessionManager {
    // MARK: - Sending

    /// The slot of allowed peer `identity`.
    @inlinable
    func slot(of identity: IdentityPublicKey) -> Int? {
        if let recent = recentPeer, recent.identity == identity { return recent.slot }
        return byIdentity[identity]
    }

    /// The counter the next `send` to `identity` will use, when a session can send now;
    /// nil when a send would be staged behind a handshake.
    @inlinable
    public func nextSendCounter(to identity: IdentityPublicKey, now: Instant) -> UInt64? {
        guard let s = slot(of: identity), peers.canSend(s, at: now), endpoints[s].current != nil else { return nil }
        return peers.sendCounter(s)
    }

    /// Where a transport message to `identity` goes if sent now, with the counter it will
    /// carry; nil when a send would be staged behind a handshake (use `send` then).
    @inlinable
    public func sendDestination(to identity: IdentityPublicKey, now: Instant) -> (address: Address, counter: UInt64)? {
        guard let s = slot(of: identity), peers.canSend(s, at: now), let endpoint = endpoints[s].current else { return nil }
        return (endpoint, peers.sendCounter(s))
    }

    /// `send` of `payload` written straight into the caller's buffer: when a session can
    /// send to `identity` now (`sendDestination` is not nil), encrypts `payload` as one
    /// transport message into `datagram`, which must hold exactly
    /// `payload.count + SessionManager.datagramOverhead` bytes, and returns true; the
    /// datagram goes to `sendDestination`'s address. Other actions the send causes (a rekey
    /// initiation) are appended to `actions`, to be carried out after the datagram is sent.
    /// Returns false, writing nothing, when no session can send now.
    @inlinable
    public mutating func seal(_ payload: UnsafeRawBufferPointer, to identity: IdentityPublicKey, now: Instant,
                              into datagram: UnsafeMutableRawBufferPointer, actions: inout [Action]) -> Bool {
        guard let s = slot(of: identity), peers.canSend(s, at: now), endpoints[s].current != nil else { return false }
        recentPeer = (identity, s)
        let rekey = peers[s].sealData(payload, into: datagram, now: now)
        afterDataSent(s, empty: payload.isEmpty, rekey: rekey, now: now, into: &actions)
        return true
    }

    /// Bytes a transport message adds to its payload: the 16-byte header and the tag.
    public static var datagramOverhead: Int { WireSize.transportMinimum }

    /// Sends `payload` to the peer as one transport message, or stages it and starts a
    /// handshake when no session can send now.
    @inlinable
    public mutating func send(_ payload: [UInt8], to identity: IdentityPublicKey, now: Instant,
                              into actions: inout [Action]) throws(PeerError) {
        guard let s = slot(of: identity) else { throw .unknownPeer(identity) }
        recentPeer = (identity, s)
        if peers.canSend(s, at: now), endpoints[s].current != nil {
            payload.withUnsafeBytes { transmitData($0, peer: s, now: now, into: &actions) }
            return
        }
        stage(payload, peer: s, now: now, into: &actions)
    }

    /// Queues `payload` behind the handshake it starts (the oldest goes when full).
    @usableFromInline
    mutating func stage(_ payload: [UInt8], peer s: Int, now: Instant, into actions: inout [Action]) {
        if peers[s].staged.count >= SessionConstants.maxStagedPackets {
            peers[s].staged.removeFirst()
            counts.stagedDropped += 1
        }
        peers[s].staged.append(payload)
        initiateHandshake(s, now: now, isRetry: false, into: &actions)
    }

    /// Encrypts and emits one transport message on the current keypair.
    @inlinable
    mutating func transmitData(_ payload: UnsafeRawBufferPointer, peer s: Int, now: Instant, into actions: inout [Action]) {
        guard peers.canSend(s, at: now), let endpoint = endpoints[s].current else { return }
        let count = payload.count + TransportData.overhead
        var rekey = false
        let datagram = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            rekey = peers[s].sealData(payload, into: UnsafeMutableRawBufferPointer(buffer), now: now)
            initialized = count
        }
        actions.append(.transmit(datagram, to: endpoint))
        afterDataSent(s, empty: payload.isEmpty, rekey: rekey, now: now, into: &actions)
    }

    /// Counts a sent transport message and starts the rekey it made due.
    @inlinable
    mutating func afterDataSent(_ s: Int, empty: Bool, rekey: Bool, now: Instant, into actions: inout [Action]) {
        if empty { counts.keepalivesSent += 1 }
        if rekey { initiateHandshake(s, now: now, isRetry: false, into: &actions) }
    }

    /// Sends everything staged while the handshake ran, or a keepalive if nothing was, so
    /// that a responder learns its new keys work.
    @usableFromInline
    mutating func flushStaged(_ s: Int, now: Instant, into actions: inout [Action]) {
        let staged = peers[s].staged
        peers[s].staged.removeAll()
        if staged.isEmpty {
            transmitData(UnsafeRawBufferPointer(start: nil, count: 0), peer: s, now: now, into: &actions)
        } else {
            for p in staged { p.withUnsafeBytes { transmitData($0, peer: s, now: now, into: &actions) } }
        }
    }

    // MARK: - Receiving

    /// Handles one datagram from the network, read where it lies (the shell's receive
    /// buffer): a transport message is decrypted straight into the payload delivered.
    /// Anything malformed, unauthenticated, replayed or from an unknown peer is dropped and
    /// counted in `stats`, and changes no state that an authentic packet depends on.
    @inlinable
    public mutating func receive(_ datagram: UnsafeRawBufferPointer, from source: Address, now: Instant,
                                 into actions: inout [Action]) {
        counts.datagramsReceived += 1
        guard let first = datagram.first, let type = MessageType(rawValue: first) else {
            counts.malformed += 1
            return
        }
        if type == .transportData {
            receiveData(datagram, from: source, now: now, into: &actions)
        } else {
            receiveHandshakeMessage(type, Array(datagram), from: source, now: now, into: &actions)
        }
    }

    /// Handles one datagram from the network (see the form above).
    @inlinable
    public mutating func receive(_ datagram: [UInt8], from source: Address, now: Instant, into actions: inout [Action]) {
        guard datagram.first == MessageType.transportData.rawValue else {
            counts.datagramsReceived += 1
            guard let first = datagram.first, let type = MessageType(rawValue: first) else {
                counts.malformed += 1
                return
            }
            receiveHandshakeMessage(type, datagram, from: source, now: now, into: &actions)
            return
        }
        datagram.withUnsafeBytes { receive($0, from: source, now: now, into: &actions) }
    }

    @inlinable
    mutating func receiveData(_ datagram: UnsafeRawBufferPointer, from source: Address, now: Instant,
                              into actions: inout [Action]) {
        guard datagram.count >= WireSize.transportMinimum, datagram[1] == 0, datagram[2] == 0, datagram[3] == 0 else {
            counts.malformed += 1
            return
        }
        let receiver = SessionIndex(UInt32(littleEndian: datagram.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        let counter = UInt64(littleEndian: datagram.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard case .keypair(let s)? = indices[receiver], peers.isOccupied(s) else {
            counts.unknownIndex += 1
            return
        }
        guard let opened = peers[s].openData(datagram, receiver: receiver, counter: counter, now: now, stats: &counts) else {
            return
        }
        if opened.keypair == .next { confirmNext(s, now: now, into: &actions) }
        peers[s].rxBytes += UInt64(datagram.count)
        if opened.roams { updateEndpoint(s, source, into: &actions) }
        peers[s].timerAnyAuthenticatedPacketReceived()
        if opened.payload.isEmpty {
            counts.keepalivesReceived += 1
        } else {
            peers[s].timerDataReceived(now: now)
            counts.dataDelivered += 1
            actions.append(.deliver(opened.payload, from: peers.identity(s), counter: counter))
        }
        if peers.wantsRekeyOnReceive(s, now: now) {
            initiateHandshake(s, now: now, isRetry: false, into: &actions)
        }
    }

    /// The first authenticated packet on a responder's `next` keypair: it becomes current,
    /// and what waited for the handshake goes out.
    @usableFromInline
    mutating func confirmNext(_ s: Int, now: Instant, into actions: inout [Action]) {
        let confirmed = peers[s].next!
        peers[s].next = nil
        rotateIn(confirmed, peer: s)
        counts.handshakesCompleted += 1
        peers[s].timerHandshakeComplete()
        actions.append(.handshakeCompleted(peers.identity(s), asInitiator: false))
        if !peers[s].staged.isEmpty { flushStaged(s, now: now, into: &actions) }
    }

    /// Makes `keypair` current; the old current becomes previous, the old previous goes.
    mutating func rotateIn(_ keypair: Keypair, peer s: Int) {
        if let old = peers[s].previous?.localIndex, old != keypair.localIndex { indices.remove(old) }
        peers[s].previous = peers[s].current
        peers[s].current = keypair
    }

    /// Roaming: replies go wherever authenticated packets last came from.
    @inlinable
    mutating func updateEndpoint(_ s: Int, _ source: Address, into actions: inout [Action]) {
        guard endpoints[s].current != source else { return }
        endpoints[s].current = source
        actions.append(.endpointChanged(peers.identity(s), source))
    }
}
