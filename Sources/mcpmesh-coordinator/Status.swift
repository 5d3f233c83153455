import ArgumentParser
import Coordinator
import Foundation

/// `status`: whether the coordinator runs, and what it serves.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether the coordinator is running, its key, address, nodes and policy version.")

    @OptionGroup var state: StateOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let status = try AdminCall.run(.status, state: state, as: AdminResults.Status.self)
        if output.json {
            print(Output.json(status))
            return
        }
        print("""
            running          pid \(status.pid), since \(Output.time(status.startedAt)) (\(Output.relative(status.startedAt)))
            coordinator key  \(status.coordinatorKey)
            join address     \(status.address)
            control listen   \(status.listen)
            state            \(status.stateDirectory)
            nodes            \(status.nodes) registered, \(status.nodesOnline) online
            policy           \(status.policyVersion.map { "version \($0)" } ?? "built-in empty policy (deny all)")
            """)
    }
}
