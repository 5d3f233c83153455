import Foundation
import Policy
import Registry

/// What `policy check` found: the tests passed, and what would change if the policy were set.
public struct PolicyCheckOutcome: Hashable, Sendable {
    /// The policy's own tests, all passed.
    public var report: PolicyTestReport
    /// Who would gain and lose access compared with the live policy.
    public var diff: PolicyDiff
    /// How many nodes the tests ran against.
    public var nodeCount: Int
    /// The live policy's version (nil for the built-in empty policy).
    public var liveVersion: Int64?
}

/// What `policy set` or `policy rollback` did.
public struct PolicyApplied: Hashable, Sendable {
    /// The version now live; nil only when no policy was ever stored and nothing changed.
    public var version: Int64?
    /// True when the text equals the live policy's, so nothing was stored.
    public var unchanged: Bool
    /// Who gained and lost access.
    public var diff: PolicyDiff
    /// The policy's own tests, all passed.
    public var report: PolicyTestReport
    /// How many nodes get a new netmap.
    public var affectedNodes: Int
    /// For a rollback, the version whose text was restored.
    public var restored: Int64?
}

/// The admin's policy commands: `policy get | check | set | history | rollback | explain`.
extension CoordinatorState {
    /// The live policy's stored record, or nil while the built-in empty policy is in force.
    public func livePolicy() throws(CoordinatorError) -> PolicyVersionRecord? {
        guard let version = policyVersion else { return nil }
        return try policy(version: version)
    }

    /// One stored version.
    public func policy(version: Int64) throws(CoordinatorError) -> PolicyVersionRecord {
        let record = try withRegistry { () throws(RegistryError) in try registry.policy(version: version) }
        guard let record else { throw .registry(.policyVersionNotFound(version)) }
        return record
    }

    /// Every stored version, newest first.
    public func policyHistory() throws(CoordinatorError) -> [PolicyVersionRecord] {
        try withRegistry { () throws(RegistryError) in try registry.policyHistory() }
    }

    /// Parses, validates and compiles `text` over the current nodes, runs its tests, and
    /// says what would change. Stores nothing.
    ///
    /// - Throws: `CoordinatorError.policyRejected` with every problem, as `FILE:LINE:COLUMN:
    ///   message` lines.
    public func checkPolicy(text: String, file: String) throws(CoordinatorError) -> PolicyCheckOutcome {
        refreshExpiries()
        let (candidate, report) = try compile(text, file: file)
        return PolicyCheckOutcome(report: report, diff: PolicyDiff(from: policy, to: candidate),
                                  nodeCount: policy.nodes.count, liveVersion: policyVersion)
    }

    /// Checks `text` as `checkPolicy` does, then stores it as a new version, makes it live
    /// and announces the nodes whose netmaps change. A rejected policy changes nothing. Text
    /// identical to the live policy's is not stored again.
    public func setPolicy(text: String, file: String, actor: String) throws(CoordinatorError) -> PolicyApplied {
        refreshExpiries()
        let (candidate, report) = try compile(text, file: file)
        let diff = PolicyDiff(from: policy, to: candidate)
        if let version = policyVersion, try self.policy(version: version).text == text {
            return PolicyApplied(version: version, unchanged: true, diff: diff, report: report, affectedNodes: 0, restored: nil)
        }
        let record = try withRegistry { () throws(RegistryError) in
            try registry.appendPolicy(text: text, author: actor, now: clock())
        }
        let affected = makeLive(candidate, version: record.version)
        logger.notice("policy set", metadata: [
            "version": "\(record.version)", "file": "\(file)", "gained": "\(diff.gained.count)",
            "lost": "\(diff.lost.count)", "actor": "\(actor)",
        ])
        announce(NodesChanged(cause: .policy(version: record.version), affected: affected))
        return PolicyApplied(version: record.version, unchanged: false, diff: diff, report: report,
                             affectedNodes: affected.count, restored: nil)
    }

