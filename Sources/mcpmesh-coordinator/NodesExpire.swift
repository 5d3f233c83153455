import ArgumentParser
import Coordinator

/// `nodes expire NODE`.
struct NodesExpire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Expire a node's key now: it drops out of every netmap until it joins again.")

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The node's name.", valueName: "NODE"))
    var node: String

    func run() throws {
        let result = try AdminCall.run(.nodesExpire(node: node), state: state, as: AdminResults.NodeResult.self)
        print("\(result.node.name): expired; it must join again with a new join key")
    }
}
