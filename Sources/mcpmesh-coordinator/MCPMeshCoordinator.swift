import ArgumentParser

/// `mcpmesh-coordinator`: runs the coordinator (`serve`) and administers a running one over
/// its admin socket (`joinkey`, `nodes`, `policy`, `status`).
@main
struct MCPMeshCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcpmesh-coordinator",
        abstract: "The mcpmesh coordinator: node registry, join keys, ACL policy and netmaps.",
        discussion: """
            `serve` runs the coordinator. Every other command talks to the running coordinator \
            through its admin socket DIR/admin.sock (mode 0600), so it must run as the same user \
            and with the same --state DIR. Exit status: 0 success, 1 the request failed or was \
            refused, 3 the coordinator is not running, 64 bad command line.
            """,
        subcommands: [Serve.self, JoinKeyCommand.self, NodesCommand.self, PolicyCommand.self, Status.self]
    )
}
