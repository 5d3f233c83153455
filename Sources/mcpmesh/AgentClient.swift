import ArgumentParser
import Foundation
import NodeAgent

/// `--state DIR` for commands that talk to the running agent.
struct AgentOptions: ParsableArguments {
    @Option(help: "The agent's state directory (default: $XDG_STATE_HOME/mcpmesh or ~/.local/state/mcpmesh).")
    var state: String?

    var socketPath: String { ((state ?? Up.defaultStateDirectory()) as NSString).appendingPathComponent("agent.sock") }
}

/// A connection to the agent's local API (`STATE/agent.sock`).
struct AgentClient {
    let fd: Int32

    /// Connects, or exits with a clear message when no agent runs there.
    static func connect(_ options: AgentOptions) -> AgentClient {
        let path = options.socketPath
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            CLIError.exit(CLIError(exitCode: 1, message: "the state directory path is too long for a unix socket: \(path)"))
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            CLIError.exit(CLIError(exitCode: 1, message: "no mcpmesh agent is running with state \(options.state ?? Up.defaultStateDirectory()) (cannot connect to \(path)); start it with `mcpmesh up`"))
        }
        return AgentClient(fd: fd)
    }

    func send(_ request: [String: String]) {
        var data = (try? JSONSerialization.data(withJSONObject: request)) ?? Data()
        data.append(0x0a)
        writeAll(Array(data))
    }

    /// Sends a request line with `descriptors` attached (SCM_RIGHTS); false when nothing was
    /// sent.
    func send(_ request: [String: String], descriptors: [Int32]) -> Bool {
        var data = (try? JSONSerialization.data(withJSONObject: request)) ?? Data()
        data.append(0x0a)
        return DescriptorPassing.send(Array(data), descriptors: descriptors, on: fd)
    }

    func writeAll(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Reads one line (the answer), returning it and anything read after it.
    func readLine() -> ([UInt8], [UInt8])? {
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = buf.firstIndex(of: 0x0a) { return (Array(buf[..<nl]), Array(buf[(nl + 1)...])) }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return buf.isEmpty ? nil : (buf, []) }
            buf += chunk[0..<n]
        }
    }

    /// Sends a one-shot request and returns the decoded answer, or exits with its error.
    func call(_ request: [String: String]) -> [String: Any] {
        send(request)
        guard let (line, _) = readLine(),
              let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            CLIError.exit(CLIError(exitCode: 1, message: "the agent closed the connection without an answer"))
        }
        if obj["ok"] as? Bool != true {
            CLIError.exit(CLIError(exitCode: 1, message: obj["error"] as? String ?? "the agent refused the request"))
        }
        return obj
    }
}

func printJSON(_ object: Any) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
}
