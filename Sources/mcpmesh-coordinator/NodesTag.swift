import ArgumentParser
import Coordinator

/// `nodes tag NODE TAG...`.
struct NodesTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Replace a node's tags (each must be declared in the policy's \"tags\").",
        discussion: "The node's netmap and those of its peers before and after the change are pushed again.")

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The node's name.", valueName: "NODE"))
    var node: String

    @Argument(help: ArgumentHelp("The node's new tags, replacing all its current ones.", valueName: "TAG"))
    var tags: [String]

    func validate() throws {
        guard !tags.isEmpty else { throw ValidationError("give at least one tag, as in `nodes tag \(node) tag:nas`") }
        for tag in tags where !tag.hasPrefix("tag:") || tag.count == 4 {
            throw ValidationError("\"\(tag)\" is not a tag: write tag:NAME, as in tag:nas")
        }
    }

    func run() throws {
        let result = try AdminCall.run(.nodesTag(node: node, tags: tags), state: state, as: AdminResults.NodeResult.self)
        print("\(result.node.name): tags \(result.node.tags.joined(separator: ", "))")
    }
}
