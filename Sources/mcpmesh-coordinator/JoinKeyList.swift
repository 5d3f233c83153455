import ArgumentParser
import Coordinator
import Foundation

/// `joinkey list`: every join key, without secrets.
struct JoinKeyList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List join keys (ids, state, uses, tags, expiry; never the secrets).")

    @OptionGroup var state: StateOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let list = try AdminCall.run(.joinKeyList, state: state, as: AdminResults.JoinKeyList.self)
        if output.json {
            print(Output.json(list))
            return
        }
        guard !list.joinKeys.isEmpty else {
            print("no join keys; make one with `mcpmesh-coordinator joinkey create`")
            return
        }
        let now = Date()
        let rows = list.joinKeys.map { key -> [String] in
            var flags = [key.reusable ? "reusable" : "single-use"]
            if key.ephemeral { flags.append("ephemeral") }
            let expiry: String
            if let revoked = key.revokedAt {
                expiry = "revoked \(Output.relative(revoked, now: now))"
            } else {
                expiry = key.expiresAt.map { Output.relative($0, now: now) } ?? "never"
            }
            return [key.id, key.state, String(key.useCount), Output.list(key.tags), flags.joined(separator: ","),
                    expiry, Output.time(key.createdAt)]
        }
        print(Output.table(["ID", "STATE", "USES", "TAGS", "KIND", "EXPIRES", "CREATED"], rows))
    }
}
