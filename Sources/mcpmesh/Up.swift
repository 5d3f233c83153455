import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import MCPBridge
import NodeAgent

/// `mcpmesh up`: runs the node agent in the foreground.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the node agent in the foreground (join the mesh on first run).",
        discussion: """
            On first run, give --join with the join key your coordinator's admin made \
            (`mcpmesh-coordinator joinkey create`). The node makes its identity locally \
            (STATE/identity.key, mode 0600; the private key never leaves this machine), pins \
            the coordinator key from the join key, registers, and from then on runs from its \
            state directory without --join. It verifies every netmap, keeps the last good one \
            (STATE/netmap.bin) and keeps working on it while the coordinator is down, until \
            it expires. Stop it with SIGTERM or Ctrl-C.

            With --http 127.0.0.1:PORT the agent also serves every remote MCP server this \
            node may use as Streamable HTTP at http://127.0.0.1:PORT/PEER/SERVER/mcp, for \
            clients that speak HTTP rather than stdio. It listens on loopback only and refuses \
            requests whose Host or Origin is not that loopback address (DNS rebinding).
            """
    )

    @Option(help: "The join key (first run only).")
    var join: String?

    @Option(help: "State directory (default: $XDG_STATE_HOME/mcpmesh or ~/.local/state/mcpmesh).")
    var state: String?

    @Option(help: "The node name to ask for (default: the host name).")
    var name: String?

    @Option(help: "UDP address to listen on, HOST:PORT (numeric; port 0 picks one).")
    var listen: String = "0.0.0.0:0"

    @Option(name: .customLong("server"), help: "Name of an MCP server this node publishes (repeatable).")
    var servers: [String] = []

    @Option(help: "MCP servers to publish, in the mcpServers JSON shape MCP clients use.")
    var config: String?

    @Option(help: ArgumentHelp("Also serve each permitted remote server as Streamable HTTP at /PEER/SERVER/mcp on this loopback address.",
                               valueName: "127.0.0.1:PORT"))
    var http: String?

    @Flag(name: .customLong("rotate-key"), help: "Replace this node's identity key (signed by the current one) before starting.")
    var rotateKey = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        guard HostPortArgument(listen) != nil else { throw ValidationError("--listen \(listen): expected HOST:PORT, e.g. 0.0.0.0:41641") }
        if let http {
            guard let hp = HostPortArgument(http) else { throw ValidationError("--http \(http): expected 127.0.0.1:PORT, e.g. 127.0.0.1:8080") }
            do { _ = try HTTPGatewayListener.loopbackHost(hp.host) } catch { throw ValidationError(error.description) }
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning or error") }
    }

    func run() async throws {
        // A write to a pipe or socket whose reader is gone (a server that exited, a client
        // that hung up) must fail with EPIPE and be handled, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let level = Logger.Level(rawValue: logLevel)!
        var logger = Logger(label: "mcpmesh") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        let hp = HostPortArgument(listen)!
        var servers = self.servers
        var mcpServers: MCPServersConfig?
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                CLIError.exit(CLIError(exitCode: 1, message: "cannot read the MCP server config \(config)"))
            }
            do { mcpServers = try MCPServersConfig.parse(data) } catch {
                CLIError.exit(CLIError(exitCode: 1, message: "\(config): \(error.description)"))
            }
            servers += mcpServers!.names
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = Agent.Options(stateDirectory: state ?? Self.defaultStateDirectory(), joinKey: join, name: name,
                                    listenHost: hp.host, listenPort: hp.port, servers: servers, rotateKey: rotateKey)
        options.mcpServers = mcpServers
        options.http = http.flatMap(HostPortArgument.init).map { Agent.Options.HTTPAddress(host: $0.host, port: $0.port) }
        let agent: Agent
        do {
            agent = try await Agent.start(options, group: group, logger: logger)
        } catch let e as NodeAgentError {
            CLIError.exit(CLIError(exitCode: 1, message: e.description))
        } catch let e as HTTPGatewayError {
            CLIError.exit(CLIError(exitCode: 1, message: e.description))
        }
        var hupSource: (any DispatchSourceSignal)?
        if let config {
            // SIGHUP reloads the MCP server config.
            signal(SIGHUP, SIG_IGN)
            let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
            hup.setEventHandler {
                guard let data = FileManager.default.contents(atPath: config),
                      let parsed = try? MCPServersConfig.parse(data) else {
                    logger.error("SIGHUP: the MCP server config does not parse; keeping the old one", metadata: ["config": "\(config)"])
                    return
                }
                Task { try? await agent.reload(parsed) }
            }
            hup.resume()
            hupSource = hup
        }
        let signals = SignalWaiter()
        let stop = Task {
            await signals.wait()
            guard !Task.isCancelled else { return }
            logger.notice("stopping")
            await agent.stop()
        }
        do {
            try await agent.wait()
        } catch let e as NodeAgentError {
            stop.cancel()
            await agent.stop()
            CLIError.exit(CLIError(exitCode: 1, message: e.description))
        }
        if signals.received {
            // A signal is stopping the agent: let it finish closing sessions and sockets.
            _ = await stop.result
        } else {
            // The agent ended itself (`mcpmesh logout`): close everything and exit.
            stop.cancel()
            logger.notice("logged out; stopping")
            await agent.stop()
        }
        withExtendedLifetime(hupSource) {}
    }

    static func defaultStateDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_STATE_HOME"], !x.isEmpty { return x + "/mcpmesh" }
        return (env["HOME"] ?? "/tmp") + "/.local/state/mcpmesh"
    }
}

/// Waits for SIGTERM or SIGINT. `@unchecked`: the dispatch sources are set up in `init`
/// and only kept alive afterwards; nothing mutates them, and the stream is Sendable.
final class SignalWaiter: @unchecked Sendable {
    private let stream: AsyncStream<Void>
    private let sources: [any DispatchSourceSignal]

    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }
    private let receivedFlag = Flag()

    /// Whether SIGTERM or SIGINT arrived.
    var received: Bool { receivedFlag.isSet }

    init() {
        var cont: AsyncStream<Void>.Continuation!
        stream = AsyncStream { cont = $0 }
        let c = cont!
        let flag = receivedFlag
        sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { flag.set(); c.yield() }
            s.resume()
            return s
        }
    }

    /// Returns at the first signal, or when the calling task is cancelled.
    func wait() async {
        for await _ in stream { return }
    }
}
