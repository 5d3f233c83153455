import ArgumentParser
import Coordinator

/// `policy rollback VERSION`.
struct PolicyRollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make an earlier policy version live again (stored as a new version).",
        discussion: "The old text is validated and its tests run against the current nodes first, like `policy set`.")

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The version to restore, as `policy history` lists it.", valueName: "VERSION"))
    var version: Int64

    func validate() throws {
        guard version >= 1 else { throw ValidationError("VERSION must be 1 or more (see `policy history`)") }
    }

    func run() throws {
        let applied = try AdminCall.run(.policyRollback(version: version), state: state, as: AdminResults.PolicyApplied.self)
        PolicyApplyOutput.print(applied, source: "policy version \(version)")
    }
}
