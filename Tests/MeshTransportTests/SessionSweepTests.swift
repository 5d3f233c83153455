import Foundation
import XCTest
import MeshCrypto
import MeshSim
import MeshWire
@testable import MeshTransport

/// The seeded-simulator proof for sessions: over many seeds mixing loss up to 20 %,
/// duplication, delay jitter (reordering), corruption and a temporary partition, with
/// forged and replayed packets injected, across several rekeys:
/// - every datagram a session accepts is one its peer sent, and is accepted at most once;
/// - once the network heals, both sides still have a working session.
final class SessionSweepTests: XCTestCase {
    struct Outcome: Sendable {
        var seed: UInt64
        var failure: String?
        var delivered = 0
        var handshakes = 0
        var dropped = 0
    }

    static func runSeed(_ seed: UInt64) -> Outcome {
        var outcome = Outcome(seed: seed)
        var rng = SimRandom(seed: seed)
        let conditions = SimConditions.random(using: &rng, maxLoss: 0.2, horizon: .seconds(300),
                                              maxPartition: .seconds(20), maxCorruption: 0.01)
        var h = Harness(seed: seed, conditions: conditions)
        h.addNode(host: 0x0a00_0001)
        h.addNode(host: 0x0a00_0002)
        h.connect(0, 1)
        h.recordWire = true
        var sent: [[[UInt8]: Int]] = [[:], [:]]   // per sender: payload → count (always 1)
        var seq: UInt64 = 0
        let end = Instant.zero + .seconds(400)
        while h.now < end {
            let from = Int(rng.next() % 2)
            seq += 1
            var payload: [UInt8] = [UInt8(from)]
            Handshake.appendLE(&payload, seq)
            payload += rng.bytes(Int(rng.next() % 64))
            sent[from][payload] = 1
            h.send(payload, from: from, to: 1 - from)
            // Now and then, an attacker replays or forges a packet at either node.
            if rng.chance(0.05), !h.wire.isEmpty {
                let old = h.wire[Int(rng.next() % UInt64(h.wire.count))]
                var bytes = old.bytes
                if rng.chance(0.5), bytes.count > 20 { bytes[Int(rng.next() % UInt64(bytes.count))] ^= 0x20 }
                let target = h.nodes.firstIndex { $0.address == old.to } ?? 0
                h.inject(bytes, from: rng.chance(0.5) ? old.from : SimAddress(host: 0x0e00_0001, port: 9), to: target)
            }
            if h.wire.count > 256 { h.wire.removeFirst(128) }
            h.run(for: .milliseconds(Int64(100 + rng.next() % 900)))
        }
        // Heal the network; after the sessions recover, both directions must work.
        h.net.conditions = SimConditions(delay: .milliseconds(5))
        h.run(for: .seconds(30))
        let probes: [[UInt8]] = [[0xfe, 0], [0xfe, 1]]
        h.send(probes[0], from: 0, to: 1)
        h.send(probes[1], from: 1, to: 0)
        h.run(for: .seconds(20))

        for receiver in 0..<2 {
            let sender = 1 - receiver
            var seen = Set<[UInt8]>()
            for d in h.nodes[receiver].delivered {
                guard d.from == h.nodes[sender].publicKey else {
                    outcome.failure = "node \(receiver) accepted a datagram attributed to a stranger"
                    return outcome
                }
                guard sent[sender][d.payload] != nil || d.payload == probes[sender] else {
                    outcome.failure = "node \(receiver) accepted a datagram its peer never sent: \(d.payload.prefix(12))"
                    return outcome
                }
                guard seen.insert(d.payload).inserted else {
                    outcome.failure = "node \(receiver) accepted a datagram twice"
                    return outcome
                }
            }
            guard seen.contains(probes[sender]) else {
                if ProcessInfo.processInfo.environment["MESH_SIM_VERBOSE"] != nil {
                    for n in 0..<2 {
                        let m = h.nodes[n].manager
                        let p = m.peers[m.peers.occupied[0]]
                        print("node", n, "stats", m.stats)
                        print("  current", p.current.map { "\($0.localIndex) remote \($0.remoteIndex) created \($0.createdAt) init \($0.isInitiator)" } ?? "nil")
                        print("  previous", p.previous.map { "\($0.localIndex) remote \($0.remoteIndex) created \($0.createdAt)" } ?? "nil")
                        print("  next", p.next.map { "\($0.localIndex) remote \($0.remoteIndex) created \($0.createdAt)" } ?? "nil")
                        print("  pending", p.pending.map { "\($0.localIndex)" } ?? "nil", "staged", p.staged.count, "timers", p.retransmitHandshakeAt as Any, p.sendKeepaliveAt as Any, p.newHandshakeAt as Any, p.zeroKeysAt as Any, "now", h.now)
                        print("  completed", h.nodes[n].completed.count, "failures", h.nodes[n].failures.count)
                    }
                }
                outcome.failure = "node \(receiver) has no working session after the network healed (\(conditions))"
                return outcome
            }
            outcome.delivered += seen.count
            outcome.dropped += h.nodes[receiver].manager.stats.dropped
        }
        outcome.handshakes = h.nodes[0].manager.stats.handshakesCompleted + h.nodes[1].manager.stats.handshakesCompleted
        if outcome.handshakes < 4 {
            outcome.failure = "only \(outcome.handshakes) handshakes in 400 s: rekeying did not happen"
        }
        return outcome
    }

    func testThousandSeeds() {
        // MESH_SIM_SEEDS raises the count for longer soaks; MESH_SIM_VERBOSE prints the
        // state of both nodes for a failing seed.
        let seeds = UInt64(max(1000, ProcessInfo.processInfo.environment["MESH_SIM_SEEDS"].flatMap(Int.init) ?? 1000))
        let workers = 2
        // Each worker writes only its own slots.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Outcome>.allocate(capacity: Int(seeds))
        defer { results.deallocate() }
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var s = UInt64(w)
            while s < seeds {
                (results.baseAddress! + Int(s)).initialize(to: Self.runSeed(s))
                s += UInt64(workers)
            }
        }
        let all = Array(results)
        for o in all where o.failure != nil {
            XCTFail("seed \(o.seed): \(o.failure!)")
        }
        let delivered = all.reduce(0) { $0 + $1.delivered }
        let handshakes = all.reduce(0) { $0 + $1.handshakes }
        let dropped = all.reduce(0) { $0 + $1.dropped }
        print("session sweep: \(seeds) seeds, \(delivered) datagrams accepted, \(handshakes) handshakes, \(dropped) bad datagrams dropped, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(all.count, Int(seeds))
    }
}
