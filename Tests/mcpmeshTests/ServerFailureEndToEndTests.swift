import Foundation
import XCTest

/// Published servers and local clients that misbehave must not take an agent down with
/// them, nor make it buffer without bound.
final class ServerFailureEndToEndTests: MeshProcessTestCase {
    /// A stdio server that closes its stdin at once: the agent's writes to it fail (EPIPE);
    /// the session ends with a reason and the agent keeps serving (a write to a pipe with no
    /// reader raises SIGPIPE, which kills a process that does not ignore it).
    func testAServerThatClosesItsStdinEndsTheSessionNotTheAgent() throws {
        signal(SIGPIPE, SIG_IGN)  // this test's own writes to a client that has ended
        try #"{ "mcpServers": { "deaf": { "command": "/bin/sh", "args": ["-c", "exec 0<&-; sleep 3"] } } }"#
            .write(toFile: path("servers.json"), atomically: true, encoding: .utf8)
        let agents = try mesh([(name: "nas", tag: "tag:nas", args: ["--config", path("servers.json")]),
                               (name: "laptop", tag: "tag:laptop", args: [])])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "laptop") == ["nas"] })

        // A client that writes a request, then more once the server has closed its stdin.
        let client = Process()
        client.executableURL = CLIRunner.productsDirectory.appendingPathComponent("mcpmesh")
        client.arguments = ["connect", "nas/deaf", "--state", path("laptop")]
        let input = Pipe(), output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        client.standardError = FileHandle.nullDevice
        try client.run()
        let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"# + "\n"
        input.fileHandleForWriting.write(Data(initialize.utf8))
        Thread.sleep(forTimeInterval: 0.7)
        for i in 2...20 {
            try? input.fileHandleForWriting.write(contentsOf: Data(#"{"jsonrpc":"2.0","id":\#(i),"method":"ping"}"#.utf8 + [0x0a]))
        }
        XCTAssertNotNil(waitUntil(timeout: 10) { !client.isRunning }, "the session ends")
        try? input.fileHandleForWriting.close()
        if client.isRunning { client.terminate() }

        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(agents["nas"]!.process.isRunning, "the serving agent survives: \(agents["nas"]!.output.suffix(1500))")
        XCTAssertTrue(agents["nas"]!.output.contains("cannot write to its stdin: Broken pipe"),
                      "the agent met the closed pipe: \(agents["nas"]!.output.suffix(1500))")
        let status = try CLIRunner.run(["status", "--state", path("nas")])
        XCTAssertEqual(status.status, 0, status.stderr)
    }

    /// The resident memory of `pid`, in bytes.
    func residentBytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// A client that floods a server that never reads: the flood stalls the client (its
    /// writes block) instead of piling up in either agent, on the relayed path (connect's
    /// stdout is not a pipe, so connect copies bytes to the agent's socket).
    func testAFloodToAServerThatNeverReadsStallsTheClient() throws {
        signal(SIGPIPE, SIG_IGN)
        try #"{ "mcpServers": { "deaf": { "command": "/bin/sh", "args": ["-c", "exec sleep 60"] } } }"#
            .write(toFile: path("servers.json"), atomically: true, encoding: .utf8)
        let agents = try mesh([(name: "nas", tag: "tag:nas", args: ["--config", path("servers.json")]),
                               (name: "laptop", tag: "tag:laptop", args: [])])
        XCTAssertNotNil(waitUntil(timeout: 15) { peers(of: "laptop") == ["nas"] })
        let nasBefore = residentBytes(agents["nas"]!.process.processIdentifier)
        let laptopBefore = residentBytes(agents["laptop"]!.process.processIdentifier)

        let client = Process()
        client.executableURL = CLIRunner.productsDirectory.appendingPathComponent("mcpmesh")
        client.arguments = ["connect", "nas/deaf", "--state", path("laptop")]
        let input = Pipe()
        client.standardInput = input
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        let flood = 64 << 20
        let written = Counter()
        let fd = input.fileHandleForWriting.fileDescriptor
        let writer = Thread {
            let initialize = Array((#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"# + "\n").utf8)
            _ = initialize.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let line = Array(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":""#.utf8)
                + [UInt8](repeating: UInt8(ascii: "x"), count: 1000) + Array("\"}}\n".utf8)
            let chunk = Array([[UInt8]](repeating: line, count: 64).joined())
            while written.value < flood {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                written.add(n)
            }
        }
        writer.start()
        Thread.sleep(forTimeInterval: 8)
        let sent = written.value
        let nasGrowth = residentBytes(agents["nas"]!.process.processIdentifier) - nasBefore
        let laptopGrowth = residentBytes(agents["laptop"]!.process.processIdentifier) - laptopBefore
        client.terminate()
        try? input.fileHandleForWriting.close()
        print("e2e-flood: the client got \(sent >> 20) MiB of \(flood >> 20) MiB in before stalling; agents grew by \(laptopGrowth >> 20) MiB (using) and \(nasGrowth >> 20) MiB (serving)")
        XCTAssertLessThan(sent, 32 << 20, "the client's writes stall")
        XCTAssertLessThan(laptopGrowth, 32 << 20, "the using agent does not buffer the flood")
        XCTAssertLessThan(nasGrowth, 32 << 20, "the serving agent does not buffer the flood")
        XCTAssertTrue(agents["nas"]!.process.isRunning && agents["laptop"]!.process.isRunning)
    }
}

/// A count shared with a writer thread.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add(_ n: Int) { lock.withLock { count += n } }
}
