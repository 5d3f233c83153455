import ArgumentParser
import Coordinator

/// `policy history`.
struct PolicyHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List stored policy versions, newest first.")

    @OptionGroup var state: StateOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try AdminCall.run(.policyHistory, state: state, as: AdminResults.PolicyHistory.self)
        if output.json {
            print(Output.json(history))
            return
        }
        guard !history.versions.isEmpty else {
            print("no policy stored yet: the built-in empty policy denies everything; set one with `policy set FILE`")
            return
        }
        let rows = history.versions.map { v -> [String] in
            [String(v.version), v.live ? "live" : "", Output.time(v.createdAt), v.author,
             v.rolledBackFrom.map { "rollback to \($0)" } ?? "set", Output.count(v.bytes, "byte")]
        }
        print(Output.table(["VERSION", "", "CREATED", "AUTHOR", "CHANGE", "SIZE"], rows))
    }
}
