import ArgumentParser
import Foundation

/// `mcpmesh connect PEER/SERVER`: a stdio MCP server that carries the session through the
/// mesh (via the local agent) to SERVER on PEER.
struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Be a stdio MCP server for PEER/SERVER, carried through the mesh.",
        discussion: """
            Put it in any MCP client's config: {"command": "mcpmesh", "args": ["connect", "nas/files"]}. \
            The local agent (mcpmesh up) must be running; the session goes over its Noise \
            session with PEER, which enforces the policy (tools you may not use are hidden \
            and refused). `mcpmesh mcp-config` prints ready config for every permitted server.
            """
    )

    @Argument(help: "PEER/SERVER, e.g. nas/files.") var target: String
    @OptionGroup var agent: AgentOptions

    func validate() throws {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("expected PEER/SERVER, e.g. nas/files") }
    }

    func run() throws {
        let parts = target.split(separator: "/").map(String.init)
        let client = AgentClient.connect(agent)
        var request = ["op": "connect", "peer": parts[0], "server": parts[1]]
        // Pipes (how MCP clients start stdio servers) the agent can serve itself, which saves
        // this process's relay on every message: they go with the request line (SCM_RIGHTS).
        var sent = false
        if Self.isPipe(0), Self.isPipe(1) {
            request["stdio"] = "fds"
            sent = client.send(request, descriptors: [0, 1])
            if !sent { request["stdio"] = nil }
        }
        if !sent { client.send(request) }
        guard let (line, rest) = client.readLine(),
              let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            CLIError.exit(CLIError(exitCode: 1, message: "the agent closed the connection without an answer"))
        }
        guard obj["ok"] as? Bool == true else {
            CLIError.exit(CLIError(exitCode: 1, message: obj["error"] as? String ?? "the agent refused the session"))
        }
        if obj["stdio"] as? String == "agent" {
            // The agent reads our stdin and writes our stdout; the session lasts as long as
            // this connection, which the agent closes at its end.
            var buf = [UInt8](repeating: 0, count: 256)
            while true {
                let n = read(client.fd, &buf, buf.count)
                if n > 0 || (n < 0 && errno == EINTR) { continue }
                return
            }
        }
        if let refused = obj["stdio_refused"] as? String {
            FileHandle.standardError.write(Data("mcpmesh connect: the agent did not take this process's stdin and stdout (\(refused)); relaying instead\n".utf8))
        }
        if sent {
            // The agent may have made the shared pipes non-blocking before giving them up.
            Self.setBlocking(0)
            Self.setBlocking(1)
        }
        if !rest.isEmpty { _ = rest.withUnsafeBytes { write(1, $0.baseAddress!, rest.count) } }
        // stdin → agent, in the background; agent → stdout here until the session ends.
        let fd = client.fd
        Thread.detachNewThread {
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(0, &buf, buf.count)
                if n <= 0 { break }
                client.writeAll(Array(buf[0..<n]))
            }
            shutdown(fd, Int32(SHUT_WR))
        }
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            var off = 0
            while off < n {
                let w = buf.withUnsafeBytes { write(1, $0.baseAddress! + off, n - off) }
                if w <= 0 { return }
                off += w
            }
        }
    }
}

extension Connect {
    static func setBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0, flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
    }

    static func isPipe(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO
    }
}

/// `mcpmesh mcp-config`: client config for every permitted remote server.
struct MCPConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mcp-config",
        abstract: "Print MCP client config (mcpServers) for every remote server this node may use.",
        discussion: """
            By default each server is a stdio command (`mcpmesh connect PEER/SERVER`). With \
            --http, each is the Streamable HTTP URL the agent's gateway serves it at; the agent \
            must run with `mcpmesh up --http 127.0.0.1:PORT`.
            """)

    @OptionGroup var agent: AgentOptions
    @Flag(help: "Print the HTTP gateway's URLs ({\"type\": \"http\", \"url\": ...}) instead of stdio commands.")
    var http = false

    func run() throws {
        if http {
            let status = AgentClient.connect(agent).call(["op": "status"])
            guard status["http"] != nil else {
                CLIError.exit(CLIError(exitCode: 1, message: "the agent runs without an HTTP gateway; start it with `mcpmesh up --http 127.0.0.1:PORT`"))
            }
        }
        let s = AgentClient.connect(agent).call(["op": "servers"])
        var servers: [String: Any] = [:]
        let exe = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : "mcpmesh"
        for e in s["servers"] as? [[String: Any]] ?? [] {
            let name = "\(e["peer"] ?? "")-\(e["server"] ?? "")"
            if http, let url = e["url"] as? String {
                servers[name] = ["type": "http", "url": url]
                continue
            }
            var args = ["connect", "\(e["peer"] ?? "")/\(e["server"] ?? "")"]
            if let state = agent.state { args += ["--state", state] }
            servers[name] = ["command": exe, "args": args]
        }
        printJSON(["mcpServers": servers])
    }
}
