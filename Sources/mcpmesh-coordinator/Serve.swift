import ArgumentParser
import Coordinator
import Logging
import MeshWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `serve`: runs the coordinator in the foreground until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the coordinator in the foreground.",
        discussion: """
            On first run this creates DIR (mode 0700), the coordinator's identity key \
            DIR/coordinator.key (mode 0600; only its public key is ever printed) and the registry \
            DIR/registry.sqlite. It serves the admin socket DIR/admin.sock (mode 0600) for the other \
            commands, and logs one line per event to standard error. SIGTERM or SIGINT shuts it \
            down gracefully (exit status 0).

            --listen is the UDP address of the control listener: nodes join there with a join \
            key and keep a Noise session with the coordinator, over which it pushes their signed \
            netmaps. --advertise is the address put into join keys when nodes must dial another \
            name or address than --listen (a public DNS name, or when --listen is 0.0.0.0).
            """
    )

    @Option(name: .long, help: ArgumentHelp("The coordinator's state directory (created 0700 if missing).", valueName: "DIR"))
    var state: String

    @Option(name: .long, help: ArgumentHelp(
        "UDP address of the control listener (node registration, netmaps, discovery, relay).", valueName: "HOST:PORT"))
    var listen: String

    @Option(name: .long, help: ArgumentHelp(
        "The address nodes dial, put into join keys (default: --listen; required when --listen is a wildcard such as 0.0.0.0).",
        valueName: "HOST:PORT"))
    var advertise: String?

    @Option(name: .long, help: ArgumentHelp(
        "Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics (no authentication: use loopback or a private address).",
        valueName: "HOST:PORT"))
    var metrics: String?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "LEVEL"))
    var logLevel: String = "info"

    func validate() throws {
        guard !state.isEmpty else { throw ValidationError("--state needs a directory") }
        let listenAddress = try Self.address(listen, option: "--listen")
        if let advertise {
            let advertised = try Self.address(advertise, option: "--advertise")
            if ServeConfiguration.isWildcard(advertised) {
                throw ValidationError("--advertise \(advertised) is not an address nodes can dial; give the public name "
                                      + "or address of this machine")
            }
        } else if ServeConfiguration.isWildcard(listenAddress) {
            throw ValidationError("--listen \(listenAddress) binds every interface but is not an address nodes can dial; "
                                  + "give --advertise HOST:PORT with the public name or address of this machine")
        }
        if let metrics { _ = try Self.address(metrics, option: "--metrics") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        // A write to a pipe or socket whose reader is gone (a server that exited, a client
        // that hung up) must fail with EPIPE and be handled, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        // Everything the coordinator creates is private to its user.
        umask(0o077)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mcpmesh-coordinator")
        let configuration = ServeConfiguration(
            stateDirectory: StateDirectory(state),
            listen: try Self.address(listen, option: "--listen"),
            advertise: try advertise.map { try Self.address($0, option: "--advertise") },
            metrics: try metrics.map { try Self.address($0, option: "--metrics") })
        do {
            try await CoordinatorServer.run(configuration, logger: logger, makeControlService: ControlService.factory)
        } catch let error as CoordinatorError {
            logger.critical("coordinator failed: \(error)")
            throw CLIError(error.description)
        }
    }

    /// `text` as HOST:PORT, or a usage error naming `option`.
    static func address(_ text: String, option: String) throws -> HostPort {
        guard let address = HostPort(text) else {
            throw ValidationError("\(option) \"\(text)\" is not HOST:PORT (such as 127.0.0.1:41641, coord.example.com:41641 or [::1]:41641)")
        }
        return address
    }
}
