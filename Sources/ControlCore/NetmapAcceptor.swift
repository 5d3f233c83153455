import MeshCrypto
import MeshWire
import Policy

/// The node's side of netmaps: it holds the pinned coordinator key and the last good
/// netmap, and accepts a new one only if its signature verifies with the pinned key over
/// the exact bytes received, it is for this node, it decodes and is consistent, it is newer
/// than the last one accepted, and it has not expired.
///
/// Keeping the last good netmap on disk is the node agent's job: after each successful
/// `accept` it writes `lastGoodBytes`; on start it calls `restore` with what it wrote,
/// which checks those bytes again (a disk is no more trusted than the network).
public struct NetmapAcceptor: Sendable {
    /// The coordinator key pinned from the join key.
    public let coordinatorKey: IdentityPublicKey
    /// This node's identity key: netmaps for any other key are refused.
    public let nodeKey: IdentityPublicKey
    /// The last good netmap and its bytes, if any.
    public private(set) var current: SignedNetmap?
    /// The highest version accepted or restored, even if that netmap has since expired:
    /// anything at or below it is a rollback.
    public private(set) var highestVersion: UInt64 = 0

    /// An acceptor pinned to `coordinatorKey`, for the node whose key is `nodeKey`.
    public init(coordinatorKey: IdentityPublicKey, nodeKey: IdentityPublicKey) {
        self.coordinatorKey = coordinatorKey
        self.nodeKey = nodeKey
    }

    /// The bytes to persist: exactly what was received for the current netmap.
    public var lastGoodBytes: [UInt8]? { current?.bytes }

    /// The current netmap if it has not expired at `now`; a node keeps working on it while
    /// the coordinator is unreachable, and stops when it expires.
    public func usableNetmap(now: Netmap.Time) -> Netmap? {
        guard let netmap = current?.netmap, now < netmap.expiresAt else { return nil }
        return netmap
    }

    /// Verifies `bytes` and, if every check passes, makes them the current netmap.
    public mutating func accept(_ bytes: [UInt8], now: Netmap.Time) -> Result<SignedNetmap, ControlError> {
        let netmap: Netmap
        switch verify(bytes) {
        case .failure(let error): return .failure(error)
        case .success(let n): netmap = n
        }
        guard netmap.version > highestVersion else {
            return .failure(.notNewer(version: netmap.version, current: highestVersion))
        }
        guard now < netmap.expiresAt else { return .failure(.expired(expiresAt: netmap.expiresAt, now: now)) }
        let signed = SignedNetmap(netmap: netmap, bytes: bytes)
        current = signed
        highestVersion = netmap.version
        return .success(signed)
    }

    /// Re-verifies bytes persisted by an earlier run. They become the current netmap if
    /// they pass every check but "newer". An expired netmap is refused but its version is
    /// still remembered, so an older one cannot be replayed afterwards.
    public mutating func restore(_ bytes: [UInt8], now: Netmap.Time) -> Result<SignedNetmap, ControlError> {
        let netmap: Netmap
        switch verify(bytes) {
        case .failure(let error): return .failure(error)
        case .success(let n): netmap = n
        }
        highestVersion = max(highestVersion, netmap.version)
        guard now < netmap.expiresAt else { return .failure(.expired(expiresAt: netmap.expiresAt, now: now)) }
        let signed = SignedNetmap(netmap: netmap, bytes: bytes)
        if netmap.version >= (current?.netmap.version ?? 0) { current = signed }
        return .success(signed)
    }

    /// Every check that does not depend on the acceptor's history: envelope, signature,
    /// coordinator, payload, node, consistency.
    func verify(_ bytes: [UInt8]) -> Result<Netmap, ControlError> {
        let payload: [UInt8]
        do {
            payload = try SignedEnvelope.open(bytes, context: .netmap, signer: coordinatorKey)
        } catch {
            switch error {
            case .tooShort, .unsupportedVersion: return .failure(.malformedEnvelope(reason: error.description))
            case .badSignature: return .failure(diagnoseBadSignature(bytes))
            }
        }
        let netmap: Netmap
        do {
            netmap = try Netmap(jsonBytes: payload)
        } catch {
            return .failure(.malformedNetmap(reason: error.description))
        }
        guard netmap.coordinator.key == coordinatorKey else {
            return .failure(.wrongCoordinator(pinned: coordinatorKey, found: netmap.coordinator.key))
        }
        guard netmap.node.key == nodeKey else {
            return .failure(.wrongNode(expected: nodeKey, got: netmap.node.key, name: netmap.node.name))
        }
        if let problem = Self.inconsistency(in: netmap) { return .failure(.malformedNetmap(reason: problem)) }
        return .success(netmap)
    }

    /// Tells a netmap signed by another coordinator (its signature verifies with the key it
    /// names) from a forged or damaged one. The payload is untrusted here; it only picks
    /// the error message.
    private func diagnoseBadSignature(_ bytes: [UInt8]) -> ControlError {
        let payload = Array(bytes.dropFirst(1 + Signature.byteCount))
        if let claimed = try? Netmap(jsonBytes: payload).coordinator.key, claimed != coordinatorKey,
           (try? SignedEnvelope.open(bytes, context: .netmap, signer: claimed)) != nil {
            return .wrongCoordinator(pinned: coordinatorKey, found: claimed)
        }
        return .badSignature
    }

    /// Why a decoded netmap does not hang together, or nil: peers must be distinct and not
    /// the node itself, times in order, access only for listed peers and valid tool globs.
    static func inconsistency(in netmap: Netmap) -> String? {
        guard netmap.issuedAt < netmap.expiresAt else {
            return "it expires (\(netmap.expiresAt)) before it is issued (\(netmap.issuedAt))"
        }
        var keys: Set<IdentityPublicKey> = []
        var names: Set<String> = []
        for (i, peer) in netmap.peers.enumerated() {
            guard peer.key != netmap.node.key, peer.id != netmap.node.id else {
                return "peers[\(i)] is the node itself"
            }
            guard keys.insert(peer.key).inserted, names.insert(peer.name).inserted else {
                return "peers[\(i)] (\(peer.name)) is listed twice"
            }
        }
        for (field, access) in [("inbound", netmap.inbound), ("outbound", netmap.outbound)] {
            for (key, servers) in access {
                guard keys.contains(key) else { return "\(field) names \(key), which is not among the peers" }
                for (server, globs) in servers {
                    guard !globs.isEmpty else { return "\(field)[\"\(key)\"].\(server) lists no tools" }
                    for glob in globs where ToolGlob(glob) == nil {
                        return "\(field)[\"\(key)\"].\(server) has an invalid tool glob \"\(glob)\""
                    }
                }
            }
        }
        return nil
    }
}
