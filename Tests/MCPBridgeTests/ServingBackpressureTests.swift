import Foundation
import XCTest
@testable import MCPBridge

/// A peer writing faster than the stdio server reads: the session's transport pauses reading
/// its stream, so what the serving side holds stays bounded while the sender's writes stall
/// in the stream's window; once the server reads, everything flows again.
final class ServingBackpressureTests: XCTestCase {
    /// The stream layer's part, as a mesh stream plays it: what the sender writes waits in a
    /// receive buffer of at most `window` bytes and is handed on only while reading is not
    /// paused (a resume delivers asynchronously, as the agent's loop does).
    private final class WindowedStream: @unchecked Sendable {
        let window: Int
        let inbound = ByteStream.Inbound()
        private let lock = NSLock()
        private var buffer: [[UInt8]] = []
        private var buffered = 0
        private var paused = false
        private var delivering = false
        private var pauseCount = 0

        init(window: Int) { self.window = window }

        var byteStream: ByteStream {
            ByteStream(inbound: inbound, write: { _ in }, close: { [inbound] in inbound.finish() },
                       pauseReading: { [self] paused in
                           lock.withLock {
                               self.paused = paused
                               if paused { pauseCount += 1 }
                           }
                           if !paused { DispatchQueue.global().async { self.deliver() } }
                       })
        }

        var pauses: Int { lock.withLock { pauseCount } }
        var bufferedBytes: Int { lock.withLock { buffered } }

        /// The sender's write: false, nothing taken, while the window is full.
        func write(_ chunk: [UInt8]) -> Bool {
            let taken: Bool = lock.withLock {
                guard buffered + chunk.count <= window else { return false }
                buffer.append(chunk)
                buffered += chunk.count
                return true
            }
            if taken { deliver() }
            return taken
        }

        private func deliver() {
            while true {
                let chunk: [UInt8]? = lock.withLock {
                    guard !paused, !delivering, !buffer.isEmpty else { return nil }
                    delivering = true
                    buffered -= buffer[0].count
                    return buffer.removeFirst()
                }
                guard let chunk else { return }
                inbound.yield(chunk)
                lock.withLock { delivering = false }
            }
        }
    }

    override func setUp() {
        super.setUp()
        // A write to the stdin of a server already ended fails with EPIPE, not a signal.
        signal(SIGPIPE, SIG_IGN)
    }

    private struct Figures {
        var sent = 0
        var maxServingSide = 0
        var maxStdinPending = 0
    }

    /// 64 KiB of 1 KiB notifications.
    private static let chunk: [UInt8] = {
        let head = #"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":""#
        let tail = "\"}}\n"
        let line = head + String(repeating: "x", count: 1024 - head.utf8.count - tail.utf8.count) + tail
        precondition(line.utf8.count == 1024)
        return Array(String(repeating: line, count: 64).utf8)
    }()

    private static let window = 4 << 20
    private static let bound = 4 << 20

    /// Runs a session with a stdio server running `script` under `sh`, writes up to `total`
    /// bytes of notifications as fast as the window allows, and stops when they are all
    /// written or the window stayed full for `stall`.
    private func flood(script: String, total: Int, stall: Duration) async throws
        -> (Figures, WindowedStream, ByteStreamTransport, ServingSession, Task<ServingSession.End, Never>) {
        let stream = WindowedStream(window: Self.window)
        let client = ByteStreamTransport(stream: stream.byteStream)
        let upstream = StdioUpstream(
            config: StdioServerConfig(name: "slow", command: "/bin/sh", args: ["-c", script]),
            baseEnvironment: StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment))
        let session = ServingSession(peer: "laptop", server: "slow", grant: ToolGrant(globs: ["*"]),
                                     client: client, upstream: upstream, audit: { _ in })
        let run = Task { await session.run() }
        var figures = Figures()
        var blockedSince: ContinuousClock.Instant?
        while figures.sent < total {
            if stream.write(Self.chunk) {
                figures.sent += Self.chunk.count
                blockedSince = nil
            } else {
                let now = ContinuousClock.now
                if let since = blockedSince {
                    if now - since > stall { break }
                } else {
                    blockedSince = now
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            let pending = upstream.pendingInputBytes
            figures.maxStdinPending = max(figures.maxStdinPending, pending)
            figures.maxServingSide = max(figures.maxServingSide, client.queuedBytes + pending)
        }
        figures.maxServingSide = max(figures.maxServingSide, client.peakQueuedBytes + figures.maxStdinPending)
        return (figures, stream, client, session, run)
    }

    func testAServerThatNeverReadsStallsTheSenderWithBoundedMemory() async throws {
        let total = 64 << 20
        let (figures, stream, client, session, run) = try await flood(script: "exec sleep 30", total: total, stall: .seconds(1))
        print("never reads: sent \(figures.sent) of \(total) bytes; serving side held at most \(figures.maxServingSide) bytes "
              + "(stdin pending at most \(figures.maxStdinPending)); window held \(stream.bufferedBytes); pauses \(stream.pauses)")
        XCTAssertLessThan(figures.sent, total, "the sender's writes must stall")
        XCTAssertLessThanOrEqual(figures.sent, Self.bound + Self.window + 2 * Self.chunk.count)
        XCTAssertLessThanOrEqual(figures.maxServingSide, Self.bound, "the serving side must not buffer what the server does not read")
        XCTAssertTrue(client.readingPaused)
        XCTAssertGreaterThan(stream.bufferedBytes, Self.window - Self.chunk.count, "the rest waits in the stream's window")
        session.close(reason: "test over")
        let end = await run.value
        XCTAssertEqual(end.reason, "test over")
        XCTAssertFalse(client.readingPaused, "a closed session reads on (and drops) what still comes")
    }

    func testASlowServerGetsEverythingOnceItReads() async throws {
        let total = 32 << 20
        let (figures, stream, client, session, run) = try await flood(script: "sleep 1; exec 3>&1; exec cat >/dev/null", total: total,
                                                                      stall: .seconds(20))
        print("slow reader: sent \(figures.sent) of \(total) bytes; serving side held at most \(figures.maxServingSide) bytes; "
              + "pauses \(stream.pauses)")
        XCTAssertEqual(figures.sent, total, "the sender must get through once the server reads")
        XCTAssertGreaterThan(stream.pauses, 0)
        XCTAssertLessThanOrEqual(figures.maxServingSide, Self.bound)
        // Everything reaches the server: the window and the queue drain.
        let deadline = ContinuousClock.now + .seconds(20)
        while stream.bufferedBytes > 0 || client.queuedBytes > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertEqual(stream.bufferedBytes, 0)
        XCTAssertEqual(client.queuedBytes, 0)
        session.close(reason: "test over")
        let end = await run.value
        XCTAssertEqual(end.reason, "test over")
    }
}
