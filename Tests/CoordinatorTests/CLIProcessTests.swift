import Foundation
import MeshCrypto
import MeshWire
import Registry
import XCTest
@testable import Coordinator

/// The real binary: `serve` in a temporary directory on loopback, driven by the admin
/// commands as an operator would run them.
final class CLIProcessTests: XCTestCase {
    private var state = ""
    private var scratch = ""

    override func setUpWithError() throws {
        _ = try CLI.binary()
        scratch = try TemporaryDirectory.make()
        state = scratch + "/state"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.removeItem(atPath: state + ".log")
    }

    private func run(_ arguments: [String], stdin: String? = nil) throws -> CLI.Result {
        try CLI.run(arguments + ["--state", state], stdin: stdin)
    }

    private func write(_ text: String, to name: String) throws -> String {
        let path = scratch + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Registers nodes in the registry before the server starts (the control protocol that
    /// will register them is not part of this binary yet).
    private func seedNodes(_ nodes: [(String, String)]) throws {
        let registry = try Registry(path: state + "/registry.sqlite")
        for (name, tag) in nodes { try Nodes.register(name, tags: [tag], in: registry) }
        try registry.close()
    }

    func testServeMakesPrivateFilesKeepsItsIdentityAndStopsCleanlyOnSIGTERM() throws {
        let server = try ServerProcess(state: state, extra: ["--advertise", "coord.test:41641"])
        XCTAssertEqual(TemporaryDirectory.mode(state), 0o700)
        XCTAssertEqual(TemporaryDirectory.mode(state + "/coordinator.key"), 0o600)
        XCTAssertEqual(TemporaryDirectory.mode(state + "/registry.sqlite"), 0o600)
        XCTAssertEqual(TemporaryDirectory.mode(state + "/admin.sock"), 0o600)
        let status = try run(["status", "--json"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let key = try XCTUnwrap(status.stdout.firstMatch(of: /"coordinator_key" : "(mpk:[0-9a-f]{64})"/)?.1)
        XCTAssertTrue(status.stdout.contains(#""address" : "coord.test:41641""#), status.stdout)
        XCTAssertTrue(server.log.contains("coordinator starting"), server.log)
        XCTAssertTrue(server.log.contains(String(key)), "the log names the public key")

        XCTAssertEqual(server.stop(signal: SIGTERM), 0, server.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: state + "/admin.sock"), "the socket goes with the server")
        XCTAssertTrue(server.log.contains("SIGTERM received: shutting down gracefully"), server.log)
        XCTAssertTrue(server.log.contains("coordinator stopped"), server.log)
        let seed = try Data(contentsOf: URL(fileURLWithPath: state + "/coordinator.key"))
        XCTAssertFalse(server.log.contains(Hex.encode(Array(seed))), "the private key is never logged")

        let restarted = try ServerProcess(state: state)
        let again = try run(["status", "--json"])
        XCTAssertTrue(again.stdout.contains(String(key)), "the identity survives a restart")
        XCTAssertEqual(restarted.stop(signal: SIGINT), 0, restarted.log)
    }

    func testCommandsSayWhenTheCoordinatorIsNotRunning() throws {
        for arguments in [["joinkey", "create"], ["joinkey", "list"], ["nodes", "list", "--json"], ["policy", "get"],
                          ["acl", "history"], ["status"]] {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 3, arguments.joined(separator: " "))
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(result.stderr, "Error: the coordinator is not running (no \(state)/admin.sock); "
                           + "start it with `mcpmesh-coordinator serve`\n")
        }
        // A socket left by a killed server says so too.
        let server = try ServerProcess(state: state)
        server.stop(signal: SIGKILL)
        let stale = try run(["nodes", "list"])
        XCTAssertEqual(stale.status, 3)
        XCTAssertTrue(stale.stderr.hasPrefix("Error: the coordinator is not running (nothing answers on \(state)/admin.sock"),
                      stale.stderr)
    }

    func testJoinKeysAreCreatedListedAndRevoked() throws {
        let port = Loopback.freePort(udp: true)
        let server = try ServerProcess(state: state, listen: "127.0.0.1:\(port)")
        let undeclared = try run(["joinkey", "create", "--tag", "tag:nas"])
        XCTAssertEqual(undeclared.status, 1)
        XCTAssertEqual(undeclared.stderr, "Error: tag:nas is not declared in the \"tags\" of the live policy "
                       + "(the built-in empty policy); declare it with `policy set` first\n")

        XCTAssertEqual(try run(["policy", "set", try write(Policies.tagsOnly, to: "tags.json")]).status, 0)
        let created = try run(["joinkey", "create", "--tag", "tag:nas", "--reusable", "--expires", "7d"])
        XCTAssertEqual(created.status, 0, created.stderr)
        let lines = created.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "the key alone on stdout: \(created.stdout)")
        let key = try JoinKey(text: String(lines[0]))
        XCTAssertEqual(key.coordinatorAddress, "127.0.0.1:\(port)")
        let status = try run(["status", "--json"])
        XCTAssertTrue(status.stdout.contains(key.coordinatorKey.text))
        XCTAssertTrue(created.stderr.contains("reusable, tags tag:nas, expires"), created.stderr)

        let list = try run(["joinkey", "list", "--json"])
        XCTAssertEqual(list.status, 0)
        let id = try XCTUnwrap(list.stdout.firstMatch(of: /"id" : "([a-z0-9]+)"/)?.1)
        XCTAssertTrue(list.stdout.contains(#""state" : "usable""#))
        XCTAssertFalse(list.stdout.contains(String(lines[0])), "the key is never listed")
        let table = try run(["joinkey", "list"])
        XCTAssertTrue(table.stdout.hasPrefix("ID"), table.stdout)
        XCTAssertTrue(table.stdout.contains("tag:nas"), table.stdout)

        let revoked = try run(["joinkey", "revoke", String(id)])
        XCTAssertEqual(revoked.status, 0, revoked.stderr)
        XCTAssertEqual(revoked.stdout, "revoked join key \(id) (used 0 times)\n")
        let twice = try run(["joinkey", "revoke", String(id)])
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.hasPrefix("Error: join key \"\(id)\" was already revoked at "), twice.stderr)
        XCTAssertTrue(try run(["joinkey", "list", "--json"]).stdout.contains(#""state" : "revoked""#))

        let badDuration = try run(["joinkey", "create", "--expires", "24x"])
        XCTAssertEqual(badDuration.status, 64)
        XCTAssertTrue(badDuration.stderr.hasPrefix("Error: --expires \"24x\" is invalid: \"x\" is not a unit"), badDuration.stderr)
        XCTAssertEqual(server.stop(), 0)
    }

    func testNodesAreListedTaggedExpiredAndRemoved() throws {
        try seedNodes([("nas-1", "tag:nas"), ("laptop-1", "tag:laptop")])
        let server = try ServerProcess(state: state)
        XCTAssertEqual(try run(["policy", "set", try write(Policies.laptopsToNAS, to: "p.json")]).status, 0)

        var list = try run(["nodes", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.stdout.matches(of: /"name" : "([a-z0-9-]+)"/).map { String($0.1) }, ["laptop-1", "nas-1"])
        let table = try run(["nodes", "list"])
        XCTAssertTrue(table.stdout.contains("nas-1"), table.stdout)
        XCTAssertTrue(table.stdout.contains("offline"), table.stdout)

        let tagged = try run(["nodes", "tag", "laptop-1", "tag:laptop", "tag:gpu"])
        XCTAssertEqual(tagged.status, 0, tagged.stderr)
        XCTAssertEqual(tagged.stdout, "laptop-1: tags tag:gpu, tag:laptop\n")
        let undeclared = try run(["nodes", "tag", "laptop-1", "tag:ci"])
        XCTAssertEqual(undeclared.status, 1)
        XCTAssertTrue(undeclared.stderr.hasPrefix("Error: tag:ci is not declared"), undeclared.stderr)
        let notATag = try run(["nodes", "tag", "laptop-1", "laptop"])
        XCTAssertEqual(notATag.status, 64)
        let ghost = try run(["nodes", "expire", "ghost"])
        XCTAssertEqual(ghost.status, 1)
        XCTAssertEqual(ghost.stderr, "Error: no node named \"ghost\" is registered (see `nodes list`)\n")

        let expired = try run(["nodes", "expire", "laptop-1"])
        XCTAssertEqual(expired.status, 0, expired.stderr)
        let explain = try run(["policy", "explain", "laptop-1", "nas-1/files/read_file"])
        XCTAssertEqual(explain.stdout, "laptop-1 -> nas-1/files/read_file: denied: node laptop-1 has expired\n")

        XCTAssertEqual(try run(["nodes", "remove", "laptop-1"]).status, 0)
        list = try run(["nodes", "list", "--json"])
        XCTAssertEqual(list.stdout.matches(of: /"name" : "([a-z0-9-]+)"/).map { String($0.1) }, ["nas-1"])
        XCTAssertEqual(server.stop(), 0)
    }

    func testARejectedPolicyLeavesTheLivePolicyInForce() throws {
        try seedNodes([("nas-1", "tag:nas"), ("laptop-1", "tag:laptop")])
        let server = try ServerProcess(state: state)
        let good = try write(Policies.laptopsToNAS, to: "good.json")
        let set = try run(["policy", "set", good])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertEqual(set.stdout, """
            + laptop-1 gains nas-1/files (every tool)
            + laptop-1 gains nas-1/git (tools read_*)
            policy version 1 is live: 1 test, 2 expectations passed; 2 nodes get a new netmap

            """)

        let bad = try write(Policies.threeProblems, to: "bad.json")
        let rejected = try run(["policy", "set", bad])
        XCTAssertEqual(rejected.status, 1)
        XCTAssertEqual(rejected.stdout, "")
        let lines = rejected.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, rejected.stderr)
        XCTAssertEqual(lines.prefix(3).map { $0.components(separatedBy: ": ").first ?? "" },
                       ["\(bad):2:12", "\(bad):4:15", "\(bad):4:64"])
        XCTAssertEqual(lines.last, "Error: \(bad) was rejected (3 problems); the live policy (version 1) stays in force")

        let failing = try run(["acl", "set", try write(Policies.failingTest, to: "failing.json")])
        XCTAssertEqual(failing.status, 1)
        XCTAssertTrue(failing.stderr.contains("failing.json:4:47: Test tests[0] at 4:14 expects tag:laptop to be allowed"), failing.stderr)

        let live = try run(["policy", "get"])
        XCTAssertEqual(live.stdout, Policies.laptopsToNAS)
        let history = try run(["policy", "history", "--json"])
        XCTAssertEqual(history.stdout.matches(of: /"version" : (\d+)/).count, 1, history.stdout)
        XCTAssertEqual(server.stop(), 0)
        // And after a restart.
        let restarted = try ServerProcess(state: state)
        XCTAssertEqual(try run(["policy", "get"]).stdout, Policies.laptopsToNAS)
        XCTAssertEqual(restarted.stop(), 0)
    }

    func testPolicyCheckWorksWithAndWithoutTheServer() throws {
        let file = try write(Policies.laptopsToNAS, to: "p.json")
        let offline = try run(["policy", "check", file])
        XCTAssertEqual(offline.status, 1)
        XCTAssertTrue(offline.stderr.contains("there is no node named nas-1"), offline.stderr)
        XCTAssertTrue(offline.stderr.hasSuffix("Error: \(file) has 2 problems (checked offline: the coordinator is not running, "
                                               + "so tests run against an empty node directory)\n"), offline.stderr)
        let offlineOK = try run(["policy", "check", try write(Policies.tagsOnly, to: "t.json")])
        XCTAssertEqual(offlineOK.status, 0, offlineOK.stderr)
        XCTAssertTrue(offlineOK.stdout.contains("valid; 0 tests, 0 expectations: all passed (checked offline: the coordinator is not running"),
                      offlineOK.stdout)
        let syntax = try run(["policy", "check", "-"], stdin: "{ \"tags\": [ }")
        XCTAssertEqual(syntax.status, 1)
        XCTAssertTrue(syntax.stderr.hasPrefix("stdin:1:13: Found \"}\" where a value was expected.\n"), syntax.stderr)
        let missing = try run(["policy", "check", scratch + "/nope.json"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("Error: cannot read the policy file \(scratch)/nope.json: "), missing.stderr)

        try seedNodes([("nas-1", "tag:nas"), ("laptop-1", "tag:laptop")])
        let server = try ServerProcess(state: state)
        let online = try run(["policy", "check", file])
        XCTAssertEqual(online.status, 0, online.stderr)
        XCTAssertEqual(online.stdout, """
            \(file): valid; 1 test, 2 expectations: all passed (against the 2 registered nodes)
            compared with the built-in empty policy, setting it would make these changes:
            + laptop-1 gains nas-1/files (every tool)
            + laptop-1 gains nas-1/git (tools read_*)

            """)
        XCTAssertTrue(try run(["policy", "history", "--json"]).stdout.contains(#""versions" : ["#), "check stored nothing")
        XCTAssertEqual(server.stop(), 0)
    }

    func testHistoryRollbackAndExplainThroughTheAlias() throws {
        try seedNodes([("nas-1", "tag:nas"), ("laptop-1", "tag:laptop"), ("gpu-1", "tag:gpu")])
        let server = try ServerProcess(state: state)
        XCTAssertEqual(try run(["policy", "set", try write(Policies.laptopsToNAS, to: "a.json")]).status, 0)
        XCTAssertEqual(try run(["policy", "set", try write(Policies.narrower, to: "b.json")]).status, 0)
        let explained = try run(["acl", "explain", "tag:gpu", "nas-1/git/push", "--json"])
        XCTAssertTrue(explained.stdout.contains(#""allowed" : true"#), explained.stdout)
        XCTAssertTrue(explained.stdout.contains(#""decision" : "allowed by grants[1] at 5:5""#), explained.stdout)
        let badTarget = try run(["policy", "explain", "gpu-1", "nas-1"])
        XCTAssertEqual(badTarget.status, 64)

        let rollback = try run(["acl", "rollback", "1"])
        XCTAssertEqual(rollback.status, 0, rollback.stderr)
        XCTAssertTrue(rollback.stdout.hasSuffix("policy version 3 is live (the text of version 1): 1 test, 2 expectations passed; "
                                                + "3 nodes get a new netmap\n"), rollback.stdout)
        let history = try run(["policy", "history"])
        let rows = history.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, 4, history.stdout)
        XCTAssertTrue(rows[1].hasPrefix("3 ") && rows[1].contains("live") && rows[1].contains("rollback to 1"), history.stdout)
        XCTAssertEqual(try run(["policy", "get", "--version", "2"]).stdout, Policies.narrower)
        let again = try run(["policy", "rollback", "3"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "Error: policy version 3 is already the current policy\n")
        XCTAssertEqual(server.stop(), 0)
    }

    func testMetricsAreServedAndCountAdminRequests() throws {
        let port = Loopback.freePort()
        let server = try ServerProcess(state: state, extra: ["--metrics", "127.0.0.1:\(port)"])
        XCTAssertEqual(try run(["joinkey", "create"]).status, 0)
        XCTAssertEqual(try run(["nodes", "expire", "ghost"]).status, 1)
        let (status, body) = try Loopback.get(port: port, path: "/metrics")
        XCTAssertEqual(status, "HTTP/1.1 200 OK")
        for line in ["mcpmesh_coordinator_nodes_registered 0", "mcpmesh_coordinator_nodes_online 0",
                     "mcpmesh_coordinator_netmaps_sent_total 0", "mcpmesh_coordinator_handshakes_total 0",
                     #"mcpmesh_coordinator_admin_requests_total{command="joinkey.create",result="ok"} 1"#,
                     #"mcpmesh_coordinator_admin_requests_total{command="nodes.expire",result="not_found"} 1"#,
                     #"mcpmesh_coordinator_errors_total{kind="admin"} 0"#] {
            XCTAssertTrue(body.contains(line), "missing \(line) in:\n\(body)")
        }
        XCTAssertEqual(try Loopback.get(port: port, path: "/").status, "HTTP/1.1 404 Not Found")
        XCTAssertEqual(server.stop(), 0)
    }

    func testStartupProblemsAreOneLineAndNonZero() throws {
        let server = try ServerProcess(state: state)
        let second = try CLI.run(["serve", "--state", state, "--listen", "127.0.0.1:\(Loopback.freePort(udp: true))"], timeout: 30)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.hasSuffix("Error: another mcpmesh-coordinator (pid \(server.process.processIdentifier)) is "
                                              + "already serving \(state); stop it first\n"), second.stderr)
        XCTAssertEqual(server.stop(), 0)

        let wildcard = try CLI.run(["serve", "--state", state, "--listen", "0.0.0.0:41641"])
        XCTAssertEqual(wildcard.status, 64)
        XCTAssertTrue(wildcard.stderr.contains("0.0.0.0:41641 binds every interface but is not an address nodes can dial"),
                      wildcard.stderr)
        let badListen = try CLI.run(["serve", "--state", state, "--listen", "localhost"])
        XCTAssertEqual(badListen.status, 64)
        XCTAssertTrue(badListen.stderr.hasPrefix("Error: --listen \"localhost\" is not HOST:PORT"), badListen.stderr)
    }

    func testRequestsOverTheLineLimitAreAnsweredNotJustClosed() throws {
        let server = try ServerProcess(state: state)
        defer { server.stop() }

        // The CLI does not send a request it knows is too large.
        let huge = try write("{\"tags\": [], \"grants\": [], \"pad\": \"" + String(repeating: "x", count: 5 << 20) + "\"}", to: "huge.json")
        let refused = try run(["policy", "set", huge])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("over the admin socket's limit of 4194304 bytes"), refused.stderr)

        // Another client that sends one anyway gets an answer before the connection closes.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let path = Array((state + "/admin.sock").utf8)
            for (i, b) in path.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(rc, 0)
        let writer = Thread {
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 16)
            for _ in 0..<80 {  // 5 MiB, no newline; stops when the server closes
                if chunk.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) <= 0 { return }
            }
        }
        writer.start()
        var reply = [UInt8](), buf = [UInt8](repeating: 0, count: 4096)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        while !reply.contains(UInt8(ascii: "\n")) {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            reply += buf[0..<n]
        }
        let text = String(decoding: reply, as: UTF8.self)
        XCTAssertTrue(text.contains("\"ok\":false"), text)
        XCTAssertTrue(text.contains("bad_request") && text.contains("nothing was done"), text)
        XCTAssertEqual(try run(["status"]).status, 0, "the server keeps serving")
    }
}
