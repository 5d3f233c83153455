import MeshCrypto
import MeshWire

/// Everything that can go wrong in ControlCore: a change the netmap builder cannot apply,
/// a netmap it cannot build, and every reason a node refuses a netmap. Each case carries
/// what an operator needs to act on it, and `description` reads as one sentence.
public enum ControlError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Building (coordinator)

    /// No node with this id is known to the builder.
    case unknownNode(Netmap.NodeID)
    /// A node joined with an id that is already in the mesh.
    case nodeAlreadyJoined(Netmap.NodeID, name: String)
    /// The node has expired, so it gets no netmap and appears in none.
    case nodeExpired(Netmap.NodeID, name: String)
    /// Another node already has this name.
    case nameTaken(String, by: Netmap.NodeID)
    /// Another node already has this identity key.
    case keyTaken(IdentityPublicKey, by: Netmap.NodeID)
    /// An explicit netmap version was not above the last one issued to the node.
    case versionNotIncreasing(Netmap.NodeID, version: UInt64, last: UInt64)

    // MARK: Accepting (node)

    /// The bytes are not a signed envelope this version understands.
    case malformedEnvelope(reason: String)
    /// The signature does not verify with the pinned coordinator key (or any key the
    /// netmap claims): the bytes were forged or damaged.
    case badSignature
    /// The netmap was signed by, or names, a coordinator other than the pinned one.
    case wrongCoordinator(pinned: IdentityPublicKey, found: IdentityPublicKey)
    /// The signed payload is not a well-formed netmap.
    case malformedNetmap(reason: String)
    /// The netmap is for another node.
    case wrongNode(expected: IdentityPublicKey, got: IdentityPublicKey, name: String)
    /// The netmap's version is not newer than the last one accepted (a rollback or replay).
    case notNewer(version: UInt64, current: UInt64)
    /// The netmap has expired.
    case expired(expiresAt: Netmap.Time, now: Netmap.Time)

    /// One sentence for an operator.
    public var description: String {
        switch self {
        case .unknownNode(let id):
            return "There is no node with id \(id) in the mesh."
        case .nodeAlreadyJoined(let id, let name):
            return "Node \(id) has already joined the mesh (as \(name))."
        case .nodeExpired(let id, let name):
            return "Node \(name) (\(id)) has expired, so it gets no netmap."
        case .nameTaken(let name, let id):
            return "The name \(name) is already used by node \(id)."
        case .keyTaken(let key, let id):
            return "The identity key \(key) is already used by node \(id)."
        case .versionNotIncreasing(let id, let version, let last):
            return "Netmap version \(version) for node \(id) is not above the last one issued (\(last))."
        case .malformedEnvelope(let reason):
            return "Refused a netmap: it is not a valid signed envelope (\(reason))."
        case .badSignature:
            return "Refused a netmap: its signature does not verify with the pinned coordinator key, so it was forged or damaged."
        case .wrongCoordinator(let pinned, let found):
            return "Refused a netmap from coordinator \(found): this node is pinned to coordinator \(pinned)."
        case .malformedNetmap(let reason):
            return "Refused a netmap: \(reason)."
        case .wrongNode(let expected, let got, let name):
            return "Refused a netmap for another node (\(name), \(got)): this node is \(expected)."
        case .notNewer(let version, let current):
            return "Refused netmap version \(version): this node already has version \(current), so it is a rollback or a replay."
        case .expired(let expiresAt, let now):
            return "Refused a netmap that expired at \(expiresAt) (now \(now)); the coordinator must issue a new one."
        }
    }
}
