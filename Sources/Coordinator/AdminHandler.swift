import Foundation
import Logging
import Registry

/// Answers admin requests: reads one request line, runs it against the `CoordinatorState`,
/// and returns one reply line. No sockets: the admin socket service feeds it lines, and
/// tests call it directly.
public struct AdminHandler: Sendable {
    /// What `status` reports about the server itself.
    public struct ServerInfo: Sendable {
        public var listen: String
        public var stateDirectory: String
        public var pid: Int32
        public var startedAt: Date

        public init(listen: String, stateDirectory: String, pid: Int32, startedAt: Date) {
            self.listen = listen
            self.stateDirectory = stateDirectory
            self.pid = pid
            self.startedAt = startedAt
        }
    }

    public let state: CoordinatorState
    public let issuer: JoinKeyIssuer
    public let info: ServerInfo
    let metrics: CoordinatorMetrics?
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(state: CoordinatorState, issuer: JoinKeyIssuer, info: ServerInfo, metrics: CoordinatorMetrics? = nil,
                logger: Logger = Logger.disabled, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.state = state
        self.issuer = issuer
        self.info = info
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// The reply line (newline included) to one request line.
    public func handle(line: some Collection<UInt8>) async -> [UInt8] {
        let started = ContinuousClock.now
        let request: AdminRequest
        switch AdminRequest.decode(line) {
        case .success(let decoded):
            request = decoded
        case .failure(let refusal):
            logger.warning("admin request refused", metadata: ["code": "\(refusal.failure.code.rawValue)",
                                                               "reason": "\(refusal.failure.message)"])
            metrics?.adminRequest(command: "invalid", result: refusal.failure.code.rawValue)
            return AdminJSON.line(AdminReply<AdminArguments.Empty>.failure(refusal.failure, id: refusal.id))
        }
        let reply: [UInt8]
        let outcome: String
        var reason: String?
        do {
            reply = try await run(request)
            outcome = "ok"
        } catch {
            let failure = error.adminFailure
            reply = AdminJSON.line(AdminReply<AdminArguments.Empty>.failure(failure, id: request.id))
            outcome = failure.code.rawValue
            reason = failure.message
            if failure.code == .internal { metrics?.error(.admin) }
        }
        metrics?.adminRequest(command: request.command.name, result: outcome)
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var metadata: Logger.Metadata = [
            "command": "\(request.command.name)", "actor": "\(request.actor)", "result": "\(outcome)",
            "ms": "\(milliseconds)",
        ]
        if let reason { metadata["reason"] = "\(reason)" }
        let level: Logger.Level = outcome == "internal" ? .error : (request.command.isWrite || outcome != "ok" ? .notice : .info)
        logger.log(level: level, "admin request", metadata: metadata)
        return reply
    }

    private func run(_ request: AdminRequest) async throws(CoordinatorError) -> [UInt8] {
        let id = request.id
        let actor = CoordinatorState.adminActor(request.actor)
        let now = clock()
        func ok(_ result: some Codable & Sendable) -> [UInt8] { AdminJSON.line(AdminReply.success(result, id: id)) }

        switch request.command {
        case .status:
            let snapshot = await state.snapshot()
            return ok(AdminResults.Status(
                protocolVersion: AdminRequest.protocolVersion, coordinatorKey: issuer.coordinatorKey.text,
                address: issuer.address.description, listen: info.listen, stateDirectory: info.stateDirectory,
                pid: info.pid, startedAt: info.startedAt, nodes: snapshot.nodes.count,
                nodesOnline: snapshot.online.count, policyVersion: snapshot.policyVersion))

        case .joinKeyCreate(let options):
            let (record, key) = try await state.createJoinKey(options, issuer: issuer, actor: actor)
            return ok(AdminResults.JoinKeyCreated(key: key.text, joinKey: .init(record, at: now)))
        case .joinKeyList:
            let keys = try await state.joinKeys()
            return ok(AdminResults.JoinKeyList(joinKeys: keys.map { .init($0, at: now) }))
        case .joinKeyRevoke(let keyID):
            let record = try await state.revokeJoinKey(id: keyID, actor: actor)
            return ok(AdminResults.JoinKeyResult(joinKey: .init(record, at: now)))

        case .nodesList:
            let listing = await state.listNodes()
            return ok(AdminResults.NodeList(nodes: listing.map { .init($0.node, online: $0.online, expired: $0.expired) }))
        case .nodesTag(let name, let tags):
            let node = try await state.tagNode(named: name, tags: tags, actor: actor)
            return ok(AdminResults.NodeResult(node: .init(node, online: await state.isOnline(node.id),
                                                          expired: node.isExpired(at: now))))
        case .nodesExpire(let name):
            let node = try await state.expireNode(named: name, actor: actor)
            return ok(AdminResults.NodeResult(node: .init(node, online: await state.isOnline(node.id), expired: true)))
        case .nodesRemove(let name):
            let node = try await state.removeNode(named: name, actor: actor)
            return ok(AdminResults.NodeResult(node: .init(node, online: false, expired: node.isExpired(at: now))))

        case .policyGet(let version):
            return ok(try await policyText(version: version))
        case .policyCheck(let text, let file):
            let outcome = try await state.checkPolicy(text: text, file: file)
            return ok(AdminResults.PolicyChecked(
                tests: outcome.report.tests, expectations: outcome.report.expectations, nodes: outcome.nodeCount,
                liveVersion: outcome.liveVersion, changes: outcome.diff.changes.map(AdminResults.AccessChangeInfo.init)))
        case .policySet(let text, let file):
            return ok(Self.applied(try await state.setPolicy(text: text, file: file, actor: actor)))
        case .policyHistory:
            let history = try await state.policyHistory()
            let live = await state.livePolicyVersion
            return ok(AdminResults.PolicyHistory(versions: history.map {
                AdminResults.PolicyVersionInfo(version: $0.version, author: $0.author, createdAt: $0.createdAt,
                                               rolledBackFrom: $0.rolledBackFrom, live: $0.version == live,
                                               bytes: $0.text.utf8.count)
            }))
        case .policyRollback(let version):
            return ok(Self.applied(try await state.rollbackPolicy(to: version, actor: actor)))
        case .policyExplain(let source, let target):
            let decision = try await state.explain(source: source, target: target)
            return ok(AdminResults.Explanation(allowed: decision.isAllowed, decision: decision.description,
                                               policyVersion: await state.livePolicyVersion))
        }
    }

    private func policyText(version: Int64?) async throws(CoordinatorError) -> AdminResults.PolicyText {
        let live = await state.livePolicyVersion
        let record: PolicyVersionRecord?
        if let version {
            record = try await state.policy(version: version)
        } else {
            record = try await state.livePolicy()
        }
        guard let record else {
            return AdminResults.PolicyText(version: nil, author: nil, createdAt: nil, rolledBackFrom: nil, live: true,
                                           text: CoordinatorState.emptyPolicyText)
        }
        return AdminResults.PolicyText(version: record.version, author: record.author, createdAt: record.createdAt,
                                       rolledBackFrom: record.rolledBackFrom, live: record.version == live,
                                       text: record.text)
    }

    private static func applied(_ applied: PolicyApplied) -> AdminResults.PolicyApplied {
        AdminResults.PolicyApplied(version: applied.version, unchanged: applied.unchanged, restored: applied.restored,
                                   tests: applied.report.tests, expectations: applied.report.expectations,
                                   affectedNodes: applied.affectedNodes,
                                   changes: applied.diff.changes.map(AdminResults.AccessChangeInfo.init))
    }
}
