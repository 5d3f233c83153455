import ArgumentParser
import Coordinator

/// `policy check FILE`: validates and tests a policy without applying it.
struct PolicyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a policy file and run its tests, without applying it.",
        discussion: """
            With the coordinator running, the tests run against its registered nodes and the \
            output also shows who would gain and lose access. Without it, the file is checked \
            offline and the tests run against an empty node directory (so tests naming nodes \
            fail); the output says which. Every problem is printed as FILE:LINE:COLUMN: message.
            """)

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The policy file (JSON with comments), or - for standard input.", valueName: "FILE"))
    var file: String

    func run() throws {
        let input = try PolicyFileInput(path: file)
        let checked: AdminResults.PolicyChecked
        do {
            checked = try AdminCall.client(state).call(.policyCheck(text: input.text, file: input.name),
                                                      as: AdminResults.PolicyChecked.self)
        } catch let error where error.isNotRunning {
            try checkOffline(input)
            return
        } catch {
            throw AdminCall.exit(for: error)
        }
        let against = "against the \(Output.count(checked.nodes, "registered node"))"
        print("\(input.name): valid; \(Output.count(checked.tests, "test")), "
              + "\(Output.count(checked.expectations, "expectation")): all passed (\(against))")
        let live = checked.liveVersion.map { "live policy version \($0)" } ?? "built-in empty policy"
        print("compared with the \(live), setting it would make these changes:")
        Output.printChanges(checked.changes)
    }

    private func checkOffline(_ input: PolicyFileInput) throws {
        let note = "checked offline: the coordinator is not running, so tests run against an empty node directory"
        do {
            let report = try CoordinatorState.checkPolicyOffline(text: input.text, file: input.name)
            print("\(input.name): valid; \(Output.count(report.tests, "test")), "
                  + "\(Output.count(report.expectations, "expectation")): all passed (\(note))")
        } catch {
            if case .policyRejected(_, let problems, _) = error {
                for problem in problems { printError(problem) }
                let count = Output.count(problems.count, "problem")
                throw CLIError("\(input.name) has \(count) (\(note))")
            }
            throw CLIError(error.description)
        }
    }
}
