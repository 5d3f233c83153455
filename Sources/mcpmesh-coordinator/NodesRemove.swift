import ArgumentParser
import Coordinator

/// `nodes remove NODE`.
struct NodesRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a node from the registry; it disappears from every netmap.")

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The node's name.", valueName: "NODE"))
    var node: String

    func run() throws {
        let result = try AdminCall.run(.nodesRemove(node: node), state: state, as: AdminResults.NodeResult.self)
        print("\(result.node.name): removed (key \(result.node.key))")
    }
}
