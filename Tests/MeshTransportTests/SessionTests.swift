import XCTest
import MeshCrypto
import MeshSim
import MeshWire
@testable import MeshTransport

final class SessionTests: XCTestCase {
    private func pair(seed: UInt64 = 1, _ c: SimConditions = SimConditions(delay: .milliseconds(5))) -> Harness {
        var h = Harness(seed: seed, conditions: c)
        h.addNode(host: 0x0a00_0001)
        h.addNode(host: 0x0a00_0002)
        h.connect(0, 1)
        return h
    }

    func testHandshakeThenDataBothWays() {
        var h = pair()
        h.send(Array("hello".utf8), from: 0, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].delivered.map(\.payload), [Array("hello".utf8)])
        XCTAssertEqual(h.nodes[1].delivered.first?.from, h.nodes[0].publicKey)
        XCTAssertEqual(h.nodes[0].completed.map(\.1), [true])
        XCTAssertEqual(h.nodes[1].completed.map(\.1), [false])
        h.send(Array("back".utf8), from: 1, to: 0)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[0].delivered.map(\.payload), [Array("back".utf8)])
        // Exactly one handshake: initiation, response, then the data.
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 1)
        XCTAssertEqual(h.nodes[1].manager.stats.dropped, 0)
        XCTAssertNotNil(h.nodes[0].manager.nextSendCounter(to: h.nodes[1].publicKey, now: h.now))
        XCTAssertEqual(h.nodes[0].manager.status(of: h.nodes[1].publicKey)?.hasSession, true)
    }

    func testCountersAreStrictlyIncreasingAcrossRekeys() {
        var h = pair()
        for _ in 0..<400 {
            h.send([1], from: 0, to: 1)
            h.send([2], from: 1, to: 0)
            h.run(for: .seconds(1))
        }
        XCTAssertGreaterThanOrEqual(h.nodes[0].manager.stats.handshakesInitiated + h.nodes[1].manager.stats.handshakesInitiated, 3,
                                    "400 s of traffic must rekey at least every 120 s")
        for node in h.nodes {
            XCTAssertEqual(node.delivered.count, 400)
            let counters = node.delivered.map(\.counter)
            XCTAssertEqual(counters, counters.sorted())
            XCTAssertEqual(Set(counters).count, counters.count)
        }
    }

    func testUnknownPeerGetsNoAnswerAtAll() {
        var h = pair()
        let stranger = h.addNode(host: 0x0a00_0009)
        // The stranger knows node 1's key and address, but node 1 does not allow it.
        try! h.nodes[stranger].manager.addPeer(h.nodes[1].publicKey, endpoint: h.nodes[1].address)
        let before = h.nodes[1].transmitted
        h.send([1, 2, 3], from: stranger, to: 1)
        h.run(for: .seconds(30))
        XCTAssertEqual(h.nodes[1].transmitted, before, "no reply of any kind")
        XCTAssertGreaterThanOrEqual(h.nodes[1].manager.stats.unknownPeer, 1)
        XCTAssertTrue(h.nodes[1].delivered.isEmpty)
        XCTAssertTrue(h.nodes[stranger].completed.isEmpty)
    }

    func testDuplicatedAndReplayedDataIsDeliveredOnce() {
        var h = pair()
        h.recordWire = true
        h.send([7], from: 0, to: 1)
        h.run(for: .seconds(1))
        let data = h.wire.filter { $0.bytes[0] == 4 && $0.bytes.count > 32 }
        XCTAssertEqual(data.count, 1)
        for _ in 0..<3 { h.inject(data[0].bytes, from: data[0].from, to: 1) }
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].delivered.count, 1)
        XCTAssertEqual(h.nodes[1].manager.stats.replayedData, 3)
    }

    func testReplayedInitiationIsIgnored() {
        var h = pair()
        h.recordWire = true
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        let initiation = h.wire.first { $0.bytes[0] == 1 }!
        let sentBefore = h.nodes[1].transmitted
        h.run(for: .seconds(2))
        h.inject(initiation.bytes, from: initiation.from, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].manager.stats.replayedInitiation, 1)
        XCTAssertEqual(h.nodes[1].transmitted, sentBefore, "a replayed initiation gets no response")
        // The session is undisturbed.
        h.send([2], from: 0, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].delivered.map(\.payload), [[1], [2]])
    }

    func testCorruptedTruncatedAndForgedPacketsAreDroppedAndCounted() {
        var h = pair()
        h.recordWire = true
        h.send([1, 2, 3, 4], from: 0, to: 1)
        h.run(for: .seconds(1))
        let data = h.wire.last { $0.bytes[0] == 4 && $0.bytes.count > 32 }!
        let initiation = h.wire.first { $0.bytes[0] == 1 }!
        var injected = 0
        // Every single-bit flip of a data packet and of an initiation.
        for packet in [data, initiation] {
            for i in 0..<packet.bytes.count {
                var b = packet.bytes
                b[i] ^= 0x01
                h.inject(b, from: packet.from, to: 1)
                injected += 1
            }
        }
        // Every truncation.
        for packet in [data, initiation] {
            for n in 0..<packet.bytes.count {
                h.inject(Array(packet.bytes.prefix(n)), from: packet.from, to: 1)
                injected += 1
            }
        }
        // Forgeries: random bytes with each type byte, and data under a guessed index.
        var rng = SimRandom(seed: 99)
        for t in 0...5 {
            for len in [0, 1, 16, 32, 64, 100, 156, 200] {
                var b = rng.bytes(len)
                if !b.isEmpty { b[0] = UInt8(t) }
                h.inject(b, from: SimAddress(host: 0x0b00_0001, port: 1), to: 1)
                injected += 1
            }
        }
        let stats0 = h.nodes[1].manager.stats
        h.run(for: .seconds(1))
        let stats = h.nodes[1].manager.stats
        XCTAssertEqual(stats.dropped - stats0.dropped, injected, "\(stats)")
        XCTAssertEqual(h.nodes[1].delivered.count, 1)
        XCTAssertTrue(h.nodes[1].endpointChanges.allSatisfy { $0.1 == h.nodes[0].address })
        // And the session still works both ways.
        h.send([5], from: 0, to: 1)
        h.send([6], from: 1, to: 0)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].delivered.last?.payload, [5])
        XCTAssertEqual(h.nodes[0].delivered.last?.payload, [6])
    }

    func testKeepaliveAfterTenSecondsOfOneWayTraffic() {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        let sent = h.nodes[1].manager.stats.keepalivesSent
        h.send([2], from: 0, to: 1)
        h.run(for: .seconds(9))
        XCTAssertEqual(h.nodes[1].manager.stats.keepalivesSent, sent)
        h.run(for: .seconds(2))
        XCTAssertEqual(h.nodes[1].manager.stats.keepalivesSent, sent + 1)
        // The keepalive reached node 0 and cancelled its "no answer" timer: no new handshake.
        h.run(for: .seconds(20))
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 1)
    }

    func testSilentPeerTriggersNewHandshakeAfterFifteenSeconds() {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        // Node 1 goes silent: everything it sends is lost from now on.
        h.net.setConditions(SimConditions(loss: 1), from: h.nodes[1].address, to: h.nodes[0].address)
        h.send([2], from: 0, to: 1)
        h.run(for: .seconds(14))
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 1)
        h.run(for: .seconds(2))
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 2)
    }

    func testRejectAfterTimeForcesAFreshHandshake() {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        h.run(for: .seconds(181))
        XCTAssertNil(h.nodes[0].manager.nextSendCounter(to: h.nodes[1].publicKey, now: h.now), "keys older than 180 s must not send")
        h.send([2], from: 0, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].delivered.map(\.payload), [[1], [2]])
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 2)
    }

    func testKeysAreZeroedAfter540Seconds() {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        h.run(for: .seconds(530))
        XCTAssertEqual(h.nodes[0].manager.status(of: h.nodes[1].publicKey)?.hasSession, true)
        h.run(for: .seconds(20))
        XCTAssertEqual(h.nodes[0].manager.status(of: h.nodes[1].publicKey)?.hasSession, false)
        XCTAssertEqual(h.nodes[1].manager.status(of: h.nodes[0].publicKey)?.hasSession, false)
        XCTAssertEqual(h.nodes[0].manager.indices.count, 0)
        XCTAssertEqual(h.nodes[1].manager.indices.count, 0)
        XCTAssertNil(h.nodes[0].manager.nextDeadline)
    }

    func testLostHandshakesAreRetriedWithJitterThenAbandoned() {
        var h = pair()
        h.net.setConditions(SimConditions(loss: 1), from: h.nodes[0].address, to: h.nodes[1].address)
        h.recordWire = true
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(100))
        let times = h.wire.filter { $0.bytes[0] == 1 }.map(\.arrival)
        XCTAssertGreaterThanOrEqual(times.count, 16)
        XCTAssertLessThanOrEqual(times.count, 19)
        let gaps = zip(times.dropFirst(), times).map { ($0 - $1) }
        XCTAssertTrue(gaps.allSatisfy { $0 >= .seconds(5) && $0 < .milliseconds(5334) }, "\(gaps)")
        XCTAssertGreaterThan(Set(gaps).count, 1, "retries carry jitter")
        XCTAssertEqual(h.nodes[0].failures, [h.nodes[1].publicKey])
        XCTAssertEqual(h.nodes[0].manager.stats.stagedDropped, 1)
        // Each initiation has a fresh timestamp and ephemeral.
        XCTAssertEqual(Set(h.wire.filter { $0.bytes[0] == 1 }.map { Array($0.bytes[8..<40]) }).count, times.count)
    }

    func testRoamingPeerIsAnsweredAtItsNewAddress() {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        let newAddress = SimAddress(host: 0x0c00_0001, port: 40000)
        h.nodes[0].address = newAddress
        h.send([2], from: 0, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].endpointChanges.last?.1, newAddress)
        XCTAssertEqual(h.nodes[1].manager.endpoint(of: h.nodes[0].publicKey), newAddress)
        h.send([3], from: 1, to: 0)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[0].delivered.map(\.payload), [[3]])
    }

    func testRestartedPeerIsReported() {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        h.restart(1)
        h.send([2], from: 1, to: 0)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[0].restarts, [h.nodes[1].publicKey])
        XCTAssertEqual(h.nodes[0].delivered.map(\.payload), [[2]])
    }

    func testHandshakeFloodSwitchesResponderToCookies() {
        var h = Harness(seed: 5, conditions: SimConditions(delay: .milliseconds(5)))
        h.addNode(host: 0x0a00_0001)
        h.addNode(host: 0x0a00_0002, underLoadThreshold: 8)
        h.connect(0, 1)
        // A flood of initiations from an attacker who knows node 1's public key (so mac1
        // is valid) but is not an allowed peer, from many source ports.
        var attacker = h.addNode(host: 0x0d00_0001)
        try! h.nodes[attacker].manager.addPeer(h.nodes[1].publicKey, endpoint: h.nodes[1].address)
        var flood: [[UInt8]] = []
        for _ in 0..<200 {
            h.restart(attacker)  // fresh state: a new initiation each time
            var actions: [SessionAction<SimAddress>] = []
            try! h.nodes[attacker].manager.send([0], to: h.nodes[1].publicKey, now: h.now, into: &actions)
            if case .transmit(let b, _)? = actions.first { flood.append(b) }
        }
        attacker = -1
        for (i, b) in flood.enumerated() {
            h.inject(b, from: SimAddress(host: 0x0d00_0001, port: UInt16(1000 + i)), to: 1)
        }
        // The legitimate peer starts its handshake in the middle of the flood.
        h.send([42], from: 0, to: 1)
        h.run(for: .seconds(20))
        let s = h.nodes[1].manager.stats
        XCTAssertGreaterThan(s.cookieRepliesSent, 150, "\(s)")
        XCTAssertLessThan(s.unknownPeer, 20, "under load most flood messages must not reach the DH: \(s)")
        XCTAssertEqual(h.nodes[0].manager.stats.cookieRepliesAccepted, 1)
        XCTAssertEqual(h.nodes[1].delivered.map(\.payload), [[42]], "the legitimate peer gets through with its cookie")
    }

    func testInvalidMAC1IsDroppedBeforeAnyWork() {
        var h = pair()
        h.recordWire = true
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        var initiation = h.wire.first { $0.bytes[0] == 1 }!.bytes
        initiation[WireSize.initiationMAC1] ^= 0xff
        h.inject(initiation, from: h.nodes[0].address, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].manager.stats.invalidMAC1, 1)
    }

    func testPeerSetIsEnforcedAndRemovalZeroesState() throws {
        var h = pair()
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        h.nodes[1].manager.removePeer(h.nodes[0].publicKey)
        XCTAssertEqual(h.nodes[1].manager.indices.count, 0)
        h.send([2], from: 0, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[1].delivered.count, 1)
        XCTAssertGreaterThanOrEqual(h.nodes[1].manager.stats.unknownIndex, 1)
        var actions: [SessionAction<SimAddress>] = []
        XCTAssertThrowsError(try h.nodes[1].manager.send([1], to: h.nodes[0].publicKey, now: h.now, into: &actions))
        XCTAssertThrowsError(try h.nodes[1].manager.addPeer(h.nodes[1].publicKey))
    }
}

