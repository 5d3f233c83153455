import ArgumentParser
import Coordinator

/// `joinkey create`: prints a new join key, alone, on standard output.
struct JoinKeyCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a join key and print it alone on standard output.",
        discussion: """
            The key carries the coordinator's address and public key and a random secret; the \
            coordinator keeps only the secret's hash, so this is the only time the key exists. \
            Paste it into `mcpmesh up --join KEY` on the new node. A summary goes to standard error.
            """
    )

    @OptionGroup var state: StateOptions

    @Option(name: .customLong("tag"), help: ArgumentHelp(
        "Give nodes that join with this key this tag (repeatable; each must be declared in the policy's \"tags\").",
        valueName: "tag:NAME"))
    var tags: [String] = []

    @Flag(help: "Let any number of nodes join with the key (default: a single node).")
    var reusable = false

    @Flag(help: "Remove nodes that joined with the key some time after they go away.")
    var ephemeral = false

    @Option(help: ArgumentHelp("How long the key works: 30m, 24h, 7d… or \"never\".", valueName: "DURATION"))
    var expires = "24h"

    func validate() throws {
        for tag in tags where !tag.hasPrefix("tag:") || tag.count == 4 {
            throw ValidationError("--tag \"\(tag)\" is not a tag: write tag:NAME, as in tag:nas")
        }
        _ = try expiresInSeconds()
    }

    func run() throws {
        let options = JoinKeyOptions(tags: tags, reusable: reusable, ephemeral: ephemeral,
                                     expiresInSeconds: try expiresInSeconds())
        let created = try AdminCall.run(.joinKeyCreate(options), state: state, as: AdminResults.JoinKeyCreated.self)
        print(created.key)
        let info = created.joinKey
        let uses = info.reusable ? "reusable" : "single-use"
        let expiry = info.expiresAt.map { "expires \(Output.time($0)) (\(Output.relative($0)))" } ?? "never expires"
        let tagText = info.tags.isEmpty ? "no tags" : "tags \(info.tags.joined(separator: ", "))"
        printError("join key \(info.id): \(uses)\(info.ephemeral ? ", ephemeral" : ""), \(tagText), \(expiry)")
    }

    private func expiresInSeconds() throws -> Int64? {
        if expires == "never" { return nil }
        do {
            return try DurationText.seconds(expires, what: "--expires")
        } catch {
            throw ValidationError(error.description)
        }
    }
}
