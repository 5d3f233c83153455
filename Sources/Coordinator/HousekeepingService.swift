import Foundation
import Logging
import ServiceLifecycle

/// Periodic upkeep: notices node keys that reached their expiry, so those nodes drop out of
/// their peers' netmaps without waiting for another change, and removes ephemeral nodes
/// that have been gone for `ephemeralTimeout` (the control service keeps the last-seen time
/// of connected nodes fresh, so only nodes that went away are removed).
public struct HousekeepingService: Service {
    let state: CoordinatorState
    let interval: Duration
    let logger: Logger
    let ephemeralTimeout: Duration

    public init(state: CoordinatorState, interval: Duration, logger: Logger, ephemeralTimeout: Duration = .seconds(30 * 60)) {
        self.state = state
        self.interval = interval
        self.logger = logger
        self.ephemeralTimeout = ephemeralTimeout
    }

    public func run() async throws {
        let state = self.state
        let interval = self.interval
        let timeout = ephemeralTimeout.seconds
        let logger = self.logger
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await state.refreshExpiries()
                do {
                    let removed = try await state.removeEphemeralNodes(lastSeenBefore: Date().addingTimeInterval(-timeout))
                    for node in removed {
                        logger.notice("ephemeral node removed after going away", metadata: ["node": "\(node.name)", "last_seen": "\(node.lastSeenAt)"])
                    }
                } catch {
                    logger.error("cannot remove ephemeral nodes", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
