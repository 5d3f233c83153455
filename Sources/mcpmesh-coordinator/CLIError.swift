import ArgumentParser

/// A command's failure, printed by ArgumentParser as `Error: …` (exit status 1).
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// Exit statuses beyond 0 (success) and 1 (failure).
enum ExitStatus {
    /// The coordinator is not running on this state directory.
    static let notRunning = ExitCode(3)
}
