import MeshCrypto
import MeshTransport
import MeshWire
import NIOCore

/// The packet path: a NIO handler on a UDP channel that owns the sessions core and carries
/// out its actions, entirely on the channel's event loop (no actor hop, no `Task`, no lock
/// per packet).
///
/// Per read batch (all `channelRead`s up to `channelReadComplete`):
/// 1. each datagram is handed to `SessionManager.receive` where it lies in NIO's receive
///    buffer (GRO super-datagrams are cut at their segment size), which decrypts a
///    transport message straight into the payload it delivers (the one copy);
/// 2. `.deliver` goes straight to the peer's `MeshPeerConsumer` (or to `onEvent`), other
///    actions to `onEvent` and the consumer, `.transmit` into the GSO coalescer;
/// 3. at `channelReadComplete`: consumers that got input produce, the open GSO run is
///    written, the channel is flushed once (NIO writes everything queued with one
///    `sendmmsg`), and the one timer is moved if the next deadline moved earlier.
///
/// API calls (send, peers, timers) run the same steps with a flush of their own, unless
/// they happen inside a batch (from a callback), which then flushes them.
///
/// Bound to its event loop: every method must be called there (the endpoint's
/// `execute(_:)` gets there).
public final class MeshUDPHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = AddressedEnvelope<ByteBuffer>
    public typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// The sessions core. Read it freely on the loop; change it only through this handler.
    public internal(set) var sessions: SessionManager<UDPAddress>
    /// Called on the loop for datagrams from peers without a consumer and for every event.
    public var onEvent: ((MeshEvent) -> Void)?
    /// What the socket does (batching, offloads), set when the socket is bound.
    public internal(set) var socketFeatures: MeshSocketFeatures
    /// The shell's own counters.
    public internal(set) var shellStats = MeshShellStats()

    let clock: MonotonicClock
    let configuration: MeshEndpointConfiguration
    var context: ChannelHandlerContext?
    /// The bound socket's family, to which transmit addresses are adapted.
    var socketFamily: NIOBSDSocket.ProtocolFamily = .inet

    // Consumers and the ones that must produce at the end of this batch.
    var consumers: [IdentityPublicKey: ConsumerEntry] = [:] {
        didSet { recentConsumer = nil }
    }
    /// The consumer last delivered to, found again by comparing keys instead of hashing one.
    var recentConsumer: ConsumerEntry?
    var dirty: [ConsumerEntry] = []
    var wakeScheduled = false

    // Batching.
    var inReadBatch = false
    var operationDepth = 0
    /// Set while `finishBatch` runs, so that a consumer's API call inside `produce` does not
    /// finish the batch again from within (the outer one flushes its transmits).
    var finishing = false
    var actionScratch: [SessionAction<UDPAddress>] = []
    var coalescer: TransmitCoalescer<UDPAddress>
    /// The bytes of the coalescer's open run, where datagrams are sealed in place.
    var runBuffer: ByteBuffer?
    var writesSinceFlush = 0
    /// The last destination's NIO address, reused while writes go to the same place.
    var lastDestination: (UDPAddress, SocketAddress)?

    // The one timer.
    var timer: Scheduled<Void>?
    var timerDeadline: Instant?

    /// Set by `close`/`rebind` so that the channel going away is not reported as a failure.
    var expectingClose = false

    /// A handler with a new sessions core for `identity`.
    init(identity: IdentitySecretKey, configuration: MeshEndpointConfiguration, features: MeshSocketFeatures,
         clock: MonotonicClock) {
        self.clock = clock
        self.configuration = configuration
        self.socketFeatures = features
        let sessionConfig = SessionConfig(underLoadThreshold: configuration.underLoadThreshold,
                                          wallClockAtZero: clock.wallClockAtZero(),
                                          admission: configuration.admission)
        self.sessions = SessionManager(identity: identity, config: sessionConfig)
        self.coalescer = TransmitCoalescer(enabled: features.segmentationOffload,
                                           maxSegmentSize: configuration.maxSegmentSize,
                                           maxSegments: configuration.maxSegmentsPerSend)
        actionScratch.reserveCapacity(16)
    }

    // MARK: - Channel lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let family = context.channel.localAddress?.protocol { socketFamily = family }
        rescheduleTimer()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        cancelTimer()
    }

    /// Moves this handler, with its sessions, consumers and timer, from its channel to
    /// `channel` (already bound, on the same loop), then closes the old one.
    func move(to channel: any Channel, features: MeshSocketFeatures) throws {
        guard let context else { throw MeshNetError.closed }
        let old = context.channel
        flushTransmits()
        expectingClose = true
        defer { expectingClose = false }
        // Removal is synchronous on the loop: handlerRemoved has run when this returns.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        guard self.context == nil else { throw MeshNetError.closed }
        socketFeatures = features
        if let family = channel.localAddress?.protocol { socketFamily = family }
        try channel.pipeline.syncOperations.addHandler(self)
        old.close(promise: nil)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if !expectingClose { onEvent?(.socketClosed(reason: "the UDP socket closed unexpectedly")) }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Datagram sockets report some errors (ICMP-induced ECONNREFUSED) without closing;
        // they concern one earlier send, not the socket. Fatal ones close the channel and
        // arrive as channelInactive.
        shellStats.socketErrors += 1
    }

    // MARK: - Reading

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        inReadBatch = true
        guard let source = UDPAddress(envelope.remoteAddress) else { return }
        let now = clock.now()
        let buffer = envelope.data
        let total = buffer.readableBytes
        if let segment = envelope.metadata?.segmentSize, segment > 0, total > segment {
            // A GRO super-datagram: consecutive datagrams of one flow, each `segment` bytes
            // but the last.
            shellStats.groSuperDatagrams += 1
            var offset = 0
            while offset < total {
                let length = min(segment, total - offset)
                shellStats.groSegments += 1
                receive(buffer, at: offset, length: length, from: source, now: now)
                offset += length
            }
        } else {
            receive(buffer, at: 0, length: total, from: source, now: now)
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        shellStats.readBatches += 1
        if operationDepth == 0 { finishBatch(now: clock.now()) }
        context.fireChannelReadComplete()
    }

    /// One datagram into the core, read in place: `length` bytes at `offset` of the
    /// readable bytes of `buffer`.
    func receive(_ buffer: ByteBuffer, at offset: Int, length: Int, from source: UDPAddress, now: Instant) {
        shellStats.datagramsRead += 1
        var actions = takeScratch()
        buffer.withUnsafeReadableBytes { bytes in
            sessions.receive(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), from: source, now: now,
                             into: &actions)
        }
        apply(&actions, now: now)
        returnScratch(&actions)
    }

    /// Runs `body` on the sessions core in place. A query through the class property
    /// (`sessions.nextSendCounter(…)`) can copy the whole core, with a retain and a release
    /// per reference it holds; an in-place access never does.
    @inline(__always)
    func withSessions<R>(_ body: (inout SessionManager<UDPAddress>) -> R) -> R { body(&sessions) }

    // MARK: - Actions

    /// Takes the reusable action array (a nested call, from a callback, gets a fresh one).
    @inline(__always)
    func takeScratch() -> [SessionAction<UDPAddress>] {
        var a: [SessionAction<UDPAddress>] = []
        swap(&a, &actionScratch)
        return a
    }

    /// Gives the action array back for reuse, emptied.
    @inline(__always)
    func returnScratch(_ actions: inout [SessionAction<UDPAddress>]) {
        actions.removeAll(keepingCapacity: true)
        if actions.capacity > actionScratch.capacity { swap(&actions, &actionScratch) }
    }

    /// Carries out the sessions core's actions, in order, moving each out of `actions`
    /// (which ends empty): a payload goes to its consumer without a retain and release.
    func apply(_ actions: inout [SessionAction<UDPAddress>], now: Instant) {
        actions.reverse()
        while let action = actions.popLast() {
            switch action {
            case .transmit(let datagram, let destination):
                transmit(datagram, to: destination)
            case .deliver(let payload, let peer, let counter):
                if let entry = consumer(of: peer) {
                    entry.consumer.receive(payload, counter: counter, now: now)
                    markDirty(entry)
                } else {
                    onEvent?(.datagram(from: peer, payload: payload, counter: counter))
                }
            case .handshakeCompleted(let peer, let asInitiator):
                report(.handshakeCompleted(peer, asInitiator: asInitiator), peer: peer, now: now)
            case .endpointChanged(let peer, let address):
                report(.endpointChanged(peer, address), peer: peer, now: now)
            case .peerRestarted(let peer):
                report(.peerRestarted(peer), peer: peer, now: now)
            case .handshakeFailed(let peer):
                report(.handshakeFailed(peer), peer: peer, now: now)
            }
        }
    }

    /// The consumer attached for `peer`, if any.
    @inline(__always)
    func consumer(of peer: IdentityPublicKey) -> ConsumerEntry? {
        if let recent = recentConsumer, recent.peer == peer { return recent }
        guard !consumers.isEmpty, let entry = consumers[peer] else { return nil }
        recentConsumer = entry
        return entry
    }

    /// A session event goes to `onEvent` and to the peer's consumer, which then produces.
    func report(_ event: MeshEvent, peer: IdentityPublicKey, now: Instant) {
        onEvent?(event)
        if let entry = consumer(of: peer) {
            entry.consumer.sessionEvent(event, now: now)
            markDirty(entry)
        }
    }

    // MARK: - Batches

    /// Runs `body` as one batch: what it transmits is flushed once at the end, unless an
    /// enclosing batch (a read batch, or an outer operation) will flush it.
    func operation<T, E: Error>(_ body: (Instant) throws(E) -> T) throws(E) -> T {
        let now = clock.now()
        operationDepth += 1
        defer {
            operationDepth -= 1
            if operationDepth == 0, !inReadBatch { finishBatch(now: now) }
        }
        return try body(now)
    }

    /// End of a batch: consumers with news produce, pending runs are written, the channel
    /// is flushed once, and the timer follows the next deadline.
    func finishBatch(now: Instant) {
        guard !finishing else { return }
        finishing = true
        defer { finishing = false }
        if !dirty.isEmpty {
            // One pass; a consumer that wakes itself during `produce` runs in the next one.
            let due = dirty
            dirty.removeAll(keepingCapacity: true)
            for entry in due {
                entry.isDirty = false
                entry.consumer.produce(MeshPeerLink(peer: entry.peer, handler: self, now: now), now: now)
            }
            if !dirty.isEmpty { scheduleWake() }
        }
        flushTransmits()
        rescheduleTimer()
    }

    func markDirty(_ entry: ConsumerEntry) {
        guard !entry.isDirty else { return }
        entry.isDirty = true
        dirty.append(entry)
    }

    /// Runs a batch on a later turn of the loop, for wakes outside any batch: many wakes
    /// in one turn share it.
    func scheduleWake() {
        guard !wakeScheduled, let loop = context?.eventLoop else { return }
        wakeScheduled = true
        loop.assumeIsolated().execute { [self] in
            wakeScheduled = false
            operation { _ in }
        }
    }
}

/// A consumer and whether it is already due to produce in this batch.
final class ConsumerEntry {
    let peer: IdentityPublicKey
    let consumer: any MeshPeerConsumer
    var isDirty = false

    init(peer: IdentityPublicKey, consumer: any MeshPeerConsumer) {
        self.peer = peer
        self.consumer = consumer
    }
}

@available(*, unavailable)
extension MeshUDPHandler: Sendable {}