final class SessionLimitTests: XCTestCase {
    func testRekeyAfterMessagesAndRejectAfterMessages() throws {
        var h = Harness(seed: 11, conditions: SimConditions(delay: .milliseconds(5)))
        h.addNode(host: 0x0a00_0001)
        h.addNode(host: 0x0a00_0002)
        h.connect(0, 1)
        h.send([1], from: 0, to: 1)
        h.run(for: .seconds(1))
        let peerKey = try h.nodes[1].publicKey.noiseStaticKey()
        // Pretend the current keypair has sent 2^60 − 1 messages.
        let slot = try XCTUnwrap(h.nodes[0].manager.peers.slot(of: peerKey))
        let first = h.nodes[0].manager.peers[peerKey]!.current!.firstSendCounter
        h.nodes[0].manager.peers[slot].sendCounter = first + SessionConstants.rekeyAfterMessages - 1
        h.send([2], from: 0, to: 1)
        h.run(for: .milliseconds(1))
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 1, "2^60 − 1 messages: no rekey yet")
        h.send([3], from: 0, to: 1)
        h.run(for: .seconds(1))
        XCTAssertEqual(h.nodes[0].manager.stats.handshakesInitiated, 2, "the 2^60th message triggers a rekey")
        XCTAssertEqual(h.nodes[1].delivered.map(\.payload), [[1], [2], [3]])
        // Counters continue across the rekey: the new keypair starts where the old stopped.
        XCTAssertEqual(h.nodes[0].manager.peers[peerKey]!.current!.firstSendCounter, first + SessionConstants.rekeyAfterMessages + 1)
        // At the reject limit nothing more is sent on any keypair.
        h.nodes[0].manager.peers[slot].sendCounter = SessionConstants.rejectAfterMessages
        XCTAssertNil(h.nodes[0].manager.nextSendCounter(to: h.nodes[1].publicKey, now: h.now))
    }
}

