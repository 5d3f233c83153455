import ControlCore
import MeshCrypto
import MeshWire
import Policy

/// A seeded generator (SplitMix64): the same mesh every run.
struct SplitMix64: RandomNumberGenerator {
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

/// The benchmark's mesh: `nodeCount` nodes, each holding 1–3 of `tagCount` tags (uniform)
/// and publishing 0–2 of eight MCP servers, and a policy of `grantCount` grants, each
/// joining one tag to one named node in either direction (a person's machine may use a
/// team's servers; a team may use one shared server) or, one in ten, one node to another.
/// Every grant names 1–2 `mcp` entries, some with tool globs.
struct SyntheticMesh {
    static let servers = ["files", "git", "db", "llama", "wiki", "search", "ci", "metrics"]
    static let rules = ["files", "git:read_*", "db:query_*", "llama", "*:get_*", "wiki", "search:find_?", "*"]

    var tags: [String]
    var nodes: [MeshNode]
    var grants: [String]
    var rng: SplitMix64
    let start = Netmap.Time(unixMilliseconds: 1_767_225_600_000)

    init(nodeCount: Int, tagCount: Int, grantCount: Int, seed: UInt64) {
        rng = SplitMix64(seed: seed)
        tags = (0..<tagCount).map { "tag:team-\($0)" }
        nodes = []
        grants = []
        for i in 0..<nodeCount { nodes.append(makeNode(number: i)) }
        for _ in 0..<grantCount { grants.append(makeGrant()) }
    }

    /// A new node numbered `number` (its id is `number + 1`).
    mutating func makeNode(number: Int) -> MeshNode {
        let key = IdentitySecretKey.generate(using: &rng).publicKey
        let tagCount = Int.random(in: 1...3, using: &rng)
        let serverCount = Int.random(in: 0...2, using: &rng)
        return MeshNode(id: Netmap.NodeID(UInt64(number + 1)), name: "node-\(number)", key: key,
                        keyExpiry: start + .seconds(180 * 24 * 3600),
                        tags: Set(tags.shuffled(using: &rng).prefix(tagCount)),
                        servers: Set(Self.servers.shuffled(using: &rng).prefix(serverCount)),
                        endpoints: [HostPort("10.\(number / 65536).\(number / 256 % 256).\(number % 256):41641")!,
                                    HostPort("203.0.113.\(number % 250 + 1):\(40000 + number % 20000)")!],
                        online: true, lastSeen: start)
    }

    /// One grant as policy text.
    mutating func makeGrant() -> String {
        let node = "node:" + nodes.randomElement(using: &rng)!.name
        let tag = tags.randomElement(using: &rng)!
        let (src, dst): (String, String)
        switch Int.random(in: 0..<20, using: &rng) {
        case 0..<9: (src, dst) = (node, tag)
        case 9..<18: (src, dst) = (tag, node)
        default: (src, dst) = (node, "node:" + nodes.randomElement(using: &rng)!.name)
        }
        let mcp = Self.rules.shuffled(using: &rng).prefix(Int.random(in: 1...2, using: &rng))
        return "{\"src\": [\"\(src)\"], \"dst\": [\"\(dst)\"], \"mcp\": [\(mcp.map { "\"\($0)\"" }.joined(separator: ", "))]}"
    }

    /// The policy text for `grants`.
    func policyText(_ grants: [String]) -> String {
        """
        {"tags": [\(tags.map { "\"\($0)\"" }.joined(separator: ", "))],
         "grants": [
        \(grants.joined(separator: ",\n"))
        ]}
        """
    }
}
