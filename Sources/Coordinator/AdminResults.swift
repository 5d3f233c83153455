import Foundation
import Policy
import Registry

/// The `result` objects of admin replies, one type per command (keys in snake_case on the
/// wire, times as ISO 8601 text). docs/cli.md lists their fields.
public enum AdminResults {
    /// `status`: who and where the server is.
    public struct Status: Codable, Hashable, Sendable {
        public var protocolVersion: Int
        public var coordinatorKey: String
        /// The address put into join keys (`--advertise`, else `--listen`).
        public var address: String
        public var listen: String
        public var stateDirectory: String
        public var pid: Int32
        public var startedAt: Date
        public var nodes: Int
        public var nodesOnline: Int
        /// The live policy version; nil for the built-in empty policy.
        public var policyVersion: Int64?
    }

    /// One join key, without its secret (which only `joinkey create` ever returns).
    public struct JoinKeyInfo: Codable, Hashable, Sendable {
        public var id: String
        public var tags: [String]
        public var reusable: Bool
        public var ephemeral: Bool
        public var createdAt: Date
        public var expiresAt: Date?
        public var revokedAt: Date?
        public var useCount: Int64
        public var lastUsedAt: Date?
        /// `usable`, `revoked`, `expired` or `used` (a single-use key that registered a node).
        public var state: String

        public init(_ record: JoinKeyRecord, at now: Date) {
            id = record.id
            tags = record.tags
            reusable = record.reusable
            ephemeral = record.ephemeral
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            revokedAt = record.revokedAt
            useCount = record.useCount
            lastUsedAt = record.lastUsedAt
            switch record.refusal(at: now) {
            case nil: state = "usable"
            case .revoked?: state = "revoked"
            case .expired?: state = "expired"
            case .alreadyUsed?, .unknown?: state = "used"
            }
        }
    }

    /// `joinkey create`: the key to hand out (the only time its secret exists) and its record.
    public struct JoinKeyCreated: Codable, Hashable, Sendable {
        public var key: String
        public var joinKey: JoinKeyInfo
    }

    public struct JoinKeyList: Codable, Hashable, Sendable {
        public var joinKeys: [JoinKeyInfo]
    }

    public struct JoinKeyResult: Codable, Hashable, Sendable {
        public var joinKey: JoinKeyInfo
    }

    /// One registered node.
    public struct NodeInfo: Codable, Hashable, Sendable {
        public var id: Int64
        public var name: String
        public var key: String
        public var tags: [String]
        public var servers: [String]
        public var endpoints: [String]
        public var online: Bool
        /// Expired now: by an admin, or its key expiry passed.
        public var expired: Bool
        /// When an admin expired it.
        public var expiredAt: Date?
        public var keyExpiry: Date
        public var ephemeral: Bool
        public var createdAt: Date
        public var lastSeenAt: Date
        public var joinKey: String?

        public init(_ node: RegisteredNode, online: Bool, expired: Bool) {
            id = node.id.rawValue
            name = node.name
            key = node.publicKey
            tags = node.tags
            servers = node.servers
            endpoints = node.lastEndpoints
            self.online = online
            self.expired = expired
            expiredAt = node.expiredAt
            keyExpiry = node.keyExpiry
            ephemeral = node.ephemeral
            createdAt = node.createdAt
            lastSeenAt = node.lastSeenAt
            joinKey = node.joinKeyID
        }
    }

    public struct NodeList: Codable, Hashable, Sendable {
        public var nodes: [NodeInfo]
    }

    public struct NodeResult: Codable, Hashable, Sendable {
        public var node: NodeInfo
    }

    /// `policy get`: a policy's text exactly as stored.
    public struct PolicyText: Codable, Hashable, Sendable {
        /// nil for the built-in empty policy.
        public var version: Int64?
        public var author: String?
        public var createdAt: Date?
        public var rolledBackFrom: Int64?
        public var live: Bool
        public var text: String
    }

    /// One access change of a policy diff.
    public struct AccessChangeInfo: Codable, Hashable, Sendable {
        /// `gained` or `lost`.
        public var kind: String
        public var source: String
        public var destination: String
        public var server: String
        /// The tool glob; nil for every tool.
        public var tools: String?
        /// The line `policy set` prints: `+ alice gains nas-1/files (every tool)`.
        public var text: String

        public init(_ change: AccessChange) {
            kind = change.kind.rawValue
            source = change.source
            destination = change.destination
            server = change.server
            tools = change.tools?.pattern
            text = change.description
        }
    }

    /// `policy check`: the tests passed; what would change if the policy were set.
    public struct PolicyChecked: Codable, Hashable, Sendable {
        public var tests: Int
        public var expectations: Int
        /// How many registered nodes the tests ran against.
        public var nodes: Int
        public var liveVersion: Int64?
        public var changes: [AccessChangeInfo]
    }

    /// `policy set` and `policy rollback`.
    public struct PolicyApplied: Codable, Hashable, Sendable {
        public var version: Int64?
        /// True when the text equals the live policy's, so nothing was stored.
        public var unchanged: Bool
        /// For a rollback, the version whose text was restored.
        public var restored: Int64?
        public var tests: Int
        public var expectations: Int
        /// How many nodes get a new netmap.
        public var affectedNodes: Int
        public var changes: [AccessChangeInfo]
    }

    public struct PolicyVersionInfo: Codable, Hashable, Sendable {
        public var version: Int64
        public var author: String
        public var createdAt: Date
        public var rolledBackFrom: Int64?
        public var live: Bool
        public var bytes: Int
    }

    public struct PolicyHistory: Codable, Hashable, Sendable {
        /// Newest first.
        public var versions: [PolicyVersionInfo]
    }

    /// `policy explain`.
    public struct Explanation: Codable, Hashable, Sendable {
        public var allowed: Bool
        /// `allowed by grants[0] at 9:5` or `denied: <reason>`.
        public var decision: String
        /// The live policy version the answer is from.
        public var policyVersion: Int64?
    }
}
