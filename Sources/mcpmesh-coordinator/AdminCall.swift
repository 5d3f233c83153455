import ArgumentParser
import Coordinator
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Running one admin command against the server, with the CLI's error conventions: "not
/// running" exits 3, a refused request prints its problems (if any) and exits 1.
enum AdminCall {
    /// The result of `command`, or an exit.
    static func run<Result: Codable & Sendable>(_ command: AdminCommand, state: StateOptions,
                                                as type: Result.Type = Result.self) throws -> Result {
        do {
            return try client(state).call(command, as: type)
        } catch {
            throw exit(for: error)
        }
    }

    /// The client for `--state DIR`, asking as this user.
    static func client(_ state: StateOptions) -> AdminClient {
        AdminClient(stateDirectory: state.directory, actor: loginName())
    }

    /// Prints what `error` needs beyond its one line, and returns what to throw.
    static func exit(for error: AdminClientError) -> any Error {
        switch error {
        case .notRunning, .notAnswering:
            printError("Error: \(error)")
            return ExitStatus.notRunning
        case .refused(let failure):
            for problem in failure.problems ?? [] { printError(problem) }
            return CLIError(failure.message)
        case .pathTooLong, .connect, .transport, .badReply, .requestTooLarge:
            return CLIError(error.description)
        }
    }

    /// The name of the user running the command; under `sudo`, the user who ran it.
    static func loginName() -> String {
        let environment = ProcessInfo.processInfo.environment
        if geteuid() == 0, let user = environment["SUDO_USER"], !user.isEmpty, user != "root" {
            return "\(user) (sudo)"
        }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return environment["USER"] ?? "uid-\(geteuid())"
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
