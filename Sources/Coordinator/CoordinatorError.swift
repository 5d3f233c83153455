import Foundation
import Registry

/// Everything the coordinator's admin plane and server can refuse or fail at. Each message
/// reads as one sentence for an operator and names what was wrong and where (the state
/// directory, the node, the policy file, the address).
public enum CoordinatorError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Starting up

    /// The state directory could not be made, or has the wrong type.
    case stateDirectory(path: String, reason: String)
    /// Another coordinator already serves this state directory.
    case alreadyRunning(stateDirectory: String, pid: Int32?)
    /// The identity key file could not be read, made or trusted.
    case identityFile(path: String, reason: String)
    /// The stored current policy no longer validates with this build.
    case storedPolicyInvalid(version: Int64, problems: [String])
    /// A listener could not be started.
    case listener(what: String, address: String, reason: String)

    // MARK: Requests

    /// The registry refused or failed.
    case registry(RegistryError)
    /// No node has this name.
    case unknownNode(String)
    /// Tags that the live policy does not declare.
    case undeclaredTags([String], policyVersion: Int64?)
    /// A request argument is malformed; `what` names the argument.
    case invalidArgument(what: String, reason: String)
    /// A policy was rejected; `problems` are `FILE:LINE:COLUMN: message` lines.
    case policyRejected(file: String, problems: [String], liveVersion: Int64?)
    /// `explain` could not answer: unknown node or malformed target.
    case explainRefused(String)

    public var description: String {
        switch self {
        case .stateDirectory(let path, let reason):
            return "cannot use the state directory \(path): \(reason)"
        case .alreadyRunning(let directory, let pid):
            let who = pid.map { " (pid \($0))" } ?? ""
            return "another mcpmesh-coordinator\(who) is already serving \(directory); stop it first"
        case .identityFile(let path, let reason):
            return "cannot use the coordinator identity file \(path): \(reason)"
        case .storedPolicyInvalid(let version, let problems):
            return "the stored policy version \(version) does not validate with this build of "
                + "mcpmesh-coordinator (\(problems.first ?? "no detail")); run the build that stored it"
        case .listener(let what, let address, let reason):
            return "cannot start the \(what) on \(address): \(reason)"
        case .registry(let error):
            return error.description
        case .unknownNode(let name):
            return "no node named \"\(name)\" is registered (see `nodes list`)"
        case .undeclaredTags(let tags, let version):
            let list = tags.joined(separator: ", ")
            let policy = version.map { "policy version \($0)" } ?? "the built-in empty policy"
            let verb = tags.count == 1 ? "is" : "are"
            return "\(list) \(verb) not declared in the \"tags\" of the live policy (\(policy)); "
                + "declare \(tags.count == 1 ? "it" : "them") with `policy set` first"
        case .invalidArgument(let what, let reason):
            return "\(what) is invalid: \(reason)"
        case .policyRejected(let file, let problems, let live):
            let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
            let kept = live.map { "the live policy (version \($0)) stays in force" }
                ?? "the built-in empty policy stays in force"
            return "\(file) was rejected (\(count)); \(kept)"
        case .explainRefused(let reason):
            return reason
        }
    }
}
