import ArgumentParser
import Coordinator

/// `policy get`: the live policy's text, exactly as it was set.
struct PolicyGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the live policy (or a stored version) exactly as it was set, comments included.")

    @OptionGroup var state: StateOptions

    @Option(help: ArgumentHelp("Print this stored version instead of the live one.", valueName: "N"))
    var version: Int64?

    @Flag(help: "Print JSON with the version, author and time beside the text.")
    var json = false

    func run() throws {
        let policy = try AdminCall.run(.policyGet(version: version), state: state, as: AdminResults.PolicyText.self)
        if json {
            print(Output.json(policy))
        } else {
            print(policy.text, terminator: policy.text.hasSuffix("\n") ? "" : "\n")
        }
    }
}
