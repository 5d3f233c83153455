import ArgumentParser
import Coordinator

/// `joinkey revoke ID`.
struct JoinKeyRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a join key: no node can join with it any more (nodes that joined stay).")

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The join key's id, as `joinkey list` shows it.", valueName: "ID"))
    var id: String

    func run() throws {
        let result = try AdminCall.run(.joinKeyRevoke(id: id), state: state, as: AdminResults.JoinKeyResult.self)
        print("revoked join key \(result.joinKey.id) (used \(Output.count(Int(result.joinKey.useCount), "time")))")
    }
}
