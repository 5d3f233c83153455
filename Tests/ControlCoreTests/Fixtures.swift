import MeshCrypto
import MeshWire
import Policy
@testable import ControlCore

/// A small seeded generator (SplitMix64) so that keys and random change sequences repeat.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    static let t0 = Netmap.Time(unixMilliseconds: 1_767_225_600_000)  // 2026-01-01T00:00:00Z
    static let day = Duration.seconds(24 * 3600)

    /// The identity with seed `n` (the same every run).
    static func identity(_ n: UInt64) -> IdentitySecretKey {
        var rng = SeededRandom(seed: n &* 7919 &+ 1)
        return IdentitySecretKey.generate(using: &rng)
    }

    static let coordinator = identity(1_000_000)
    static let endpoints = [HostPort("vps.example.net:41641")!]
    static let configuration = NetmapBuilder.Configuration(coordinatorEndpoints: endpoints)

    /// The policy from docs/policy.md.
    static let policyText = """
    {
      "tags": ["tag:laptop", "tag:nas", "tag:gpu", "tag:ci"],
      "groups": { "group:clients": ["tag:laptop", "node:alice-desktop"] },
      "grants": [
        { "src": ["group:clients"], "dst": ["tag:nas"], "mcp": ["files", "git:read_*"] },
        { "src": ["tag:laptop"], "dst": ["tag:gpu"], "mcp": ["*"] },
        { "src": ["tag:ci"], "dst": ["node:nas-1"], "mcp": ["git:get_?"] },
      ],
    }
    """

    static func policy(_ text: String = policyText) throws -> PolicyFile { try PolicyFile.parse(text) }

    static func node(_ id: UInt64, _ name: String, tags: Set<String> = [], servers: Set<String> = [],
                     expired: Bool = false, keySeed: UInt64? = nil) -> MeshNode {
        MeshNode(id: Netmap.NodeID(id), name: name, key: identity(keySeed ?? id).publicKey,
                 keyExpiry: t0 + .seconds(180 * 24 * 3600), tags: tags, servers: servers,
                 endpoints: [HostPort("192.0.2.\(id):41641")!], online: true, lastSeen: t0, expired: expired)
    }

    /// The mesh of docs/policy.md's examples.
    static let nodes: [MeshNode] = [
        node(1, "alice-desktop"),
        node(2, "laptop-1", tags: ["tag:laptop"]),
        node(3, "nas-1", tags: ["tag:nas"], servers: ["files", "git"]),
        node(4, "nas-2", tags: ["tag:nas"], servers: ["files"]),
        node(5, "gpu-1", tags: ["tag:gpu"], servers: ["llama", "files"]),
        node(6, "ci-1", tags: ["tag:ci"], servers: ["llama"]),
        node(7, "old-laptop", tags: ["tag:laptop"], expired: true),
    ]

    static func builder(nodes: [MeshNode] = nodes, policy text: String = policyText) throws -> NetmapBuilder {
        try NetmapBuilder(coordinator: coordinator, configuration: configuration, policy: policy(text),
                          policyVersion: 1, nodes: nodes)
    }

    static func id(_ n: UInt64) -> Netmap.NodeID { Netmap.NodeID(n) }

    static func ids(_ names: [String], in builder: NetmapBuilder) -> Set<Netmap.NodeID> {
        Set(names.compactMap { name in builder.nodes.values.first { $0.name == name }?.id })
    }

    static func names(_ ids: Set<Netmap.NodeID>, in builder: NetmapBuilder) -> [String] {
        ids.compactMap { builder.nodes[$0]?.name }.sorted()
    }
}

extension Netmap {
    /// `inbound` or `outbound` keyed by peer name instead of key, for readable assertions.
    func byName(_ access: [IdentityPublicKey: ServerTools]) -> [String: ServerTools] {
        var out: [String: ServerTools] = [:]
        for (key, servers) in access { out[peer(withKey: key)?.name ?? key.text] = servers }
        return out
    }

    /// The same netmap with version, times and policy version zeroed: what two builders must
    /// agree on.
    var normalized: Netmap {
        var copy = self
        copy.version = 0
        copy.issuedAt = Time(unixMilliseconds: 0)
        copy.expiresAt = Time(unixMilliseconds: 0)
        copy.policyVersion = 0
        return copy
    }
}
