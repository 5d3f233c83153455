import Logging

extension Logger {
    /// A logger that drops everything: the default for tests and embedders that pass none.
    public static var disabled: Logger {
        Logger(label: "mcpmesh.coordinator.disabled", factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
