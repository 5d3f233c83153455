import ArgumentParser
import Foundation

/// A failure the CLI reports as one line, `Error: …`, with a chosen exit status.
struct CLIError: Error, CustomStringConvertible {
    var exitCode: Int32
    var message: String
    var description: String { message }
}

extension CLIError {
    /// Prints the one-line error and exits; used by commands whose status is part of
    /// their contract (ArgumentParser's own path always exits 1).
    static func exit(_ error: CLIError) -> Never {
        FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
        Foundation.exit(error.exitCode)
    }
}
