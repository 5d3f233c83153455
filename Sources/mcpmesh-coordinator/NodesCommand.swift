import ArgumentParser

/// `nodes`: the registered nodes.
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List, tag, expire and remove nodes.",
        subcommands: [NodesList.self, NodesTag.self, NodesExpire.self, NodesRemove.self]
    )
}
