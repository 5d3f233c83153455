import Foundation
import XCTest

/// A long-running `mcpmesh` or `mcpmesh-coordinator` process for end-to-end tests, with its
/// output captured to a file. Stopped with SIGTERM (then SIGKILL) at teardown.
final class MeshProcess {
    let process = Process()
    let log: URL

    init(_ executable: String, _ arguments: [String], log: URL) throws {
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = CLIRunner.productsDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits until the process exits, up to `timeout`; returns its status, or nil.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns the seconds
/// it took, or nil.
func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> TimeInterval? {
    let start = Date()
    while Date().timeIntervalSince(start) < timeout {
        if condition() { return Date().timeIntervalSince(start) }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition() ? Date().timeIntervalSince(start) : nil
}

/// A UDP port free right now on 127.0.0.1.
func freeUDPPort() -> Int { freePort(Int32(SOCK_DGRAM.rawValue)) }

/// A TCP port free right now on 127.0.0.1.
func freeTCPPort() -> Int { freePort(Int32(SOCK_STREAM.rawValue)) }

private func freePort(_ type: Int32) -> Int {
    let fd = socket(AF_INET, type, 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
