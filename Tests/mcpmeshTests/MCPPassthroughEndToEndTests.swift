import Foundation
import XCTest

/// What passes through a mesh session besides plain calls, with real processes on loopback:
/// a nas publishes `scripts/mcp/test_server.py` twice, once as a stdio server ("tests") and
/// once as a Streamable HTTP server the test runs ("webtests", behind a bearer token given
/// in the config's `headers`); a laptop holds a grant for three of its four tools. For both:
/// a 10 MB result arrives intact, progress notifications arrive in order before the result,
/// a `notifications/cancelled` reaches the server, a denied tool is refused, and the
/// upstream ends with the session (the process, or the HTTP session by DELETE). The stdio
/// session's client talks to `mcpmesh connect` over pipes (which the agent serves itself),
/// the HTTP one's over sockets (which connect relays). Stopping the nas agent with SIGTERM
/// DELETEs the HTTP session still open.
final class MCPPassthroughEndToEndTests: MeshProcessTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = repo.appendingPathComponent(".build/mcp-venv/bin/python").path
    static let script = repo.appendingPathComponent("scripts/mcp/test_server.py").path
    static let blobSize = 10_000_000

    private var httpServer: Process?

    override func tearDown() {
        // SIGKILL: the test process's children may inherit a mask blocking SIGTERM.
        if let httpServer, httpServer.isRunning { kill(httpServer.processIdentifier, SIGKILL) }
        httpServer?.waitUntilExit()
        super.tearDown()
    }

    func testResultsNotificationsAndCancellationPassThrough() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            return XCTFail("\(Self.python) is missing: run scripts/mcp-venv.sh (scripts/test.sh does) before the tests")
        }
        let events = path("events.jsonl")
        let token = UUID().uuidString
        let httpPort = freeTCPPort()
        httpServer = try startHTTPServer(port: httpPort, token: token, events: events)

        let port = freeUDPPort()
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        let granted = ["blob", "count", "sleep"].flatMap { ["\"tests:\($0)\"", "\"webtests:\($0)\""] }.joined(separator: ", ")
        let policy = try writePolicy("policy.json", """
            { "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": [\(granted)] }] }
            """)
        XCTAssertEqual(try coordinator("policy", "set", policy).status, 0)
        let servers: [String: Any] = ["mcpServers": [
            "tests": ["command": Self.python, "args": ["-W", "ignore", Self.script], "env": ["TEST_SERVER_EVENTS": events]],
            "webtests": ["url": "http://127.0.0.1:\(httpPort)/mcp", "headers": ["Authorization": "Bearer \(token)"]],
        ]]
        try JSONSerialization.data(withJSONObject: servers).write(to: URL(fileURLWithPath: path("servers.json")))
        func join(_ name: String, _ tag: String, _ extra: [String] = []) throws -> MeshProcess {
            let key = try coordinator("joinkey", "create", "--tag", tag).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return try start("mcpmesh", ["up", "--join", key, "--state", path(name), "--name", name, "--listen", "127.0.0.1:0"] + extra,
                             log: "\(name).log")
        }
        let nas = try join("nas", "tag:nas", ["--config", path("servers.json")])
        _ = try join("laptop", "tag:laptop")
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "laptop") == ["nas"] })
        XCTAssertNotNil(waitUntil(timeout: 60) { eventLines(events).contains { $0["event"] as? String == "start" && $0["transport"] as? String == "http" } },
                        "the HTTP test server starts")

        // The stdio server: one process for the session, gone when the session ends.
        try exercise("tests", events: events, stdio: .pipes)
        let starts = eventLines(events).filter { $0["event"] as? String == "start" && $0["transport"] as? String == "stdio" }
        XCTAssertEqual(starts.count, 1, "one process for the one session")
        if let pid = starts.first?["pid"] as? Int32 {
            XCTAssertNotNil(waitUntil(timeout: 5) { kill(pid, 0) != 0 && errno == ESRCH },
                            "the stdio server (pid \(pid)) must end with its session")
        }

        // The HTTP server: one HTTP session, DELETEd when the mesh session ends.
        try exercise("webtests", events: events, stdio: .sockets)
        let opened = eventLines(events).filter { $0["event"] as? String == "session-opened" }.compactMap { $0["session"] as? String }
        XCTAssertEqual(opened.count, 1, "one HTTP session for the one mesh session")
        XCTAssertNotNil(waitUntil(timeout: 5) {
            eventLines(events).contains { $0["event"] as? String == "session-deleted" && $0["session"] as? String == opened.first
                && $0["status"] as? Int == 200 && ($0["open"] as? [String])?.isEmpty == true }
        }, "the HTTP session must be DELETEd when the mesh session ends: \(eventLines(events))")
        XCTAssertFalse(eventLines(events).contains { $0["event"] as? String == "unauthorized" },
                       "every request carries the configured Authorization header")
        XCTAssertFalse(eventLines(events).contains { $0["event"] as? String == "secret-called" }, "a denied call never reaches a server")
        let laptopLog = (try? String(contentsOfFile: path("laptop.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(laptopLog.contains("server=tests stdio=agent"), "pipes are served by the agent: \(laptopLog)")
        XCTAssertTrue(laptopLog.contains("server=webtests stdio=relayed"), "sockets are relayed by connect: \(laptopLog)")

        // The audit log has both cancelled calls as cancelled.
        let audit = auditLines()
        for server in ["tests", "webtests"] {
            XCTAssertTrue(audit.contains { $0["server"] as? String == server && $0["tool"] as? String == "sleep" && $0["outcome"] as? String == "cancelled" },
                          "\(server): \(audit)")
            XCTAssertTrue(audit.contains { $0["server"] as? String == server && $0["tool"] as? String == "secret" && $0["decision"] as? String == "denied" })
        }

        // SIGTERM to the nas agent ends the sessions it serves: an open HTTP session is DELETEd.
        let s = try LineClient(state: path("laptop"), target: "nas/webtests", stderr: path("connect-shutdown.log"))
        defer { s.close() }
        let hello = s.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:] as [String: Any],
                                             "clientInfo": ["name": "mcpmesh-e2e", "version": "1"]], timeout: 60)
        XCTAssertNotNil(hello?["result"], "initialize before the shutdown: \(String(describing: hello))")
        let open = eventLines(events).filter { $0["event"] as? String == "session-opened" }.compactMap { $0["session"] as? String }
        let last = try XCTUnwrap(open.last)
        XCTAssertEqual(open.count, 2)
        nas.process.terminate()
        XCTAssertNotNil(nas.waitForExit(timeout: 10), "the nas agent stops on SIGTERM")
        XCTAssertTrue(eventLines(events).contains { $0["event"] as? String == "session-deleted" && $0["session"] as? String == last },
                      "the agent's shutdown DELETEs the HTTP session it had open: \(eventLines(events))")
        XCTAssertTrue(auditLines().contains { $0["method"] as? String == "session" && ($0["outcome"] as? String)?.contains("stopping") == true },
                      "the session's audit record is written before the agent exits")
        XCTAssertNotNil(waitUntil(timeout: 10) { s.isClosed }, "the client's session ends with the agent")
    }

    /// One session on `server`: the 10 MB result, progress, cancellation, a denied tool.
    private func exercise(_ server: String, events: String, stdio: LineClient.Stdio) throws {
        let s = try LineClient(state: path("laptop"), target: "nas/\(server)", stderr: path("connect-\(server).log"), stdio: stdio)
        defer { s.close() }
        // A cold Python server takes seconds to import its SDK on a loaded machine.
        let hello = s.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:] as [String: Any],
                                             "clientInfo": ["name": "mcpmesh-e2e", "version": "1"]], timeout: 60)
        XCTAssertNotNil(hello?["result"], "\(server): initialize through the mesh: \(String(describing: hello))")
        s.send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        let list = s.request("tools/list")?["result"] as? [String: Any]
        XCTAssertEqual((list?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted(), ["blob", "count", "sleep"],
                       "\(server): only the granted tools are listed")

        // 10 MB intact.
        let sent = Date()
        let blobID = s.call("blob", ["size": Self.blobSize])
        let blob = s.response(to: blobID, timeout: 120)
        let elapsed = (s.arrival(of: blobID) ?? Date()).timeIntervalSince(sent)
        let text = ((blob?["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        let bytes = Array(text.utf8)
        XCTAssertEqual(bytes.count, Self.blobSize, "\(server): the 10 MB result's length")
        XCTAssertTrue(bytes == Self.expectedBlob(size: Self.blobSize), "\(server): the 10 MB result's content")
        print("e2e-passthrough: \(server): a \(Self.blobSize)-byte tools/call result took \(String(format: "%.3f", elapsed)) s through the mesh "
              + "(\(String(format: "%.1f", Double(Self.blobSize) / elapsed / 1e6)) MB/s)")

        // Progress (and log) notifications, in order, before the result.
        let token = "progress-\(server)"
        let mark = s.messageCount
        let countID = s.call("count", ["n": 5, "delay_ms": 50], meta: ["progressToken": token])
        let counted = s.response(to: countID, timeout: 30)
        XCTAssertEqual(((counted?["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["text"] as? String, "counted 5")
        let before = s.messages(from: mark).prefix { $0["id"] as? Int != countID }
        let progress = before.filter { $0["method"] as? String == "notifications/progress" }.compactMap { $0["params"] as? [String: Any] }
        XCTAssertEqual(progress.compactMap { $0["progressToken"] as? String }, Array(repeating: token, count: 5),
                       "\(server): progress carries the client's token: \(progress)")
        XCTAssertEqual(progress.compactMap { $0["progress"] as? Int }, [1, 2, 3, 4, 5], "\(server): progress in order before the result")
        let logs = before.filter { $0["method"] as? String == "notifications/message" }
            .compactMap { ($0["params"] as? [String: Any])?["data"] as? String }
        XCTAssertEqual(logs, (1...5).map { "count step \($0)" }, "\(server): log notifications pass too")

        // Cancellation reaches the server; the call ends there, and the session goes on.
        let startedBefore = eventCount("sleep-started", events), cancelledBefore = eventCount("sleep-cancelled", events)
        let sleepID = s.call("sleep", ["seconds": 60])
        XCTAssertNotNil(waitUntil(timeout: 15) { eventCount("sleep-started", events) > startedBefore }, "\(server): sleep reaches the server")
        let cancelSent = Date()
        s.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": sleepID, "reason": "e2e test"]])
        XCTAssertNotNil(waitUntil(timeout: 10) { eventCount("sleep-cancelled", events) > cancelledBefore },
                        "\(server): the cancellation must reach the server")
        print("e2e-passthrough: \(server): cancellation reached the server in \(String(format: "%.3f", Date().timeIntervalSince(cancelSent))) s")
        let after = s.request("tools/call", ["name": "count", "arguments": ["n": 1, "delay_ms": 0]])
        XCTAssertNotNil(after?["result"], "\(server): the session goes on after a cancellation")
        if let late = s.messages(from: 0).first(where: { $0["id"] as? Int == sleepID }) {
            XCTAssertNil(late["result"], "\(server): a cancelled call has no result: \(late)")
        }

        // A tool outside the grant is refused.
        let denied = s.request("tools/call", ["name": "secret", "arguments": [:] as [String: Any]])
        let error = denied?["error"] as? [String: Any]
        XCTAssertNotNil(error, "\(server): \(String(describing: denied))")
        XCTAssertTrue((error?["message"] as? String ?? "").contains("not permitted"), "\(server): \(String(describing: error))")

    }

    // MARK: - Helpers

    /// The bytes `test_server.py`'s `blob(size)` returns: 16-byte records "%015d\n" of each
    /// record's offset, cut to `size`.
    static func expectedBlob(size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size + 16)
        out.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            while offset < size {
                var value = offset
                for i in stride(from: 14, through: 0, by: -1) {
                    buffer[offset + i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                buffer[offset + 15] = UInt8(ascii: "\n")
                offset += 16
            }
        }
        return Array(out.prefix(size))
    }

    func eventLines(_ file: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func eventCount(_ event: String, _ file: String) -> Int {
        eventLines(file).filter { $0["event"] as? String == event }.count
    }

    func auditLines() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path("nas/audit.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The test server over Streamable HTTP on 127.0.0.1:`port`, accepting `token`.
    func startHTTPServer(port: Int, token: String, events: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-W", "ignore", Self.script, "--http", "\(port)", "--token", token, "--events", events]
        let log = dir.appendingPathComponent("webtests.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// A raw JSON-RPC client over `mcpmesh connect PEER/SERVER` that keeps every message the
/// server sends — notifications included — in arrival order, with the time each arrived.
/// `@unchecked`: `messages`, `arrivals` and `eof` are guarded by `lock`; the rest is set in
/// init or used from the test's thread only.
final class LineClient: @unchecked Sendable {
    /// What connect's stdin and stdout are: pipes (the agent serves them itself) or sockets
    /// (connect relays them).
    enum Stdio { case pipes, sockets }

    let process = Process()
    private let input: FileHandle
    private let lock = NSLock()
    private var received: [[String: Any]] = []
    private var arrivals: [Int: Date] = [:]
    private var eof = false
    private var nextID = 1

    init(state: String, target: String, stderr: String, stdio: Stdio = .pipes) throws {
        process.executableURL = CLIRunner.productsDirectory.appendingPathComponent("mcpmesh")
        process.arguments = ["connect", target, "--state", state]
        let output: FileHandle
        switch stdio {
        case .pipes:
            let (inPipe, outPipe) = (Pipe(), Pipe())
            process.standardInput = inPipe
            process.standardOutput = outPipe
            (input, output) = (inPipe.fileHandleForWriting, outPipe.fileHandleForReading)
        case .sockets:
            let (ours, theirs) = try Self.socketPairs()
            process.standardInput = theirs.input
            process.standardOutput = theirs.output
            (input, output) = (ours.input, ours.output)
        }
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        if case .sockets = stdio {
            try (process.standardInput as? FileHandle)?.close()
            try (process.standardOutput as? FileHandle)?.close()
        }
        let fd = output.fileDescriptor
        Thread.detachNewThread { withExtendedLifetime(output) { self.readLines(fd) } }
    }

    /// Two socket pairs: ours to write the child's stdin and read its stdout, and theirs.
    private static func socketPairs() throws -> (ours: (input: FileHandle, output: FileHandle),
                                                 theirs: (input: FileHandle, output: FileHandle)) {
        var a: [Int32] = [-1, -1], b: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &a) == 0,
              socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &b) == 0 else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        for fd in a + b { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        func handle(_ fd: Int32) -> FileHandle { FileHandle(fileDescriptor: fd, closeOnDealloc: true) }
        return ((handle(a[0]), handle(b[0])), (handle(a[1]), handle(b[1])))
    }

    /// Reads stdout to its end, splitting lines by scanning only the bytes just read.
    private func readLines(_ fd: Int32) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            var scanFrom = pending.count
            pending.append(contentsOf: chunk[0..<n])
            var lineStart = 0
            while scanFrom < pending.count {
                let newline: Int? = pending.withUnsafeBytes { raw in
                    let base = raw.baseAddress!
                    return memchr(base + scanFrom, 0x0a, raw.count - scanFrom).map { base.distance(to: UnsafeRawPointer($0)) }
                }
                guard let newline else { break }
                deliver(Data(pending[lineStart..<newline]))
                lineStart = newline + 1
                scanFrom = lineStart
            }
            pending.removeFirst(lineStart)
        }
        lock.withLock { eof = true }
    }

    private func deliver(_ line: Data) {
        let now = Date()
        let object = (try? JSONSerialization.jsonObject(with: line) as? [String: Any]) ?? ["unparsed": String(decoding: line, as: UTF8.self)]
        lock.withLock {
            if let id = object["id"] as? Int, object["method"] == nil { arrivals[id] = now }
            received.append(object)
        }
    }

    var isClosed: Bool { lock.withLock { eof } }
    var messageCount: Int { lock.withLock { received.count } }

    /// Messages received from index `start` on.
    func messages(from start: Int) -> [[String: Any]] { lock.withLock { Array(received[start...]) } }

    /// When the response to `id` arrived.
    func arrival(of id: Int) -> Date? { lock.withLock { arrivals[id] } }

    func send(_ object: [String: Any]) {
        var data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        data.append(0x0a)
        try? input.write(contentsOf: data)
    }

    /// Sends a request without waiting; returns its id.
    func send(method: String, params: [String: Any]) -> Int {
        let id = nextID
        nextID += 1
        send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        return id
    }

    /// Sends a `tools/call` without waiting; returns its id.
    func call(_ tool: String, _ arguments: [String: Any], meta: [String: Any]? = nil) -> Int {
        var params: [String: Any] = ["name": tool, "arguments": arguments]
        if let meta { params["_meta"] = meta }
        return send(method: "tools/call", params: params)
    }

    /// Waits for the response to `id`.
    func response(to id: Int, timeout: TimeInterval = 15) -> [String: Any]? {
        var found: [String: Any]?
        _ = waitUntil(timeout: timeout) {
            lock.withLock {
                found = received.first { $0["id"] as? Int == id && $0["method"] == nil }
                return found != nil || eof
            }
        }
        return found
    }

    /// Sends a request and waits for its response.
    func request(_ method: String, _ params: [String: Any] = [:], timeout: TimeInterval = 15) -> [String: Any]? {
        response(to: send(method: method, params: params), timeout: timeout)
    }

    func close() {
        try? input.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
