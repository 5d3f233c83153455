import Logging
import ServiceLifecycle

/// Periodic upkeep: notices node keys that reached their expiry, so those nodes drop out of
/// their peers' netmaps without waiting for another change.
public struct HousekeepingService: Service {
    let state: CoordinatorState
    let interval: Duration
    let logger: Logger

    public init(state: CoordinatorState, interval: Duration, logger: Logger) {
        self.state = state
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let state = self.state
        let interval = self.interval
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await state.refreshExpiries()
            }
        }
    }
}
