import Registry

/// A refused or failed admin request, as the server reports it: a stable code for scripts,
/// one sentence for people, and for a rejected policy every problem as a
/// `FILE:LINE:COLUMN: message` line.
public struct AdminFailure: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, Codable {
        /// The line is not a request: not JSON, or arguments missing or of the wrong type.
        case badRequest = "bad_request"
        /// The request's `v` is not a protocol version this server speaks.
        case unsupportedVersion = "unsupported_version"
        /// The command is not one this server knows.
        case unknownCommand = "unknown_command"
        /// An argument is malformed (a bad tag, name, duration, target…).
        case invalidArgument = "invalid_argument"
        /// The node, join key or policy version does not exist.
        case notFound = "not_found"
        /// The request conflicts with the current state (already revoked, already current…).
        case conflict
        /// The policy has problems or its tests fail; `problems` lists them all.
        case policyRejected = "policy_rejected"
        /// The server failed (storage); the log has more.
        case `internal`
    }

    public var code: Code
    public var message: String
    /// For `policy_rejected`: every problem, one per entry.
    public var problems: [String]?

    public init(code: Code, message: String, problems: [String]? = nil) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    public var description: String { message }
}

extension CoordinatorError {
    /// How this error is reported over the admin socket.
    var adminFailure: AdminFailure {
        switch self {
        case .policyRejected(_, let problems, _):
            return AdminFailure(code: .policyRejected, message: description, problems: problems)
        case .unknownNode:
            return AdminFailure(code: .notFound, message: description)
        case .undeclaredTags, .invalidArgument, .explainRefused:
            return AdminFailure(code: .invalidArgument, message: description)
        case .registry(let error):
            return AdminFailure(code: Self.code(for: error), message: description)
        case .stateDirectory, .alreadyRunning, .identityFile, .storedPolicyInvalid, .listener:
            return AdminFailure(code: .internal, message: description)
        }
    }

    private static func code(for error: RegistryError) -> AdminFailure.Code {
        switch error {
        case .cannotCreateDirectory, .cannotOpen, .schemaTooNew, .storage, .invalidDetails, .joinKeySecretTaken:
            return .internal
        case .invalidNodeName, .invalidPublicKey, .invalidTag, .invalidServerName, .invalidEndpoint,
             .invalidSecretHash, .invalidJoinKeyID, .joinKeyRefused:
            return .invalidArgument
        case .nodeNotFound, .joinKeyNotFound, .policyVersionNotFound:
            return .notFound
        case .nodeNameTaken, .publicKeyTaken, .nodeExpired, .nodeAlreadyExpired, .joinKeyIDTaken,
             .joinKeyAlreadyRevoked, .policyAlreadyCurrent:
            return .conflict
        }
    }
}
