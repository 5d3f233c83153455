import ControlCore
import Foundation
import Logging
import MeshCrypto
import MeshNet
import MeshWire
import NIOCore
import Registry
import ServiceLifecycle

/// The coordinator's UDP control listener (docs/protocol.md Part III): the same Noise sessions as
/// between nodes, admitting newcomers so they can present a join key; on each node's control
/// stream it takes registrations and updates and pushes signed netmaps whenever
/// `CoordinatorState` announces a change that affects the node.
public struct ControlService: Service {
    let context: CoordinatorContext

    public init(context: CoordinatorContext) { self.context = context }

    /// The factory `serve` uses.
    public static let factory: ControlServiceFactory = { context in ControlService(context: context) }

    /// How many not-yet-registered initiators may hold a session at once.
    static let maxAdmitted = 4096

    public func run() async throws {
        let logger = context.logger
        var config = MeshEndpointConfiguration()
        config.admission = .any(maxAdmitted: Self.maxAdmitted)
        let loop = context.eventLoopGroup.next()
        let endpoint: MeshEndpoint
        do {
            endpoint = try await MeshEndpoint.bind(host: context.listen.host, port: Int(context.listen.port),
                                                   identity: context.identity, configuration: config, on: loop)
        } catch {
            throw CoordinatorError.listener(what: "control listener", address: context.listen.description, reason: "\(error)")
        }
        logger.notice("control listener up", metadata: ["listen": "\(endpoint.boundAddress)", "key": "\(context.identity.publicKey)"])
        let snapshot = await context.state.snapshot()
        let builder = try Self.makeBuilder(context: context, snapshot: snapshot)
        let state = context.state
        let hub = try await endpoint.execute { handler in
            let hub = ControlHub(handler: handler, loop: loop, state: state, builder: builder, logger: logger,
                                 metrics: context.metrics)
            hub.start(snapshot: snapshot)
            return NIOLoopBound(hub, eventLoop: loop)
        }.get()
        let changes = await state.changes()
        try await withGracefulShutdownHandler {
            for await change in changes {
                let snapshot = await state.snapshot()
                try? await loop.submit { hub.value.apply(change, snapshot: snapshot) }.get()
            }
        } onGracefulShutdown: {
            Task { await state.finishSubscribers() }
        }
        _ = try? await endpoint.close().get()
        logger.notice("control listener stopped")
    }

    static func makeBuilder(context: CoordinatorContext, snapshot: CoordinatorSnapshot) throws -> NetmapBuilder {
        let now = Date()
        let nodes = snapshot.nodes.values.compactMap { MeshNode(registered: $0, online: false, now: now) }
        return try NetmapBuilder(coordinator: context.identity,
                                 configuration: .init(coordinatorEndpoints: [context.advertise]),
                                 policy: snapshot.policy.file, policyVersion: UInt64(snapshot.policyVersion ?? 0),
                                 nodes: nodes)
    }
}

extension MeshNode {
    /// The netmap builder's view of a registered node.
    init?(registered n: RegisteredNode, online: Bool, now: Date) {
        guard let key = try? IdentityPublicKey(text: n.publicKey) else { return nil }
        self.init(id: Netmap.NodeID(UInt64(n.id.rawValue)), name: n.name, key: key,
                  keyExpiry: Netmap.Time(n.keyExpiry), tags: Set(n.tags), servers: Set(n.servers),
                  endpoints: n.lastEndpoints.compactMap(HostPort.init), online: online,
                  lastSeen: Netmap.Time(n.lastSeenAt), expired: n.isExpired(at: now))
    }
}
