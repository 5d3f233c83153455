import MeshCrypto
import MeshWire
import NIOCore
import NIOPosix
import XCTest

@testable import MeshNet

/// Many datagrams between two real endpoints: every one that arrives is authentic and
/// arrives at most once, and batching (GSO/GRO where the kernel has them) is exercised.
final class BulkTransferTests: XCTestCase {
    func testTwentyThousandDatagramsArriveAuthenticatedAtMostOnce() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (a, b) = try await connectedPair(group: group)
        try await b.update { $0.bulk = BulkCheck() }

        let total = 20_000
        let size = 1_200
        let chunk = 200
        // Handshake first, so that nothing is staged.
        try await a.endpoint.send(BulkCheck.payload(index: UInt64(total), size: size), to: b.key).get()
        _ = await eventually { (try? await b.read { $0.bulk!.seen.count }) == 1 }

        let clock = ContinuousClock()
        let start = clock.now
        var sent = 0
        while sent < total {
            let batch = (sent..<min(sent + chunk, total)).map { BulkCheck.payload(index: UInt64($0), size: size) }
            try await a.endpoint.send(batch: batch, to: b.key).get()
            sent += batch.count
            // Keep at most ~5 chunks in flight so the receiver's socket buffer is not the test.
            _ = await eventually(timeout: .seconds(5)) {
                ((try? await b.read { $0.bulk!.seen.count }) ?? 0) + 5 * chunk >= sent + 1
            }
        }
        _ = await eventually(timeout: .seconds(10)) {
            (try? await b.read { $0.bulk!.seen.count }) == total + 1
        }
        let elapsed = clock.now - start

        let (seen, duplicates, corrupt) = try await b.read { ($0.bulk!.seen.count - 1, $0.bulk!.duplicates, $0.bulk!.corrupt) }
        let statsA = try await a.endpoint.stats().get()
        let statsB = try await b.endpoint.stats().get()
        print("bulk: \(seen)/\(total) datagrams of \(size) B in \(elapsed); "
              + "sender: \(statsA.shell.writes) writes, \(statsA.shell.gsoSends) GSO sends (\(statsA.shell.gsoSegments) segments), "
              + "\(statsA.shell.flushes) flushes; receiver: \(statsB.shell.datagramsRead) read in \(statsB.shell.readBatches) batches, "
              + "\(statsB.shell.groSuperDatagrams) GRO super-datagrams (\(statsB.shell.groSegments) segments); socket: \(statsB.socket)")

        XCTAssertEqual(corrupt, 0, "every delivered payload is the one that was sent")
        XCTAssertEqual(duplicates, 0, "no payload and no counter is delivered twice")
        XCTAssertEqual(statsB.sessions.dataDecryptFailed, 0)
        XCTAssertEqual(statsB.sessions.replayedData, 0)
        // Loopback with pacing loses nothing in practice; allow a little for a busy machine.
        XCTAssertGreaterThanOrEqual(seen, total * 99 / 100, "at most 1% lost on loopback")
        if statsA.socket.segmentationOffload {
            XCTAssertGreaterThan(statsA.shell.gsoSends, 0, "GSO is on, so runs of equal datagrams went out as super-datagrams")
        }
        XCTAssertLessThan(statsA.shell.flushes, total / 10, "one flush per batch, not per datagram")

        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
        try await group.shutdownGracefully()
    }

    /// Without any offload or vector reads, the same path still works (the fallback on
    /// kernels and systems without them).
    func testWithoutOffloadsOrVectorReads() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var configuration = MeshEndpointConfiguration()
        configuration.segmentationOffload = false
        configuration.receiveOffload = false
        configuration.vectorReadCount = 0
        let (a, b) = try await connectedPair(group: group, configuration: configuration)
        try await b.update { $0.bulk = BulkCheck() }
        // Handshake first: while it runs the core stages at most 128 payloads.
        try await a.endpoint.send(BulkCheck.payload(index: 500, size: 1_000), to: b.key).get()
        _ = await eventually { (try? await b.read { $0.bulk!.seen.count }) == 1 }
        let batch = (0..<500).map { BulkCheck.payload(index: UInt64($0), size: 1_000) }
        try await a.endpoint.send(batch: batch, to: b.key).get()
        let all = await eventually { (try? await b.read { $0.bulk!.seen.count }) == 501 }
        XCTAssertTrue(all)
        let statsA = try await a.endpoint.stats().get()
        XCTAssertEqual(statsA.shell.gsoSends, 0)
        XCTAssertEqual(statsA.socket.vectorReadCount, 0)
        try await a.endpoint.close().get()
        try await b.endpoint.close().get()
        try await group.shutdownGracefully()
    }
}
