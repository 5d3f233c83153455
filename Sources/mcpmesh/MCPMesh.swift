import ArgumentParser

/// The node CLI. One file per subcommand; see docs/cli.md.
@main
struct MCPMesh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcpmesh",
        abstract: "A private, Noise-encrypted mesh for MCP servers.",
        discussion: """
            mcpmesh carries MCP sessions between your machines over Noise-encrypted UDP, \
            publishing each local MCP server only to the peers the coordinator's policy allows.
            """,
        subcommands: [Up.self, Status.self, Servers.self, Connect.self, Ping.self, MCPConfig.self, Logout.self, Debug.self]
    )
}
