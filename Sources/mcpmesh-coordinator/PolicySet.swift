import ArgumentParser
import Coordinator

/// `policy set FILE`: validates, tests, shows the access changes, stores and pushes.
struct PolicySet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Validate, test and apply a policy file; print who gains and who loses access.",
        discussion: """
            The file is parsed and validated, compiled over the registered nodes and its tests \
            run. If anything is wrong, every problem is printed as FILE:LINE:COLUMN: message, \
            nothing is stored and the live policy stays in force (exit status 1). Otherwise the \
            access changes are printed, the file is stored as a new version (exactly as written, \
            comments included) and netmaps are pushed to every node it affects.
            """)

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The policy file (JSON with comments), or - for standard input.", valueName: "FILE"))
    var file: String

    func run() throws {
        let input = try PolicyFileInput(path: file)
        let applied = try AdminCall.run(.policySet(text: input.text, file: input.name), state: state,
                                        as: AdminResults.PolicyApplied.self)
        PolicyApplyOutput.print(applied, source: input.name)
    }
}

/// What `policy set` and `policy rollback` print.
enum PolicyApplyOutput {
    static func print(_ applied: AdminResults.PolicyApplied, source: String) {
        let tests = "\(Output.count(applied.tests, "test")), \(Output.count(applied.expectations, "expectation")) passed"
        guard !applied.unchanged else {
            Swift.print("\(source) is the same as the live policy (version \(applied.version ?? 0)); nothing stored (\(tests))")
            return
        }
        Output.printChanges(applied.changes)
        let restored = applied.restored.map { " (the text of version \($0))" } ?? ""
        Swift.print("policy version \(applied.version ?? 0) is live\(restored): \(tests); "
                    + "\(Output.count(applied.affectedNodes, "node")) get a new netmap")
    }
}
