// Netmap building at scale: 10,000 nodes, 50 tags, 1,000 grants. For each kind of change,
// the incremental builder (rebuild only the netmaps the change affects) beside a naive
// full recompute (rebuild every netmap), in the same run. Every netmap is built, encoded
// once and signed with Ed25519, as the coordinator would before pushing it.
//
// Times are wall time and the CPU time of all threads (netmaps are sealed on every core;
// see `measure`).
//
// Usage: CoordinatorBench [NODES] [GRANTS] [SAMPLES]   (defaults 10000 1000 25)
import ControlCore
import MeshCrypto
import MeshWire
import Policy

let loadAtStart = loadAverage()
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let nodeCount = arguments.count > 0 ? arguments[0] : 10_000
let grantCount = arguments.count > 1 ? arguments[1] : 1_000
let samples = arguments.count > 2 ? arguments[2] : 25
let tagCount = 50

var mesh = SyntheticMesh(nodeCount: nodeCount, tagCount: tagCount, grantCount: grantCount, seed: 2026)
var rng = SplitMix64(seed: 7)
let coordinator = IdentitySecretKey.generate(using: &rng)
let configuration = NetmapBuilder.Configuration(coordinatorEndpoints: [HostPort("coord.example.net:41641")!])
var grants = mesh.grants
var policyVersion: UInt64 = 1
let (policy, parseTime) = try measure { try PolicyFile.parse(mesh.policyText(grants)) }
var now = mesh.start

/// Size statistics of a set of built netmaps.
struct BuildStats {
    var count = 0
    var bytes = 0
    var maxBytes = 0
    var peers = 0
    var maxPeers = 0

    mutating func add(_ signed: SignedNetmap) {
        count += 1
        bytes += signed.bytes.count
        maxBytes = max(maxBytes, signed.bytes.count)
        peers += signed.netmap.peers.count
        maxPeers = max(maxPeers, signed.netmap.peers.count)
    }
}

/// Builds (encodes, signs) the netmaps of `ids` in one batch, as the coordinator does for
/// the ids a change returns; the bytes are counted and dropped. Building every netmap goes
/// in batches of 1,000, so that 10,000 signed netmaps (94 MB) are not all held at once.
func build(_ ids: some Sequence<Netmap.NodeID>, with builder: inout NetmapBuilder,
           now: Netmap.Time) throws -> BuildStats {
    var stats = BuildStats()
    let all = Array(ids)
    for start in stride(from: 0, to: all.count, by: 1_000) {
        for signed in try builder.build(for: Set(all[start..<min(start + 1_000, all.count)]), now: now) { stats.add(signed) }
    }
    return stats
}

/// The anchor: recompute every node's netmap from the current nodes and policy.
func naiveRecompute(nodes: [MeshNode], policy: PolicyFile, version: UInt64,
                    now: Netmap.Time) throws -> (BuildStats, Timing) {
    try measure {
        var fresh = try NetmapBuilder(coordinator: coordinator, configuration: configuration, policy: policy,
                                      policyVersion: version, nodes: nodes)
        return try build(fresh.liveNodeIDs, with: &fresh, now: now)
    }
}

// MARK: Build everything once.

var (builder, setupTime) = try measure {
    try NetmapBuilder(coordinator: coordinator, configuration: configuration, policy: policy,
                      policyVersion: policyVersion, nodes: mesh.nodes)
}
let (initial, buildAllTime) = try measure { try build(builder.liveNodeIDs, with: &builder, now: now) }
let (naiveInitial, naiveAllTime) = try naiveRecompute(nodes: mesh.nodes, policy: policy, version: policyVersion, now: now)

// MARK: Incremental changes, `samples` of each kind.

struct Samples {
    var times: [Timing] = []
    var counts: [Int] = []

    mutating func add(_ time: Timing, _ count: Int) {
        times.append(time)
        counts.append(count)
    }

    func median<T: Comparable>(_ xs: [T]) -> T { xs.sorted()[xs.count / 2] }
    var cpuText: String { "\(median(times.map(\.cpu)).text) / \(times.map(\.cpu).max()!.text)" }
    var wallText: String { "\(median(times.map(\.wall)).text) / \(times.map(\.wall).max()!.text)" }
    var countText: String { "\(median(counts)) / \(counts.max()!)" }
}

var tagChanges = Samples(), joins = Samples(), policyEdits = Samples(), endpointMoves = Samples()

