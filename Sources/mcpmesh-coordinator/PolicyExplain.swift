import ArgumentParser
import Coordinator

/// `policy explain SRC PEER/SERVER[/TOOL]`.
struct PolicyExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say which grant lets SRC use PEER/SERVER[/TOOL], or why nothing does.",
        discussion: """
            SRC is a node name, node:NAME, or tag:NAME (a hypothetical node holding only that \
            tag). The answer uses the live policy and the nodes' current state (expiry, published \
            servers). Exit status 0 either way; with --json, "allowed" is true or false.
            """)

    @OptionGroup var state: StateOptions

    @Argument(help: ArgumentHelp("The source: NAME, node:NAME or tag:NAME.", valueName: "SRC"))
    var source: String

    @Argument(help: ArgumentHelp("The destination node, server and optionally tool.", valueName: "PEER/SERVER[/TOOL]"))
    var target: String

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, !parts.contains(where: \.isEmpty) else {
            throw ValidationError("\"\(target)\" is not PEER/SERVER or PEER/SERVER/TOOL, as in nas-1/files/read_file")
        }
    }

    func run() throws {
        let answer = try AdminCall.run(.policyExplain(source: source, target: target), state: state,
                                       as: AdminResults.Explanation.self)
        if json {
            print(Output.json(answer))
        } else {
            print("\(source) -> \(target): \(answer.decision)")
        }
    }
}
