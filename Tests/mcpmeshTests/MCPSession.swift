import Foundation
import XCTest

/// An MCP client session over `mcpmesh connect PEER/SERVER`, speaking raw JSON-RPC lines,
/// for the end-to-end tests.
/// `@unchecked`: the output buffer and flags are guarded by `lock`; the rest is set in init.
final class MCPSession: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var buffer = Data()
    private var eof = false
    private let arrived = DispatchSemaphore(value: 0)
    private var nextID = 1

    init(state: String, target: String) throws {
        process.executableURL = CLIRunner.productsDirectory.appendingPathComponent("mcpmesh")
        process.arguments = ["connect", target, "--state", state]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] h in
            guard let self else { return }
            let data = h.availableData
            self.lock.lock()
            if data.isEmpty { self.eof = true } else { self.buffer.append(data) }
            while let nl = self.buffer.firstIndex(of: 0x0a) {
                self.lines.append(String(decoding: self.buffer[..<nl], as: UTF8.self))
                self.buffer.removeSubrange(...nl)
            }
            self.lock.unlock()
            self.arrived.signal()
            if data.isEmpty { h.readabilityHandler = nil }
        }
        try process.run()
    }

    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return eof }

    func send(_ object: [String: Any]) {
        var data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        data.append(0x0a)
        input.fileHandleForWriting.write(data)
    }

    /// Sends a request and waits for its response (notifications in between are skipped).
    /// The default wait is long because the first request starts the server: importing the
    /// Python SDK alone took 6.6 s on a busy machine. A response or the end of the session
    /// returns at once.
    func request(_ method: String, _ params: [String: Any] = [:], timeout: TimeInterval = 60) -> [String: Any]? {
        let id = nextID
        nextID += 1
        send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            if let i = lines.firstIndex(where: { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int == id
            }) {
                let line = lines.remove(at: i)
                lock.unlock()
                return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            }
            let closed = eof
            lock.unlock()
            if closed { return nil }
            _ = arrived.wait(timeout: .now() + 0.05)
        }
        return nil
    }

    /// initialize + initialized.
    func handshake() -> [String: Any]? {
        let r = request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:] as [String: Any],
                                       "clientInfo": ["name": "mcpmesh-e2e", "version": "1"]])
        send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        return r
    }

    func close() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { process.terminate() }
    }
}
