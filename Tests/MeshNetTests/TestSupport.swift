import MeshCrypto
import MeshWire
import NIOCore
import NIOPosix
import XCTest

@testable import MeshNet

/// What one endpoint observed, kept on its event loop (a loop-bound box is Sendable, and
/// `onEvent` runs on the loop, so no lock is needed).
struct Observed {
    var datagrams: [(from: IdentityPublicKey, payload: [UInt8], counter: UInt64)] = []
    var completed: [(IdentityPublicKey, Bool)] = []
    var endpointChanges: [(IdentityPublicKey, UDPAddress)] = []
    var restarts: [IdentityPublicKey] = []
    var failures: [IdentityPublicKey] = []
    var socketClosed: [String] = []
    /// Bulk mode: payloads are checked and counted instead of kept.
    var bulk: BulkCheck?
}

/// Verifies bulk payloads as they arrive: an 8-byte little-endian index, then bytes that
/// are a function of the index, so a corrupted or misrouted payload is caught.
struct BulkCheck {
    var seen = Set<UInt64>()
    var duplicates = 0
    var corrupt = 0
    var counters = Set<UInt64>()

    static func payload(index: UInt64, size: Int) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: size)
        for i in 0..<8 { p[i] = UInt8(truncatingIfNeeded: index >> (8 * UInt64(i))) }
        for i in 8..<size { p[i] = UInt8(truncatingIfNeeded: index &* 31 &+ UInt64(i)) }
        return p
    }

    mutating func check(_ p: [UInt8], counter: UInt64) {
        guard p.count >= 8 else { corrupt += 1; return }
        var index: UInt64 = 0
        for i in 0..<8 { index |= UInt64(p[i]) << (8 * UInt64(i)) }
        if p != BulkCheck.payload(index: index, size: p.count) { corrupt += 1; return }
        if !seen.insert(index).inserted { duplicates += 1 }
        if !counters.insert(counter).inserted { duplicates += 1 }
    }
}

/// An endpoint under test with its observations.
struct TestNode {
    let endpoint: MeshEndpoint
    let secret: IdentitySecretKey
    let observed: NIOLoopBoundBox<Observed>

    var key: IdentityPublicKey { secret.publicKey }
    var address: UDPAddress { endpoint.boundAddress }

    static func start(on loop: any EventLoop, host: String = "127.0.0.1", secret: IdentitySecretKey = .generate(),
                      configuration: MeshEndpointConfiguration = MeshEndpointConfiguration()) async throws -> TestNode {
        let observed = try await loop.submit { NIOLoopBoundBox(Observed(), eventLoop: loop) }.get()
        let endpoint = try await MeshEndpoint.bind(host: host, port: 0, identity: secret,
                                                   configuration: configuration, on: loop) { event in
            switch event {
            case .datagram(let from, let payload, let counter):
                if observed.value.bulk != nil {
                    observed.value.bulk!.check(payload, counter: counter)
                } else {
                    observed.value.datagrams.append((from, payload, counter))
                }
            case .handshakeCompleted(let p, let asInitiator): observed.value.completed.append((p, asInitiator))
            case .endpointChanged(let p, let a): observed.value.endpointChanges.append((p, a))
            case .peerRestarted(let p): observed.value.restarts.append(p)
            case .handshakeFailed(let p): observed.value.failures.append(p)
            case .socketClosed(let reason): observed.value.socketClosed.append(reason)
            }
        }
        return TestNode(endpoint: endpoint, secret: secret, observed: observed)
    }

    /// Reads the observations on the loop.
    func read<T: Sendable>(_ body: @escaping @Sendable (Observed) -> T) async throws -> T {
        try await endpoint.eventLoop.submit { body(observed.value) }.get()
    }

    func update(_ body: @escaping @Sendable (inout Observed) -> Void) async throws {
        try await endpoint.eventLoop.submit { body(&observed.value) }.get()
    }
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// Two endpoints that allow each other, at each other's bound addresses.
func connectedPair(group: MultiThreadedEventLoopGroup, host: String = "127.0.0.1",
                   configuration: MeshEndpointConfiguration = MeshEndpointConfiguration()) async throws -> (TestNode, TestNode) {
    let loops = Array(group.makeIterator())
    let a = try await TestNode.start(on: loops[0], host: host, configuration: configuration)
    let b = try await TestNode.start(on: loops[loops.count > 1 ? 1 : 0], host: host, configuration: configuration)
    try await a.endpoint.setPeers([b.key: b.address]).get()
    try await b.endpoint.setPeers([a.key: a.address]).get()
    return (a, b)
}

/// A plain UDP socket on loopback that counts what it receives, for talking to an
/// endpoint from outside the mesh.
final class RawSocketCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let received: NIOLoopBoundBox<[[UInt8]]>

    init(loop: any EventLoop) { received = NIOLoopBoundBox([], eventLoop: loop) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        received.value.append(Array(envelope.data.readableBytesView))
    }

    static func open(on loop: any EventLoop, port: Int = 0) async throws -> (any Channel, RawSocketCounter) {
        let counter = try await loop.submit { RawSocketCounter(loop: loop) }.get()
        let channel = try await DatagramBootstrap(group: loop)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(counter) } }
            .bind(host: "127.0.0.1", port: port).get()
        return (channel, counter)
    }

    func count(on loop: any EventLoop) async throws -> Int {
        try await loop.submit { self.received.value.count }.get()
    }
}
