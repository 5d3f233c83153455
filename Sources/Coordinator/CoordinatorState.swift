import Foundation
import Logging
import MeshCrypto
import Policy
import Registry

/// The coordinator's control-plane state: the registry, the live policy compiled over the
/// current node directory, which nodes are online, and the subscribers that turn changes
/// into netmap pushes. Every admin write and every node registration goes through this
/// actor, so the in-memory directory always matches the registry.
///
/// The seam for the control service (UDP sessions with nodes) is:
/// - `changes()`: an `AsyncStream<NodesChanged>` of the nodes whose netmaps must be pushed;
/// - `snapshot()`: the live policy and node records to build netmaps from;
/// - `registerNode`, `recordNodeSeen`, `rotateNodeKey`, `setOnline`,
///   `removeEphemeralNodes`: the node-side writes, each announcing what it changed.
public actor CoordinatorState {
    /// The registry. Read from it freely; write only through this actor's methods, or the
    /// live directory and the netmaps fall behind.
    public nonisolated let registry: Registry
    let clock: @Sendable () -> Date
    let randomBytes: @Sendable (Int) -> [UInt8]
    let logger: Logger
    let metrics: CoordinatorMetrics?

    /// The live policy, compiled over the current directory.
    var policy: CompiledPolicy
    /// The stored version of the live policy; nil for the built-in empty (deny-all) policy.
    var policyVersion: Int64?
    /// Every registered node, by name.
    var nodes: [String: RegisteredNode]
    var online: Set<RegisteredNode.ID> = []
    var subscribers: [Int: AsyncStream<NodesChanged>.Continuation] = [:]
    var nextSubscriber = 0

    /// Loads the nodes and the current policy (the empty default-deny policy if none was
    /// ever stored) from `registry`.
    ///
    /// - Parameters:
    ///   - clock: the time source; tests pass a fixed one.
    ///   - randomBytes: the source of join key secrets and ids; tests pass a seeded one.
    public init(registry: Registry, metrics: CoordinatorMetrics? = nil, logger: Logger = Logger.disabled,
                clock: @escaping @Sendable () -> Date = { Date() },
                randomBytes: @escaping @Sendable (Int) -> [UInt8] = { count in
                    var rng = SystemRandom()
                    return rng.bytes(count)
                }) throws(CoordinatorError) {
        let now = clock()
        let registered: [RegisteredNode]
        let current: PolicyVersionRecord?
        do {
            registered = try registry.nodes()
            current = try registry.currentPolicy()
        } catch {
            throw .registry(error)
        }
        let file: PolicyFile
        if let current {
            do {
                file = try PolicyFile.parse(current.text)
            } catch {
                throw .storedPolicyInvalid(version: current.version, problems: error.errors.map(\.description))
            }
        } else {
            file = Self.emptyPolicy()
        }
        self.registry = registry
        self.clock = clock
        self.randomBytes = randomBytes
        self.logger = logger
        self.metrics = metrics
        self.policyVersion = current?.version
        self.nodes = Dictionary(registered.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.policy = CompiledPolicy(file, nodes: NodeDirectory(registered.map { Self.policyNode($0, at: now) }))
        metrics?.nodesRegistered.set(to: Double(registered.count))
        metrics?.policyVersion.set(to: Double(current?.version ?? 0))
    }

    // MARK: - Notifications

    /// A stream of every change from now on. The control service subscribes once and pushes
    /// a netmap to each node in `affected`. The stream never drops a change; it ends when the
    /// subscriber stops iterating.
    public func changes() -> AsyncStream<NodesChanged> {
        let (stream, continuation) = AsyncStream<NodesChanged>.makeStream(bufferingPolicy: .unbounded)
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    /// Ends every subscriber's stream (at shutdown).
    public func finishSubscribers() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }

    /// Announces `change` to every subscriber and logs it; does nothing if it is empty.
    func announce(_ change: NodesChanged) {
        metrics?.nodesRegistered.set(to: Double(nodes.count))
        metrics?.nodesOnline.set(to: Double(online.count))
        guard !change.isEmpty else { return }
        logger.info("netmaps affected", metadata: [
            "cause": "\(change.cause)", "nodes": "\(change.affected.count)", "removed": "\(change.removed.count)",
        ])
        for continuation in subscribers.values { continuation.yield(change) }
    }

    // MARK: - Shared helpers

    /// The live policy's version (nil for the built-in empty policy).
    public var livePolicyVersion: Int64? { policyVersion }

    /// How many nodes are registered.
    public var nodeCount: Int { nodes.count }

    /// Whether the node has a live session with the coordinator.
    public func isOnline(_ id: RegisteredNode.ID) -> Bool { online.contains(id) }

    /// Runs a registry call, turning its error into `CoordinatorError.registry`.
    func withRegistry<T>(_ body: () throws(RegistryError) -> T) throws(CoordinatorError) -> T {
        do { return try body() } catch { throw .registry(error) }
    }

    /// The node named `name`.
    func requireNode(named name: String) throws(CoordinatorError) -> RegisteredNode {
        guard let node = nodes[name] else { throw .unknownNode(name) }
        return node
    }

    /// Stores `updated` (or forgets the node named `name` when `updated` is nil) in the
    /// directory and returns the nodes whose netmaps change: the node itself if it still
    /// exists, and its peers before and after.
    func replaceNode(named name: String, with updated: RegisteredNode?) -> Set<String> {
        var affected = policy.peers(of: name)
        if let updated {
            nodes[name] = nil
            nodes[updated.name] = updated
            policy.upsert(Self.policyNode(updated, at: clock()))
            affected.formUnion(policy.peers(of: updated.name))
            affected.insert(updated.name)
        } else {
            if let gone = nodes.removeValue(forKey: name) { online.remove(gone.id) }
            policy.removeNode(named: name)
        }
        return affected
    }

    /// What the policy needs of a registered node at `now`.
    static func policyNode(_ node: RegisteredNode, at now: Date) -> PolicyNode {
        PolicyNode(name: node.name, tags: Set(node.tags), expired: node.isExpired(at: now), servers: node.servers)
    }

    /// The policy in force before any is stored, as `policy get` shows it.
    public static let emptyPolicyText = """
        // No policy has been set: this built-in policy declares no tags and grants nothing,
        // so every request is denied. Set one with `mcpmesh-coordinator policy set FILE`.
        {}

        """

    /// The policy in force before any was stored: no tags, no grants, so everything is denied.
    static func emptyPolicy() -> PolicyFile {
        do {
            return try PolicyFile.parse(emptyPolicyText)
        } catch {
            preconditionFailure("the empty policy always parses: \(error)")
        }
    }

    /// `admin:NAME`, the audit trail's name for an admin using the admin socket. (Methods
    /// of this actor record the `actor` they are given as it is: `admin:alice`,
    /// `node:nas-1` for a node acting on itself, `coordinator` for upkeep.)
    public static func adminActor(_ name: String) -> String {
        "admin:" + (name.isEmpty ? "unknown" : name)
    }
}
