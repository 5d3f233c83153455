import Foundation
import MCP
import XCTest
@testable import MCPBridge

final class StdioUpstreamTests: XCTestCase {
    private func upstream(env: [String: String] = [:], base: [String: String]? = nil,
                          grace: Duration = .seconds(2)) throws -> StdioUpstream {
        let script = try TestServers.write(TestServers.stdioServer, named: "server.py")
        let config = StdioServerConfig(name: "test", command: TestServers.python, args: ["-u", script], env: env)
        let baseEnv = base ?? StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment)
        return StdioUpstream(config: config, baseEnvironment: baseEnv,
                             options: .init(terminationGrace: grace))
    }

    private func send(_ upstream: StdioUpstream, _ text: String) async throws {
        try await upstream.send(Data(text.utf8))
    }

    func testInitializeListAndCallOverStdio() async throws {
        let up = try upstream()
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#)
        let initialized = try await inbox.nextJSON()
        XCTAssertEqual(((initialized["result"] as? [String: Any])?["serverInfo"] as? [String: Any])?["name"] as? String, "test-server")
        try await send(up, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        let list = try await inbox.nextJSON()
        XCTAssertEqual(((list["result"] as? [String: Any])?["tools"] as? [Any])?.count, 6)
        try await send(up, #"{"jsonrpc":"2.0","id":"two","method":"tools/call","params":{"name":"echo","arguments":{"a":1}}}"#)
        let echo = try await inbox.nextJSON()
        XCTAssertEqual(echo["id"] as? String, "two")
        XCTAssertEqual(resultText(echo), #"{"a": 1}"#)
        await up.disconnect()
    }

    func testProcessIsEndedWhenTheSessionEnds() async throws {
        let up = try upstream(env: ["HANG_ON_EOF": "1"])
        try await up.connect()
        let maybePID = await up.processID
        let pid = try XCTUnwrap(maybePID)
        XCTAssertTrue(TestServers.isAlive(pid))
        let started = ContinuousClock.now
        await up.disconnect()
        XCTAssertFalse(TestServers.isAlive(pid), "pid \(pid) still running")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        let termination = await up.termination
        XCTAssertNotNil(termination)
        do {
            try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
            XCTFail("send after disconnect")
        } catch {}
    }

    func testServerIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let up = try upstream(env: ["IGNORE_SIGTERM": "1", "HANG_ON_EOF": "1"], grace: .milliseconds(300))
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        _ = try await inbox.next()  // the handler is installed by now
        let maybePID = await up.processID
        let pid = try XCTUnwrap(maybePID)
        let started = ContinuousClock.now
        await up.disconnect()
        let took = ContinuousClock.now - started
        XCTAssertFalse(TestServers.isAlive(pid))
        XCTAssertGreaterThanOrEqual(took, .milliseconds(250))
        XCTAssertLessThan(took, .seconds(3))
        let termination = await up.termination
        XCTAssertTrue(termination?.contains("9") == true, termination ?? "nil")
    }

    func testHelpersTheServerStartedAreEndedWithIt() async throws {
        let up = try upstream(env: ["SPAWN_CHILD": "1"])
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"info","arguments":{}}}"#)
        let reply = try await inbox.nextJSON()
        let info = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(resultText(reply)).utf8)) as? [String: Any]
        let child = try XCTUnwrap(info?["child"] as? Int)
        XCTAssertTrue(TestServers.isAlive(Int32(child)))
        await up.disconnect()
        let gone = await TestServers.waitUntilGone(Int32(child))
        XCTAssertTrue(gone, "grandchild \(child) survived")
    }

    func testEnvironmentIsTheMinimalBaseWithTheConfiguredVariablesOver() async throws {
        let base = StdioServerConfig.minimalEnvironment(from: ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "AWS_SECRET_ACCESS_KEY": "nope", "LANG": "C.UTF-8"])
        XCTAssertNil(base["AWS_SECRET_ACCESS_KEY"])
        let up = try upstream(env: ["GREETING": "hello", "HOME": "/srv"], base: base)
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"info","arguments":{"var":"GREETING"}}}"#)
        let reply = try await inbox.nextJSON()
        let info = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(resultText(reply)).utf8)) as? [String: Any]
        XCTAssertEqual(info?["var"] as? String, "hello")
        let keys = Set(info?["keys"] as? [String] ?? [])
        XCTAssertFalse(keys.contains("AWS_SECRET_ACCESS_KEY"))
        XCTAssertTrue(keys.isSuperset(of: ["PATH", "HOME", "GREETING", "LANG"]))
        await up.disconnect()
    }

    func testStderrIsCaptured() async throws {
        let up = try upstream()
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        _ = try await inbox.next()
        var tail = await up.stderrTail.text
        for _ in 0..<100 where !tail.contains("test server starting") {
            try await Task.sleep(for: .milliseconds(10))
            tail = await up.stderrTail.text
        }
        XCTAssertTrue(tail.contains("test server starting"), tail)
        await up.disconnect()
    }

    func testTenMegabyteResultArrivesIntact() async throws {
        let up = try upstream()
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{"size":10000000}}}"#)
        let response = try await inbox.nextJSON(timeout: .seconds(30))
        XCTAssertEqual(resultText(response)?.count, 10_000_000)
        await up.disconnect()
    }

    func testAnOutputReaderReadsStdoutWithBackpressure() async throws {
        let script = try TestServers.write(TestServers.stdioServer, named: "server.py")
        let reader = ThreadOutputReader()
        let up = StdioUpstream(config: StdioServerConfig(name: "test", command: TestServers.python, args: ["-u", script]),
                               baseEnvironment: StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment),
                               outputReader: reader)
        try await up.connect()
        // 10 MB waiting to be taken is more than the pipes queue: reading pauses until the
        // messages are taken, then resumes.
        try await send(up, #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"big","arguments":{"size":10000000}}}"#)
        for _ in 0..<1000 where reader.pauses == 0 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(reader.pauses, 1, "reading pauses while nobody takes the messages")
        let inbox = TestInbox.draining(up.receive())
        let response = try await inbox.nextJSON(timeout: .seconds(30))
        XCTAssertEqual(resultText(response)?.count, 10_000_000)
        try await send(up, #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"a":1}}}"#)
        let echo = try await inbox.nextJSON()
        XCTAssertEqual(echo["id"] as? Int, 2)
        XCTAssertEqual(reader.started, 1)
        let pid = try XCTUnwrapAsync(await up.processID)
        await up.disconnect()
        XCTAssertFalse(TestServers.isAlive(pid))
        let ended = await inbox.waitUntilFinished()
        XCTAssertTrue(ended)
    }

    func testMissingCommandFailsToLaunch() async throws {
        let up = StdioUpstream(config: StdioServerConfig(name: "ghost", command: "no-such-mcp-server-\(UUID().uuidString)"),
                               baseEnvironment: ["PATH": "/usr/bin:/bin"])
        do {
            try await up.connect()
            XCTFail("connected to a missing command")
        } catch let error as MCPBridgeError {
            guard case .launchFailed(let server, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(server, "ghost")
        }
    }

    func testServerExitingEndsTheMessages() async throws {
        let script = try TestServers.write("import sys\nsys.stdout.write('{\"jsonrpc\":\"2.0\",\"method\":\"bye\"}')\n", named: "exit.py")
        let up = StdioUpstream(config: StdioServerConfig(name: "short", command: TestServers.python, args: [script]),
                               baseEnvironment: StdioServerConfig.minimalEnvironment(from: ProcessInfo.processInfo.environment))
        try await up.connect()
        let inbox = TestInbox.draining(up.receive())
        let last = try await inbox.nextJSON()
        XCTAssertEqual(last["method"] as? String, "bye")
        let ended = await inbox.waitUntilFinished()
        XCTAssertTrue(ended)
        await up.disconnect()
        let termination = await up.termination
        XCTAssertEqual(termination, "exited(0)")
    }

    func testSDKClientWorksOverTheUpstream() async throws {
        let up = try upstream()
        let client = Client(name: "sdk-test", version: "1.0")
        _ = try await client.connect(transport: up)
        let tools = try await client.listTools()
        XCTAssertEqual(tools.tools.map(\.name).sorted(), ["big", "echo", "info", "read_file", "slow", "write_file"])
        let result = try await client.callTool(name: "echo", arguments: ["x": .string("y")])
        XCTAssertEqual(result.content.count, 1)
        await client.disconnect()
        let maybePID = await up.processID
        let pid = try XCTUnwrap(maybePID)
        let gone = await TestServers.waitUntilGone(pid)
        XCTAssertTrue(gone)
    }
}

/// A `StdioOutputReader` for tests: a thread of its own per pipe, polling it, counting pauses.
final class ThreadOutputReader: StdioOutputReader, @unchecked Sendable {
    private let lock = NSLock()
    private var pauseCount = 0, startCount = 0
    var pauses: Int { lock.withLock { pauseCount } }
    var started: Int { lock.withLock { startCount } }

    func start(reading descriptor: Int32, deliver: @escaping @Sendable ([UInt8]) -> Void,
               end: @escaping @Sendable ((any Error)?) -> Void) async throws -> any StdioOutputReading {
        lock.withLock { startCount += 1 }
        let reading = Reading(fd: descriptor, deliver: deliver, end: end) { [self] in lock.withLock { pauseCount += 1 } }
        Thread { reading.run() }.start()
        return reading
    }

    final class Reading: StdioOutputReading, @unchecked Sendable {
        private let fd: Int32
        private let deliver: @Sendable ([UInt8]) -> Void
        private let end: @Sendable ((any Error)?) -> Void
        private let paused: @Sendable () -> Void
        private let condition = NSCondition()
        private var isPaused = false, finishing = false

        init(fd: Int32, deliver: @escaping @Sendable ([UInt8]) -> Void, end: @escaping @Sendable ((any Error)?) -> Void,
             paused: @escaping @Sendable () -> Void) {
            (self.fd, self.deliver, self.end, self.paused) = (fd, deliver, end, paused)
        }

        func pause() {
            paused()
            condition.withLock { isPaused = true }
        }

        func resume() {
            condition.withLock {
                isPaused = false
                condition.broadcast()
            }
        }

        func finish() {
            condition.withLock {
                finishing = true
                condition.broadcast()
            }
        }

        func run() {
            var buffer = [UInt8](repeating: 0, count: 65536)
            defer { close(fd) }
            while true {
                let done: Bool = condition.withLock {
                    while isPaused, !finishing { condition.wait() }
                    return finishing
                }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&p, 1, 50)
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    deliver(Array(buffer[0..<n]))
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) || done {
                    return end(n < 0 && !done ? POSIXError(.init(rawValue: errno) ?? .EIO) : nil)
                }
            }
        }
    }
}
