import Foundation
import MeshSim
import MeshStream
import MeshWire
import XCTest

/// The simulator proof: over many seeds of random network conditions (loss up to 20 %,
/// duplication, delay jitter that reorders, one temporary partition), several streams each
/// way deliver every byte exactly once and in order, and both sides agree on the close.
final class SimSweepTests: XCTestCase {
    struct Outcome {
        var bytes = 0
        var packets = 0
        var retransmits = 0
        var simSeconds = 0.0
        /// Seeds whose partition began before the initiator had everything.
        var partitionHit = 0
        var failures: [String] = []
    }

    /// Seeds to run: MESHSTREAM_SWEEP_SEEDS (read here, in the test only), default 1000.
    private var seedCount: Int {
        ProcessInfo.processInfo.environment["MESHSTREAM_SWEEP_SEEDS"].flatMap(Int.init) ?? 1000
    }

    func testSeedSweep() {
        let count = seedCount
        let started = Date()
        var total = Outcome()
        var failedSeeds: [UInt64] = []
        for seed in 0..<UInt64(count) {
            let outcome = Self.runSeed(seed)
            total.bytes += outcome.bytes
            total.packets += outcome.packets
            total.retransmits += outcome.retransmits
            total.simSeconds += outcome.simSeconds
            total.partitionHit += outcome.partitionHit
            if !outcome.failures.isEmpty {
                failedSeeds.append(seed)
                XCTFail("seed \(seed): \(outcome.failures.prefix(5).joined(separator: "; "))")
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        print(String(format: "stream sweep: %d seeds, %d failed, %.1f MB delivered, %d packets, %d retransmitted, partition during transfer in %d seeds, %.0f simulated s, %.1f s wall",
                     count, failedSeeds.count, Double(total.bytes) / 1e6, total.packets, total.retransmits,
                     total.partitionHit, total.simSeconds, elapsed))
        if !failedSeeds.isEmpty { print("stream sweep failed seeds: \(failedSeeds.prefix(50))") }
    }

    /// One seed: random conditions; 2–4 streams each way of 0–64 KB (0–12 KB with tiny datagrams); small send buffers so
    /// writes fall short and resume on `.writable`; on a third of the seeds the smallest
    /// flow-control windows (so credit runs out and MAX_STREAM_DATA / MAX_DATA must get
    /// through the loss), and datagram sizes from the minimum to 1452 bytes.
    static func runSeed(_ seed: UInt64) -> Outcome {
        var rng = SimRandom(seed: seed)
        let conditions = SimConditions.random(using: &rng, maxLoss: 0.2, horizon: .seconds(3))
        var config = StreamConfig(streamSendBuffer: 16 * 1024 + Int(rng.next() % 32_768),
                                  connectionSendBuffer: 48 * 1024, idleTimeout: .seconds(30))
        switch rng.next() % 6 {
        case 0: config.maxDatagramPayload = StreamConstants.minimumMaxDatagramPayload + Int(rng.next() % 200)
        case 1: config.maxDatagramPayload = 1452
        default: break
        }
        if rng.next() % 3 == 0 {
            config.initialStreamWindow = StreamConstants.initialMaxStreamData
            config.maxStreamWindow = 32 * 1024
            config.initialConnectionWindow = StreamConstants.initialMaxData
            config.maxConnectionWindow = StreamConstants.initialMaxData
        }
        var link = SimLink(seed: rng.next(), conditions: conditions, configA: config, configB: config)
        // Tiny datagrams carry less per packet: keep their streams shorter.
        let maxStream = UInt64(config.maxDatagramPayload < 600 ? 12_288 : 65_536)
        let planA = (0..<(2 + Int(rng.next() % 3))).map { _ in Int(rng.next() % (maxStream + 1)) }
        let planB = (0..<(2 + Int(rng.next() % 3))).map { _ in Int(rng.next() % (maxStream + 1)) }
        let salt = rng.next()
        var appA = StreamApp(plan: planA, peerPlan: PumpTests.peerPlan(planB, opener: .responder),
                             salt: salt, rng: rng.fork(), maxReadChunk: 1 + Int(rng.next() % 16_384))
        var appB = StreamApp(plan: planB, peerPlan: PumpTests.peerPlan(planA, opener: .initiator),
                             salt: salt, rng: rng.fork(), maxReadChunk: 1 + Int(rng.next() % 16_384))
        var outcome = Outcome()
        appA.start(&link.a)
        appB.start(&link.b)
        var closeSent = false
        let deadline = Instant.zero + .seconds(900)
        var steps = 0
        while steps < 5_000_000, link.step(until: deadline) {
            steps += 1
            appA.handleEvents(&link.a)
            appB.handleEvents(&link.b)
            if !closeSent, appA.allDone {
                closeSent = true
                if conditions.partitions[0].lowerBound < link.now { outcome.partitionHit = 1 }
                link.a.close(code: 0)
                appA.handleEvents(&link.a)
            }
            if link.a.isClosed, link.b.isClosed { break }
        }
        outcome.bytes = appA.bytesReceived + appB.bytesReceived
        outcome.packets = link.a.stats.packetsSent + link.b.stats.packetsSent
        outcome.retransmits = link.a.stats.retransmittedPackets + link.b.stats.retransmittedPackets
        outcome.simSeconds = Double(link.now.nanoseconds) / 1e9
        var f = appA.failures.map { "initiator: \($0)" } + appB.failures.map { "responder: \($0)" }
        if !appA.allDone { f.append("initiator did not finish: \(appA.incoming.mapValues { "\($0.read)/\($0.size)" })") }
        if !appB.allReceived { f.append("responder did not finish: \(appB.incoming.mapValues { "\($0.read)/\($0.size)" })") }
        if appA.closeReason != .closedLocally(code: 0) { f.append("initiator close: \(String(describing: appA.closeReason))") }
        if appB.closeReason != .closedByPeer(code: 0, reason: "") { f.append("responder close: \(String(describing: appB.closeReason))") }
        if !(link.a.isClosed && link.b.isClosed) { f.append("not both closed at \(link.now)") }
        if appA.peakUnacknowledged > config.connectionSendBuffer || appB.peakUnacknowledged > config.connectionSendBuffer {
            f.append("send buffer exceeded: \(appA.peakUnacknowledged), \(appB.peakUnacknowledged)")
        }
        if link.largestPayload > config.maxDatagramPayload {
            f.append("a payload of \(link.largestPayload) bytes exceeds \(config.maxDatagramPayload)")
        }
        if !f.isEmpty { f.append("conditions: \(conditions) plans \(planA) / \(planB) datagram \(config.maxDatagramPayload) window \(config.initialStreamWindow) steps \(steps)") }
        outcome.failures = f
        return outcome
    }
}
