import Logging
import ServiceLifecycle

/// The control service's slot while the UDP control protocol is not part of this build:
/// it binds nothing, says so once in the log, and waits for shutdown. Replace it by passing
/// another `ControlServiceFactory` to `CoordinatorServer.run`.
public struct PendingControlService: Service {
    let context: CoordinatorContext

    public init(context: CoordinatorContext) {
        self.context = context
    }

    /// The factory `serve` uses by default.
    public static let factory: ControlServiceFactory = { context in PendingControlService(context: context) }

    public func run() async throws {
        context.logger.warning("control listener not started: this build has no UDP control service yet, so nodes cannot register", metadata: [
            "listen": "\(context.listen)", "advertise": "\(context.advertise)",
        ])
        try? await gracefulShutdown()
    }
}
