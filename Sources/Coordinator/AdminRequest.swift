import Foundation

/// One line on the admin socket from a client: a JSON object
/// `{"v":1,"id":7,"actor":"alice","command":"nodes.tag","args":{"node":"nas-1","tags":["tag:nas"]}}`
/// followed by a newline. docs/cli.md, "Admin socket protocol", is the reference.
public struct AdminRequest: Hashable, Sendable {
    /// The protocol version this build speaks.
    public static let protocolVersion = 1
    /// The longest line either side accepts (a policy file travels inside one).
    public static let maximumLineBytes = 4 << 20

    public var version: Int
    /// Echoed in the reply; lets a client match replies to requests.
    public var id: Int64?
    /// Who asked (the client's login name), recorded in the audit trail as `admin:NAME`.
    public var actor: String
    public var command: AdminCommand

    public init(command: AdminCommand, actor: String, id: Int64? = nil, version: Int = Self.protocolVersion) {
        self.version = version
        self.id = id
        self.actor = actor
        self.command = command
    }

    /// The request as one line of JSON, newline included.
    public func encodedLine() -> [UInt8] {
        switch command {
        case .status, .joinKeyList, .nodesList, .policyHistory:
            return encode(AdminArguments.Empty())
        case .joinKeyCreate(let options):
            return encode(options)
        case .joinKeyRevoke(let id):
            return encode(AdminArguments.JoinKeyID(id: id))
        case .nodesTag(let node, let tags):
            return encode(AdminArguments.NodeTags(node: node, tags: tags))
        case .nodesExpire(let node), .nodesRemove(let node):
            return encode(AdminArguments.Node(node: node))
        case .policyGet(let version):
            return encode(AdminArguments.OptionalVersion(version: version))
        case .policyCheck(let text, let file), .policySet(let text, let file):
            return encode(AdminArguments.PolicyText(text: text, file: file))
        case .policyRollback(let version):
            return encode(AdminArguments.Version(version: version))
        case .policyExplain(let source, let target):
            return encode(AdminArguments.Explain(source: source, target: target))
        }
    }

    private func encode<Args: Encodable>(_ args: Args) -> [UInt8] {
        AdminJSON.line(RequestWire(v: version, id: id, actor: actor, command: command.name, args: args))
    }

    /// Reads one request line. On failure, returns what to reply, with the request's id when
    /// it could be read.
    public static func decode(_ line: some Collection<UInt8>) -> Result<AdminRequest, AdminRequestRefusal> {
        let data = Data(line)
        let header: RequestHeader
        do {
            header = try AdminJSON.decoder().decode(RequestHeader.self, from: data)
        } catch {
            return .failure(AdminRequestRefusal(id: nil, failure: AdminFailure(code: .badRequest,
                message: "the request is not a JSON object with \"v\", \"command\" and \"args\": \(AdminJSON.reason(error))")))
        }
        func fail(_ code: AdminFailure.Code, _ message: String) -> Result<AdminRequest, AdminRequestRefusal> {
            .failure(AdminRequestRefusal(id: header.id, failure: AdminFailure(code: code, message: message)))
        }
        guard let version = header.v else { return fail(.badRequest, "the request has no \"v\" (protocol version)") }
        guard version == protocolVersion else {
            return fail(.unsupportedVersion, "this coordinator speaks admin protocol version \(protocolVersion), "
                        + "not \(version); use the mcpmesh-coordinator binary of the same release")
        }
        guard let name = header.command else { return fail(.badRequest, "the request has no \"command\"") }
        func args<A: Decodable>(_ type: A.Type) throws -> A {
            try Self.arguments(type, in: data)
        }
        let command: AdminCommand
        do {
            switch name {
            case "status": command = .status
            case "joinkey.create": command = .joinKeyCreate(try args(JoinKeyOptions.self))
            case "joinkey.list": command = .joinKeyList
            case "joinkey.revoke": command = .joinKeyRevoke(id: try args(AdminArguments.JoinKeyID.self).id)
            case "nodes.list": command = .nodesList
            case "nodes.tag":
                let a = try args(AdminArguments.NodeTags.self)
                command = .nodesTag(node: a.node, tags: a.tags)
            case "nodes.expire": command = .nodesExpire(node: try args(AdminArguments.Node.self).node)
            case "nodes.remove": command = .nodesRemove(node: try args(AdminArguments.Node.self).node)
            case "policy.get": command = .policyGet(version: (try? args(AdminArguments.OptionalVersion.self))?.version)
            case "policy.check":
                let a = try args(AdminArguments.PolicyText.self)
                command = .policyCheck(text: a.text, file: a.file ?? "policy")
            case "policy.set":
                let a = try args(AdminArguments.PolicyText.self)
                command = .policySet(text: a.text, file: a.file ?? "policy")
            case "policy.history": command = .policyHistory
            case "policy.rollback": command = .policyRollback(version: try args(AdminArguments.Version.self).version)
            case "policy.explain":
                let a = try args(AdminArguments.Explain.self)
                command = .policyExplain(source: a.source, target: a.target)
            default:
                return fail(.unknownCommand, "unknown command \"\(name)\"; this coordinator knows "
                            + AdminCommand.names.joined(separator: ", "))
            }
        } catch {
            return fail(.badRequest, "the \"args\" of \(name) are not right: \(AdminJSON.reason(error))")
        }
        return .success(AdminRequest(command: command, actor: header.actor ?? "", id: header.id, version: version))
    }
}

extension AdminRequest {
    /// The `args` object of a request line, as `type`.
    fileprivate static func arguments<A: Decodable>(_ type: A.Type, in data: Data) throws -> A {
        let envelope = try AdminJSON.decoder().decode(ArgsEnvelope<A>.self, from: data)
        return envelope.args
    }
}

/// A request line that cannot be answered, with what to reply.
public struct AdminRequestRefusal: Error, Hashable, Sendable {
    /// The request's id, when it could be read.
    public var id: Int64?
    public var failure: AdminFailure
}

private struct RequestWire<Args: Encodable>: Encodable {
    var v: Int
    var id: Int64?
    var actor: String
    var command: String
    var args: Args
}

private struct RequestHeader: Decodable {
    var v: Int?
    var id: Int64?
    var actor: String?
    var command: String?
}

private struct ArgsEnvelope<Args: Decodable>: Decodable {
    var args: Args
}
