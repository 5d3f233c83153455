import ArgumentParser
import Coordinator
import Foundation

/// A policy file named on the command line (`-` for standard input), read as UTF-8 text.
struct PolicyFileInput {
    /// The name problems are reported under: the path as given, or `stdin`.
    let name: String
    let text: String

    init(path: String) throws {
        let data: Data
        if path == "-" {
            name = "stdin"
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            name = path
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw CLIError("cannot read the policy file \(path): \(Self.reason(error))")
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let problems = CoordinatorState.problems(inPolicyBytes: Array(data), file: name)
            for problem in problems { printError(problem) }
            throw CLIError("\(name) is not valid UTF-8 text")
        }
        self.text = text
    }

    private static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSCocoaErrorDomain && error.code == NSFileReadNoSuchFileError { return "no such file" }
        return error.localizedDescription
    }
}