let machineBeforeChanges = MachineCPU.now()
let changesStart = ContinuousClock.now
for i in 0..<samples {
    now = now + .seconds(1)

    // One node's tags change: one of its tags is swapped for one it does not hold.
    let index = Int.random(in: 0..<mesh.nodes.count, using: &rng)
    var node = mesh.nodes[index]
    let dropped = node.tags.sorted().randomElement(using: &rng)!
    let added = mesh.tags.filter { !node.tags.contains($0) }.randomElement(using: &rng)!
    node.tags.remove(dropped)
    node.tags.insert(added)
    mesh.nodes[index] = node
    let (tagStats, tagTime) = try measure { try build(builder.tagsChanged(node.id, to: node.tags), with: &builder, now: now) }
    tagChanges.add(tagTime, tagStats.count)

    // A node joins.
    let joiner = mesh.makeNode(number: mesh.nodes.count)
    mesh.nodes.append(joiner)
    let (joinStats, joinTime) = try measure { try build(builder.nodeJoined(joiner), with: &builder, now: now) }
    joins.add(joinTime, joinStats.count)

    // One grant of the policy is replaced by another (parsing is not timed: both ways parse).
    grants[Int.random(in: 0..<grants.count, using: &rng)] = mesh.makeGrant()
    let edited = try PolicyFile.parse(mesh.policyText(grants))
    policyVersion += 1
    let version = policyVersion
    let (policyStats, policyTime) = try measure {
        try build(builder.policyReplaced(edited, version: version), with: &builder, now: now)
    }
    policyEdits.add(policyTime, policyStats.count)

    // A node moves (new public endpoint).
    var mover = mesh.nodes[Int.random(in: 0..<mesh.nodes.count, using: &rng)]
    mover.endpoints = [HostPort("198.51.100.\(i % 250 + 1):\(50000 + i)")!]
    mesh.nodes[Int(mover.id.rawValue) - 1] = mover
    let (moveStats, moveTime) = try measure {
        try build(builder.endpointsChanged(mover.id, to: mover.endpoints), with: &builder, now: now)
    }
    endpointMoves.add(moveTime, moveStats.count)
}
let changesWall = ContinuousClock.now - changesStart
let machineAfterChanges = MachineCPU.now()
let memoryAfterIncremental = peakMemoryMiB()

// MARK: The naive side: after each kind of change, everything is recomputed.

let currentPolicy = builder.policy.file
var naive: [Timing] = []
for _ in 0..<4 {
    let (stats, time) = try naiveRecompute(nodes: mesh.nodes, policy: currentPolicy, version: policyVersion, now: now)
    precondition(stats.count == builder.liveNodeIDs.count)
    naive.append(time)
}
let naiveCount = builder.liveNodeIDs.count
let memoryAtEnd = peakMemoryMiB()

// MARK: The table.

func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0, (s.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return out
}

var rows: [(String, String, String)] = [
    ("build all netmaps: wall", buildAllTime.wall.text, naiveAllTime.wall.text),
    ("build all netmaps: CPU, all threads", buildAllTime.cpu.text, naiveAllTime.cpu.text),
    ("build all netmaps: netmaps", grouped(initial.count), grouped(naiveInitial.count)),
]
for (i, (name, samples)) in [("one tag change", tagChanges), ("one node joins", joins),
                             ("one grant changed", policyEdits), ("one node moves", endpointMoves)].enumerated() {
    rows.append(("\(name): wall (median / max)", samples.wallText, naive[i].wall.text))
    rows.append(("\(name): CPU, all threads (median / max)", samples.cpuText, naive[i].cpu.text))
    rows.append(("\(name): netmaps rebuilt (median / max)", samples.countText, grouped(naiveCount)))
}
rows.append(("peak memory (getrusage maxrss)", "\(String(format1: memoryAfterIncremental, digits: 0)) MiB",
             "\(String(format1: memoryAtEnd, digits: 0)) MiB (whole run)"))

print("Load average (1 min) at start \(loadAtStart ?? "?"), at end \(loadAverage() ?? "?"); "
      + "netmaps sealed on up to \(activeProcessors()) threads")
if let before = machineBeforeChanges, let after = machineAfterChanges {
    let others = before.others(until: after, wall: changesWall)
    print("While the incremental changes ran, other processes kept \(String(format1: others.busy, digits: 2)) "
          + "of the \(activeProcessors()) CPUs busy on average (hypervisor steal \(String(format1: others.steal, digits: 2)); /proc/stat)")
}
print("Coordinator netmaps: \(grouped(nodeCount)) nodes, \(tagCount) tags (1–3 per node), \(grouped(grantCount)) grants; \(samples) samples of each change")
print("Netmaps: \(String(format1: Double(initial.peers) / Double(max(initial.count, 1)), digits: 1)) peers on average (max \(initial.maxPeers)), "
      + "\(grouped(initial.bytes / max(initial.count, 1))) bytes on average (max \(grouped(initial.maxBytes))), "
      + "\(grouped(initial.bytes)) bytes in all; policy parse \(parseTime.cpu.text), builder setup \(setupTime.cpu.text)")
print("")
let width = rows.map(\.0.count).max()!
let widthA = max(rows.map(\.1.count).max()!, "incremental".count)
print("| \("".padded(width)) | \("incremental".padded(widthA)) | naive full recompute |")
print("|\(String(repeating: "-", count: width + 2))|\(String(repeating: "-", count: widthA + 2))|----------------------|")
for (label, a, b) in rows {
    print("| \(label.padded(width)) | \(a.padded(widthA)) | \(b) |")
}
