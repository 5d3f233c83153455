import ArgumentParser
import Coordinator
import Foundation

/// `nodes list`.
struct NodesList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List registered nodes with their tags, servers, state and key expiry.")

    @OptionGroup var state: StateOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let list = try AdminCall.run(.nodesList, state: state, as: AdminResults.NodeList.self)
        if output.json {
            print(Output.json(list))
            return
        }
        guard !list.nodes.isEmpty else {
            print("no nodes; nodes join with `mcpmesh up --join KEY` (make a key with `joinkey create`)")
            return
        }
        let now = Date()
        let rows = list.nodes.map { node -> [String] in
            let status = node.expired ? "expired" : (node.online ? "online" : "offline")
            let expiry = node.expiredAt.map { "expired \(Output.relative($0, now: now))" }
                ?? (node.keyExpiry <= now ? "expired \(Output.relative(node.keyExpiry, now: now))"
                                          : Output.relative(node.keyExpiry, now: now))
            return [node.name, String(node.id), status + (node.ephemeral ? ",ephemeral" : ""), Output.list(node.tags),
                    Output.list(node.servers), Output.relative(node.lastSeenAt, now: now), expiry,
                    Output.list(node.endpoints)]
        }
        print(Output.table(["NAME", "ID", "STATUS", "TAGS", "SERVERS", "LAST SEEN", "KEY EXPIRY", "ENDPOINTS"], rows))
    }
}
