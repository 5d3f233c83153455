import ArgumentParser

/// `mcpmesh debug …`: tools for diagnosing the mesh and checking the implementation.
struct Debug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Diagnostic tools: test-vector replay and protocol checks.",
        subcommands: [DebugNoiseVectors.self, DebugPerf.self]
    )
}