final class AdmissionTests: XCTestCase {
    func testAdmittingResponderLearnsIdentitiesUpToItsLimit() throws {
        var h = Harness(seed: 21, conditions: SimConditions(delay: .milliseconds(2)))
        let server = h.addNode(host: 0x0a00_0001)
        let config = SessionConfig(wallClockAtZero: h.wallClock, admission: .any(maxAdmitted: 2))
        h.nodes[server].manager = SessionManager(identity: h.nodes[server].identity, config: config, rng: SimRandom(seed: 1))
        var clients: [Int] = []
        for i in 0..<3 {
            let c = h.addNode(host: 0x0a00_0010 + UInt32(i))
            try h.nodes[c].manager.addPeer(h.nodes[server].publicKey, endpoint: h.nodes[server].address)
            clients.append(c)
        }
        for c in clients { h.send([UInt8(c)], from: c, to: server) }
        h.run(for: .seconds(2))
        let known = Set(h.nodes[server].manager.peerIdentities)
        XCTAssertEqual(known, Set(clients.prefix(2).map { h.nodes[$0].publicKey }), "the first two are admitted, by their real identity")
        XCTAssertEqual(h.nodes[server].manager.stats.peersAdmitted, 2)
        XCTAssertGreaterThanOrEqual(h.nodes[server].manager.stats.unknownPeer, 1)
        XCTAssertEqual(h.nodes[server].delivered.map(\.payload).sorted { $0[0] < $1[0] }, clients.prefix(2).map { [UInt8($0)] })
        // Removing one frees a slot for the third, which keeps retrying.
        h.nodes[server].manager.removePeer(h.nodes[clients[0]].publicKey)
        h.run(for: .seconds(10))
        XCTAssertTrue(h.nodes[server].manager.peerIdentities.contains(h.nodes[clients[2]].publicKey))
        XCTAssertEqual(h.nodes[server].delivered.last?.payload, [UInt8(clients[2])])
    }

    func testInitiationWhoseIdentityDoesNotMatchItsStaticKeyIsDropped() throws {
        let a = IdentitySecretKey.generate(), b = IdentitySecretKey.generate(), liar = IdentitySecretKey.generate()
        var rng = SimRandom(seed: 3)
        let payload = Handshake.InitiationPayload(timestamp: Timestamp(unixNanoseconds: 1_800_000_000_000_000_000),
                                                  epoch: 1, identity: liar.publicKey)
        let (msg, _) = try Handshake.createInitiation(localStatic: a.noiseStaticKey(), remoteStatic: b.noiseStaticKey().publicKey,
                                                      localIndex: SessionIndex(1), payload: payload, rng: &rng)
        let (_, rs, parsed) = try Handshake.consumeInitiation(msg, localStatic: b.noiseStaticKey())
        XCTAssertEqual(rs, a.noiseStaticKey().publicKey)
        XCTAssertNil(parsed, "the claimed identity must convert to the authenticated static key")
    }
}
