import ArgumentParser
import Foundation
import Noise

/// `mcpmesh debug noise-vectors FILE`: replays a Noise test-vector file.
struct DebugNoiseVectors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noise-vectors",
        abstract: "Replay a Noise test-vector file against this build's handshake engine.",
        discussion: """
            FILE is JSON in the cacophony/snow format: {"vectors": [...]}, each vector with \
            protocol_name, prologues, static and ephemeral keys, optional psks and \
            handshake_hash, and the messages (payload and expected ciphertext, hex). Every \
            vector is run on both sides; each failure is printed with its index and reason. \
            The last line is "N passed, M failed"; the exit status is 1 if any vector \
            failed, and 2 (with a one-line error) if the file cannot be read or is malformed.
            Supported suite: 25519, ChaChaPoly, BLAKE2b; patterns N K X NN NK NX KN KK KX XN \
            XK XX IN IK IX with any pskN modifiers.
            """
    )

    @Argument(help: "The test-vector JSON file.")
    var file: String

    @Flag(name: .shortAndLong, help: "Print a line for every vector, not only failures.")
    var verbose = false

    func run() throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            CLIError.exit(CLIError(exitCode: 2, message: "cannot read \(file): \(Self.reason(error))"))
        }
        let vectors: [NoiseVector]
        do {
            vectors = try NoiseVectorFile.parse(Array(data))
        } catch {
            CLIError.exit(CLIError(exitCode: 2, message: "\(file): \(error.description)"))
        }
        var passed = 0, failed = 0
        for v in vectors {
            switch NoiseVectorRunner.run(v) {
            case .passed:
                passed += 1
                if verbose { print("ok   vectors[\(v.index)] \(v.protocolName)") }
            case .failed(let why):
                failed += 1
                print("FAIL vectors[\(v.index)] \(v.protocolName): \(why)")
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if ns.domain == NSCocoaErrorDomain && ns.code == NSFileReadNoSuchFileError { return "no such file" }
        return ns.localizedDescription
    }
}
