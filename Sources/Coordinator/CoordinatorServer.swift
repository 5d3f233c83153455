import Foundation
import Logging
import MeshCrypto
import NIOCore
import NIOPosix
import Registry
import ServiceLifecycle

/// `mcpmesh-coordinator serve`: prepares the state directory, identity and registry, then
/// runs the admin socket, the control service, housekeeping and (optionally) metrics as one
/// `ServiceGroup` until SIGTERM or SIGINT shuts it down gracefully.
public enum CoordinatorServer {
    /// Runs until a graceful shutdown (SIGTERM/SIGINT) completes; throws if starting fails
    /// or a service fails. `makeControlService` makes the UDP control service from the
    /// prepared context (`ControlService.factory` in the executable).
    public static func run(_ configuration: ServeConfiguration, logger: Logger,
                           makeControlService: ControlServiceFactory) async throws {
        let directory = configuration.stateDirectory
        if let warning = try directory.create() { logger.warning("\(warning)") }
        let lock = try StateLock(directory)
        let (identity, created) = try IdentityFile.loadOrCreate(at: directory.identityPath)
        if created {
            logger.notice("coordinator identity created", metadata: ["key": "\(identity.publicKey)", "file": "\(directory.identityPath)"])
        }
        let registry: Registry
        do { registry = try Registry(path: directory.registryPath) } catch { throw CoordinatorError.registry(error) }
        defer {
            do { try registry.close() } catch { logger.error("registry not closed cleanly: \(error)") }
        }

        let metrics = CoordinatorMetrics()
        let state = try CoordinatorState(registry: registry, metrics: metrics, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let context = CoordinatorContext(state: state, identity: identity, listen: configuration.listen,
                                         advertise: configuration.joinAddress, metrics: metrics,
                                         eventLoopGroup: group, logger: logger)
        let issuer = JoinKeyIssuer(coordinatorKey: identity.publicKey, address: configuration.joinAddress)
        let handler = AdminHandler(state: state, issuer: issuer,
                                   info: .init(listen: configuration.listen.description, stateDirectory: directory.path,
                                               pid: getpid(), startedAt: Date()),
                                   metrics: metrics, logger: logger)

        let control: any Service
        do {
            control = try makeControlService(context)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: AdminSocketService(path: directory.adminSocketPath, handler: handler, group: group, logger: logger)),
            .init(service: control),
            .init(service: HousekeepingService(state: state, interval: configuration.housekeepingInterval, logger: logger)),
        ]
        if let address = configuration.metrics {
            services.append(.init(service: MetricsService(host: address.host, port: Int(address.port), metrics: metrics,
                                                          group: group, logger: logger)))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                           logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)

        let policyVersion = await state.livePolicyVersion
        let nodeCount = await state.nodeCount
        logger.notice("coordinator starting", metadata: [
            "state": "\(directory.path)", "key": "\(identity.publicKey)", "listen": "\(configuration.listen)",
            "advertise": "\(configuration.joinAddress)", "nodes": "\(nodeCount)",
            "policy": "\(policyVersion.map { "version \($0)" } ?? "built-in empty (deny all)")",
            "metrics": "\(configuration.metrics.map { "http://\($0)/metrics" } ?? "off")",
        ])
        let signalLog = ShutdownSignalLog(logger: logger)
        defer { signalLog.cancel() }
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            await state.finishSubscribers()
            try? await group.shutdownGracefully()
            throw error
        }
        await state.finishSubscribers()
        try? await group.shutdownGracefully()
        withExtendedLifetime(lock) {}
        logger.notice("coordinator stopped")
    }
}
