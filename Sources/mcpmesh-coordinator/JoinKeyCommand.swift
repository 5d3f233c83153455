import ArgumentParser

/// `joinkey`: the keys nodes join with.
struct JoinKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "joinkey",
        abstract: "Create, list and revoke join keys.",
        subcommands: [JoinKeyCreate.self, JoinKeyList.self, JoinKeyRevoke.self]
    )
}
