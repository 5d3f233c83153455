import Foundation
import Logging
import MCP
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One remote session's own instance of a stdio MCP server: a child process started with
/// swift-subprocess, spoken to in newline-delimited JSON over its stdin and stdout. It is the
/// SDK's `Transport`, so the session relay (or an SDK `Client`, in tests) drives it like any
/// other MCP transport.
///
/// - The child gets `command` and `args`, in `cwd`, with the config's `env` over a minimal
///   base environment (`StdioServerConfig.minimalEnvironment(from:)`); the caller supplies
///   that base, nothing here reads the process environment.
/// - The child leads its own process group, so servers started through `npx` or `uvx` are
///   ended together with the helpers they spawn.
/// - Its stdin and stdout are `StdioPipes`: a message is written to stdin by the sender
///   itself when the pipe has room, and stdout is read and framed by `MessageFramer` (the same
///   size limit as mesh streams) on a thread of the pipes' own, or on the caller's event loop
///   (`StdioOutputReader`), which hands each message straight to the reader. An oversized
///   message ends the session with an error rather than leaving a request unanswered.
/// - Its stderr is kept in a `BoundedLog` (and logged at debug level).
/// - `disconnect()` closes stdin, sends SIGTERM to the group and SIGKILL after
///   `terminationGrace`, and returns once the process is gone. A child that exits on its own
///   ends `receive()`.
public actor StdioUpstream: Transport {
    /// Limits and timing.
    public struct Options: Sendable, Hashable {
        /// The largest message accepted from the server.
        public var maxMessageBytes: Int
        /// Bytes of stderr kept.
        public var stderrCapacity: Int
        /// From SIGTERM to SIGKILL.
        public var terminationGrace: Duration

        /// Options with every value given (defaults: 64 MiB, 64 KiB, 2 s).
        public init(maxMessageBytes: Int = MessageFramer.defaultMaxMessageBytes, stderrCapacity: Int = 64 * 1024,
                    terminationGrace: Duration = .seconds(2)) {
            self.maxMessageBytes = maxMessageBytes
            self.stderrCapacity = stderrCapacity
            self.terminationGrace = terminationGrace
        }
    }

    private enum Phase {
        case idle
        case starting(CheckedContinuation<Void, any Error>)
        case running
        case closed
    }

    public nonisolated let logger: Logger
    /// The server this process serves.
    public nonisolated let config: StdioServerConfig
    private let baseEnvironment: [String: String]
    private let options: Options

    private var phase: Phase = .idle
    private let pipes: StdioPipes
    private let messages: AsyncThrowingStream<Data, any Error>
    private let closeRequests: AsyncStream<Void>
    private let closeSink: AsyncStream<Void>.Continuation
    private var runTask: Task<Void, Never>?
    private var stderr: BoundedLog

    /// The child's process id while it runs (kept after it ends, for diagnostics).
    public private(set) var processID: Int32?
    /// How the child ended, once it has (`exited(0)`, `unhandledException(15)`, …).
    public private(set) var termination: String?

    /// An upstream for `config`, whose child will inherit `baseEnvironment` under its `env`.
    /// `outputReader`, when given, reads the child's stdout (the agent passes its event loop);
    /// without one, the pipes' own thread does.
    public init(config: StdioServerConfig, baseEnvironment: [String: String], options: Options = Options(),
                outputReader: (any StdioOutputReader)? = nil, logger: Logger? = nil) {
        self.config = config
        self.baseEnvironment = baseEnvironment
        self.options = options
        self.logger = logger ?? Logger(label: "mcpmesh.upstream.\(config.name)", factory: { _ in SwiftLogNoOpLogHandler() })
        self.stderr = BoundedLog(capacity: options.stderrCapacity)
        let (closeRequests, closeSink) = AsyncStream<Void>.makeStream()
        (self.closeRequests, self.closeSink) = (closeRequests, closeSink)
        // The end of stdout ends the child too, as a close request.
        let pipes = StdioPipes(server: config.name, maxMessageBytes: options.maxMessageBytes,
                               outputReader: outputReader, onOutputEnd: { closeSink.yield() })
        self.pipes = pipes
        self.messages = AsyncThrowingStream(unfolding: { try await pipes.next() })
    }

    /// What the server last wrote to stderr.
    public var stderrTail: BoundedLog { stderr }

    // MARK: - Transport

    /// Starts the child; returns once it runs, or throws `launchFailed`.
    public func connect() async throws {
        guard case .idle = phase else { return }
        try await withCheckedThrowingContinuation { continuation in
            phase = .starting(continuation)
            runTask = Task { await self.run() }
        }
    }

    /// Ends the child (stdin closed, SIGTERM, SIGKILL after the grace period) and returns
    /// when it is gone.
    public func disconnect() async {
        closeSink.yield()
        closeSink.finish()
        await runTask?.value
    }

    /// Writes one message (a newline is added) to the child's stdin, after any earlier one:
    /// concurrent sends are queued so their bytes never interleave. Not isolated to the actor:
    /// the pipes keep their own order, so a send takes no hop.
    public nonisolated func send(_ data: Data) async throws {
        do {
            try await pipes.write(MessageFramer.framedBytes(data))
        } catch let error as MCPBridgeError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw MCPBridgeError.upstreamFailed(server: config.name, reason: "cannot write to its stdin: \(error)")
        }
    }

    /// Bytes sent that the child's stdin has not taken yet: at most the messages whose
    /// `send` is still waiting (a session sends one at a time).
    public nonisolated var pendingInputBytes: Int { pipes.pendingInputBytes }

    /// The messages the child writes to stdout; ends when it exits or is ended.
    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    // MARK: - Running the child

    private func run() async {
        var platform = PlatformOptions()
        platform.processGroupID = 0
        platform.teardownSequence = teardownSteps
        let executable: Executable = config.command.contains("/") ? .path(FilePath(config.command)) : .name(config.command)
        var environment: [Environment.Key: String] = [:]
        for (key, value) in config.environment(base: baseEnvironment) {
            if let key = Environment.Key(rawValue: key) { environment[key] = value }
        }
        do {
            try pipes.open()
        } catch {
            return failed(error)
        }
        do {
            let result = try await Subprocess.run(
                executable, arguments: Arguments(config.args), environment: .custom(environment),
                workingDirectory: config.cwd.map { FilePath($0) }, platformOptions: platform,
                input: .fileDescriptor(FileDescriptor(rawValue: pipes.childStdin), closeAfterSpawningProcess: false),
                output: .fileDescriptor(FileDescriptor(rawValue: pipes.childStdout), closeAfterSpawningProcess: false),
                error: .sequence
            ) { execution in
                self.pipes.closeChildEnds()
                await self.pipes.start(exitDescriptor: Self.exitDescriptor(execution.processIdentifier))
                self.started(pid: execution.processIdentifier.value)
                await self.serve(execution)
            }
            await pipes.stop()
            finished(termination: "\(result.terminationStatus)")
        } catch {
            pipes.closeChildEnds()
            failed(MCPBridgeError.launchFailed(server: config.name, reason: "\(error)"))
            await pipes.stop()
        }
    }

    /// A descriptor that becomes readable when the child exits (its pidfd on Linux), so that
    /// its stdout ends even if a process it started keeps the pipe open; -1 elsewhere.
    private static func exitDescriptor(_ id: ProcessIdentifier) -> Int32 {
        #if os(Linux)
        id.processDescriptor
        #else
        -1
        #endif
    }

    private nonisolated var teardownSteps: [TeardownStep] {
        [.send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: options.terminationGrace)]
    }

    /// Pumps stderr until a close is requested (or stdout ends), then ends the child: stdin
    /// closed, SIGTERM to its group, SIGKILL after the grace period.
    private nonisolated func serve(_ execution: Execution<FileDescriptorInput, FileDescriptorOutput, SequenceOutput>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.readStderr(execution.standardError) }
            for await _ in closeRequests { break }
            pipes.closeInput()
            await execution.teardown(using: teardownSteps)
            await group.waitForAll()
        }
    }

    private nonisolated func readStderr(_ output: SubprocessOutputSequence) async {
        do {
            for try await buffer in output {
                let bytes = buffer.withUnsafeBytes { Array($0) }
                await appendStderr(bytes)
            }
        } catch {
            logger.debug("stderr of the MCP server ended with an error", metadata: ["error": "\(error)"])
        }
    }

    private func appendStderr(_ bytes: [UInt8]) {
        for line in stderr.append(bytes) {
            logger.debug("\(line)", metadata: ["stream": "stderr", "server": "\(config.name)"])
        }
    }

    private func started(pid: Int32) {
        processID = pid
        if case .starting(let continuation) = phase {
            phase = .running
            continuation.resume()
        }
    }

    private func finished(termination: String) {
        self.termination = termination
        phase = .closed
        logger.debug("MCP server ended", metadata: ["server": "\(config.name)", "termination": "\(termination)"])
    }

    private func failed(_ error: MCPBridgeError) {
        if case .starting(let continuation) = phase { continuation.resume(throwing: error) }
        phase = .closed
        pipes.fail(error)
    }
}