    /// Makes an earlier version's text live again, as a new version. The old text is
    /// checked and its tests run against the current nodes first, like `setPolicy`.
    public func rollbackPolicy(to version: Int64, actor: String) throws(CoordinatorError) -> PolicyApplied {
        refreshExpiries()
        let old = try policy(version: version)
        if version == policyVersion { throw .registry(.policyAlreadyCurrent(version)) }
        let (candidate, report) = try compile(old.text, file: "policy version \(version)")
        let diff = PolicyDiff(from: policy, to: candidate)
        let record = try withRegistry { () throws(RegistryError) in
            try registry.rollbackPolicy(to: version, author: actor, now: clock())
        }
        let affected = makeLive(candidate, version: record.version)
        logger.notice("policy rolled back", metadata: [
            "version": "\(record.version)", "restored": "\(version)", "gained": "\(diff.gained.count)",
            "lost": "\(diff.lost.count)", "actor": "\(actor)",
        ])
        announce(NodesChanged(cause: .policy(version: record.version), affected: affected))
        return PolicyApplied(version: record.version, unchanged: false, diff: diff, report: report,
                             affectedNodes: affected.count, restored: version)
    }

    /// Which grant allows `source` to use `target` (`PEER/SERVER[/TOOL]`), or why nothing
    /// does, under the live policy and the nodes' current state.
    public func explain(source: String, target: String) throws(CoordinatorError) -> Decision {
        refreshExpiries()
        do {
            return try policy.explain(source: source, target: target)
        } catch {
            throw .explainRefused(error.description)
        }
    }

    /// `policy check` without a running server: parses, validates and compiles `text` over
    /// an empty node directory and runs its tests (tests naming nodes then fail, saying the
    /// node is not in the directory).
    public static func checkPolicyOffline(text: String, file: String) throws(CoordinatorError) -> PolicyTestReport {
        let parsed: PolicyFile
        do {
            parsed = try PolicyFile.parse(text)
        } catch {
            throw .policyRejected(file: file, problems: lines(error, file: file), liveVersion: nil)
        }
        let report = CompiledPolicy(parsed, nodes: NodeDirectory()).runTests()
        guard report.passed else {
            let errors = PolicyErrors(report.failures.map(PolicyError.testFailed))
            throw .policyRejected(file: file, problems: lines(errors, file: file), liveVersion: nil)
        }
        return report
    }

    /// Every problem in policy bytes that are not valid UTF-8 (or otherwise unparseable), as
    /// `FILE:LINE:COLUMN: message` lines.
    public static func problems(inPolicyBytes bytes: [UInt8], file: String) -> [String] {
        do {
            _ = try PolicyFile.parse(bytes: bytes)
            return []
        } catch {
            return lines(error, file: file)
        }
    }

    // MARK: - Internals

    /// The candidate compiled over the live directory with its passing test report, or every
    /// problem and failed expectation at once.
    private func compile(_ text: String, file: String) throws(CoordinatorError) -> (CompiledPolicy, PolicyTestReport) {
        let parsed: PolicyFile
        do {
            parsed = try PolicyFile.parse(text)
        } catch {
            throw .policyRejected(file: file, problems: Self.lines(error, file: file), liveVersion: policyVersion)
        }
        let candidate = CompiledPolicy(parsed, nodes: policy.nodes)
        let report = candidate.runTests()
        guard report.passed else {
            let errors = PolicyErrors(report.failures.map(PolicyError.testFailed))
            throw .policyRejected(file: file, problems: Self.lines(errors, file: file), liveVersion: policyVersion)
        }
        return (candidate, report)
    }

    /// Swaps in `candidate` as the live policy and returns the nodes it affects.
    private func makeLive(_ candidate: CompiledPolicy, version: Int64) -> Set<String> {
        let affected = candidate.nodesAffected(since: policy).filter { nodes[$0] != nil }
        policy = candidate
        policyVersion = version
        metrics?.policyVersion.set(to: Double(version))
        return affected
    }

    /// `FILE:LINE:COLUMN: message` for each problem (`FILE: message` when it has no place).
    static func lines(_ errors: PolicyErrors, file: String) -> [String] {
        errors.map { error in
            error.location == nil ? "\(file): \(error.description)" : "\(file):\(error.description)"
        }
    }
}
