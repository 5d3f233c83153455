import MeshSim
import MeshStream
import MeshWire
import XCTest

/// Two connections pumped against each other in one process.
final class PumpTests: XCTestCase {
    /// Runs both apps until both are done and closed, or the sim clock passes `limit`.
    private func run(_ link: inout SimLink, _ appA: inout StreamApp, _ appB: inout StreamApp,
                     limit: Duration = .seconds(600), file: StaticString = #filePath, line: UInt = #line) {
        appA.start(&link.a)
        appB.start(&link.b)
        var closing = false
        let deadline = Instant.zero + limit
        while link.step(until: deadline) {
            appA.handleEvents(&link.a)
            appB.handleEvents(&link.b)
            if !closing, appA.allDone {
                closing = true
                link.a.close(code: 0)
                appA.handleEvents(&link.a)
            }
            if link.a.isClosed && link.b.isClosed { break }
        }
        XCTAssertEqual(appA.failures, [], file: file, line: line)
        XCTAssertEqual(appB.failures, [], file: file, line: line)
        XCTAssertTrue(appA.allDone, "initiator not done", file: file, line: line)
        XCTAssertTrue(appB.allReceived, "responder did not receive everything", file: file, line: line)
        XCTAssertEqual(appA.closeReason, .closedLocally(code: 0), file: file, line: line)
        XCTAssertEqual(appB.closeReason, .closedByPeer(code: 0, reason: ""), file: file, line: line)
    }

    func testStreamsBothWaysOverPerfectNetwork() {
        var link = SimLink(seed: 1, conditions: .perfect)
        let planA = [100_000, 0, 5]
        let planB = [70_000, 1]
        var appA = StreamApp(plan: planA, peerPlan: Self.peerPlan(planB, opener: .responder), salt: 7, rng: SimRandom(seed: 1))
        var appB = StreamApp(plan: planB, peerPlan: Self.peerPlan(planA, opener: .initiator), salt: 7, rng: SimRandom(seed: 2))
        run(&link, &appA, &appB)
        XCTAssertEqual(appB.bytesReceived, 100_005)
        XCTAssertEqual(appA.bytesReceived, 70_001)
        XCTAssertEqual(link.a.stats.packetsLost, 0)
        XCTAssertLessThanOrEqual(link.largestPayload, StreamConstants.defaultMaxDatagramPayload)
    }

    /// The smallest datagram size: every frame header and ACK has to fit in 64 bytes, and
    /// writes and reads go one byte at a time.
    func testTinyDatagramsDripFeed() {
        let config = StreamConfig(maxDatagramPayload: StreamConstants.minimumMaxDatagramPayload)
        var link = SimLink(seed: 2, conditions: SimConditions(delay: .microseconds(200)), configA: config, configB: config)
        let a = link.a.openStream()!
        let b = link.b.openStream()!
        let message = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var sentA = 0, sentB = 0
        var gotAtB: [UInt8] = [], gotAtA: [UInt8] = []
        var finA = false, finB = false
        let deadline = Instant.zero + .seconds(120)
        var steps = 0
        while steps < 2_000_000 {
            steps += 1
            if sentA < message.count, link.a.write(message[sentA..<(sentA + 1)], to: a) == 1 { sentA += 1 }
            if sentA == message.count { link.a.finish(a) }
            if sentB < message.count, link.b.write(message[sentB..<(sentB + 1)], to: b) == 1 { sentB += 1 }
            if sentB == message.count { link.b.finish(b) }
            while let e = link.b.pollEvent() {
                if case .finished(a) = e { finB = true }
            }
            while let e = link.a.pollEvent() {
                if case .finished(b) = e { finA = true }
            }
            gotAtB += link.b.read(from: a, max: 1)
            gotAtA += link.a.read(from: b, max: 1)
            while let e = link.b.pollEvent() { if case .finished(a) = e { finB = true } }
            while let e = link.a.pollEvent() { if case .finished(b) = e { finA = true } }
            if finA, finB { break }
            if !link.step(until: deadline) && sentA == message.count && sentB == message.count
                && link.a.readableBytes(on: b) == 0 && link.b.readableBytes(on: a) == 0 {
                break
            }
        }
        XCTAssertEqual(gotAtB, message)
        XCTAssertEqual(gotAtA, message)
        XCTAssertTrue(finA && finB, "FIN not seen on both sides")
        XCTAssertLessThanOrEqual(link.largestPayload, StreamConstants.minimumMaxDatagramPayload)
    }

    /// Streams with data share the packets round-robin: a bulk stream does not starve others.
    func testStreamsShareTheLinkRoundRobin() {
        var link = SimLink(seed: 3, conditions: SimConditions(delay: .milliseconds(10)))
        let bulk = link.a.openStream()!
        let other = link.a.openStream()!
        let third = link.a.openStream()!
        for id in [bulk, other, third] { link.a.write([UInt8](repeating: 1, count: 3_000_000), to: id) }
        var got: [StreamID: Int] = [bulk: 0, other: 0, third: 0]
        let end = Instant.zero + .milliseconds(1500)
        while link.step(until: end) {
            for id in [bulk, other, third] { got[id]! += link.b.read(from: id).count }
        }
        let total = got.values.reduce(0, +)
        XCTAssertGreaterThan(total, 300_000)
        for id in [bulk, other, third] {
            XCTAssertGreaterThan(Double(got[id]!), Double(total) * 0.3, "stream \(id) got \(got[id]!) of \(total)")
        }
    }

    static func peerPlan(_ plan: [Int], opener: ConnectionRole) -> [StreamID: Int] {
        var out: [StreamID: Int] = [:]
        for (i, size) in plan.enumerated() { out[StreamID(index: UInt64(i), opener: opener)] = size }
        return out
    }
}
