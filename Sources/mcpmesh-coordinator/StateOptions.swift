import ArgumentParser
import Coordinator

/// `--state DIR`, which every command takes.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The coordinator's state directory.", valueName: "DIR"))
    var state: String

    func validate() throws {
        guard !state.isEmpty else { throw ValidationError("--state needs a directory") }
    }

    var directory: StateDirectory { StateDirectory(state) }
}

/// `--json`, for commands that list things.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
    var json = false
}
