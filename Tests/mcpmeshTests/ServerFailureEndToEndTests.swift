import Foundation
import XCTest

/// Published servers that misbehave must not take the serving agent down with them.
final class ServerFailureEndToEndTests: MeshProcessTestCase {
    /// A stdio server that closes its stdin at once: the agent's writes to it fail (EPIPE);
    /// the session ends with a reason and the agent keeps serving (a write to a pipe with no
    /// reader raises SIGPIPE, which kills a process that does not ignore it).
    func testAServerThatClosesItsStdinEndsTheSessionNotTheAgent() throws {
        signal(SIGPIPE, SIG_IGN)  // this test's own writes to a client that has ended
        let port = freeUDPPort()
        _ = try start("mcpmesh-coordinator", ["serve", "--state", path("coord"), "--listen", "127.0.0.1:\(port)"], log: "coord.log")
        XCTAssertNotNil(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: path("coord/admin.sock")) })
        let policy = try writePolicy("policy.json", """
            { "tags": ["tag:laptop", "tag:nas"],
              "grants": [{ "src": ["tag:laptop"], "dst": ["tag:nas"], "mcp": ["*"] }] }
            """)
        XCTAssertEqual(try coordinator("policy", "set", policy).status, 0)
        try #"{ "mcpServers": { "deaf": { "command": "/bin/sh", "args": ["-c", "exec 0<&-; sleep 3"] } } }"#
            .write(toFile: path("servers.json"), atomically: true, encoding: .utf8)
        var agents: [String: MeshProcess] = [:]
        for (name, tag, extra) in [("nas", "tag:nas", ["--config", path("servers.json")]), ("laptop", "tag:laptop", [])] {
            let key = try coordinator("joinkey", "create", "--tag", tag).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            agents[name] = try start("mcpmesh", ["up", "--join", key, "--state", path(name), "--name", name,
                                                 "--listen", "127.0.0.1:0"] + extra, log: "\(name).log")
        }
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
}
