import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A stdio MCP server's stdin and stdout as the parent holds them: two pipes served by one
/// thread of their own, which `StdioUpstream` hands to the child at spawn.
///
/// Why not the subprocess library's streams: they wake a monitor thread, then a task, for
/// every read, and set the descriptor's flags again on every read and write. Here a reply
/// costs one wake-up of this thread, which frames it and resumes the reader; a message to the
/// server is written at once by the sender (no hop) when the pipe has room.
///
/// - `write(_:)` writes in the caller's thread while nothing is queued; what the pipe does
///   not take waits, in order, for the thread to write it when the pipe drains, and the
///   caller waits with it (backpressure).
/// - `next()` hands out the messages framed from stdout. While more than `maxQueuedBytes`
///   wait to be taken, the thread stops reading, so a reader that falls behind slows the
///   server instead of filling memory.
/// - Stdout ends at end of file, or when the child exits (its pidfd on Linux) even if a
///   process it started still holds the pipe open; what is in the pipe then is still read.
/// - Given a `StdioOutputReader` (the agent's event loop), stdout is read there instead and
///   framed as it arrives; the thread then only waits for a full stdin pipe and the exit.
final class StdioPipes: @unchecked Sendable {
    /// The child's ends, for the spawn: the read end of its stdin, the write end of its stdout.
    private(set) var childStdin: Int32 = -1, childStdout: Int32 = -1

    private let server: String
    private let maxQueuedBytes: Int
    /// Used by whoever reads stdout (the thread, or the output reader), one at a time.
    private var framer: MessageFramer
    private let onOutputEnd: @Sendable () -> Void
    private let outputReader: (any StdioOutputReader)?

    // Everything below is guarded by `lock`.
    private let lock = NSLock()
    private enum Phase { case idle, open, running, stopped }
    private var phase = Phase.idle
    private var input: Int32 = -1, output: Int32 = -1, exitDescriptor: Int32 = -1
    private var wakeRead: Int32 = -1, wakeWrite: Int32 = -1
    private var inputClosing = false
    private var writes: [PendingWrite] = []
    private var queue: [Data] = []
    private var queueHead = 0
    private var queuedBytes = 0
    private var waiter: CheckedContinuation<Data?, any Error>?
    /// Set once stdout has ended: `.success` at its end, `.failure` when reading failed.
    private var outputEnd: Result<Void, MCPBridgeError>?
    /// The output reader's pipe, when it reads stdout; paused while the queue is full.
    private var external: (any StdioOutputReading)?
    private var externalPaused = false
    private var exitSeen = false
    private var threadDone = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// Pipes for `server`, framing messages up to `maxMessageBytes`; `onOutputEnd` is called
    /// once when stdout ends, with a lock held: it must only signal (yield to a stream).
    init(server: String, maxMessageBytes: Int, maxQueuedBytes: Int = 1 << 20,
         outputReader: (any StdioOutputReader)? = nil, onOutputEnd: @escaping @Sendable () -> Void) {
        self.server = server
        self.maxQueuedBytes = maxQueuedBytes
        self.framer = MessageFramer(maxMessageBytes: maxMessageBytes)
        self.outputReader = outputReader
        self.onOutputEnd = onOutputEnd
    }

    deinit {
        for fd in [childStdin, childStdout, input, output, exitDescriptor, wakeRead, wakeWrite] where fd >= 0 { _ = close(fd) }
    }

    // MARK: - Life cycle

    /// Makes the pipes (close-on-exec; the parent's ends non-blocking).
    func open() throws(MCPBridgeError) {
        lock.lock()
        defer { lock.unlock() }
        guard phase == .idle else { return }
        var ends: [Int32] = []
        for _ in 0..<3 {
            guard let (r, w) = Self.makePipe() else {
                let reason = String(cString: strerror(errno))
                for fd in ends { _ = close(fd) }
                throw .launchFailed(server: server, reason: "cannot make a pipe: \(reason)")
            }
            ends += [r, w]
        }
        (childStdin, input, output, childStdout, wakeRead, wakeWrite) = (ends[0], ends[1], ends[2], ends[3], ends[4], ends[5])
        for fd in [input, output, wakeRead, wakeWrite] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        phase = .open
    }

    /// Closes the child's ends, once the child has its copies (or failed to start).
    func closeChildEnds() {
        lock.lock()
        defer { lock.unlock() }
        for fd in [childStdin, childStdout] where fd >= 0 { _ = close(fd) }
        (childStdin, childStdout) = (-1, -1)
    }

    /// Starts the thread (after handing stdout to the output reader, if there is one and it
    /// takes it). `exitDescriptor`, when not negative, is a descriptor that becomes readable
    /// when the child exits (a pidfd); it is duplicated, the caller keeps its own.
    func start(exitDescriptor: Int32) async {
        let output: Int32? = lock.withLock {
            guard phase == .open else { return nil }
            phase = .running
            if exitDescriptor >= 0 { self.exitDescriptor = fcntl(exitDescriptor, F_DUPFD_CLOEXEC, 0) }
            return self.output
        }
        guard let output else { return }
        if let outputReader, let reading = try? await outputReader.start(
            reading: output, deliver: { [self] in received($0) }, end: { [self] in receivedEnd($0) }) {
            lock.withLock {
                self.output = -1
                external = reading
            }
        }
        let thread = Thread { self.serve() }
        thread.name = "mcp-stdio"
        thread.start()
    }

    /// Stops the thread after a last read of stdout (which then ends), fails writes still
    /// waiting, closes every descriptor, and returns once the thread is gone.
    func stop() async {
        let mustWait: Bool = lock.withLock {
            // The output reader reads what is left and ends stdout.
            external?.finish()
            switch phase {
            case .idle, .open:
                phase = .stopped
                endOutputLocked(.success(()))
                closeAllLocked()
                return false
            case .stopped where threadDone:
                return false
            case .running, .stopped:
                phase = .stopped
                pokeLocked()
                return true
            }
        }
        guard mustWait else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = lock.withLock {
                if !threadDone { stopWaiters.append(continuation) }
                return threadDone
            }
            if done { continuation.resume() }
        }
    }

    /// Ends stdout with `error` (the child could not be started).
    func fail(_ error: MCPBridgeError) {
        lock.lock()
        endOutputLocked(.failure(error))
        lock.unlock()
    }

    // MARK: - Stdin

    /// Writes `bytes` to the child's stdin after anything written before; returns once the
    /// pipe has taken them all. Throws when stdin is closed or the child stopped reading it.
    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let pending = PendingWrite(bytes: bytes)
        let queued: Bool = try lock.withLock {
            guard phase == .running, input >= 0, !inputClosing else {
                throw MCPBridgeError.notConnected(what: "MCP server \"\(server)\"")
            }
            if writes.isEmpty {
                if let error = writeLocked(pending) { throw error }
                if pending.isDone { return false }
            }
            writes.append(pending)
            pokeLocked()
            return true
        }
        guard queued else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if let result = lock.withLock({ pending.wait(continuation) }) { continuation.resume(with: result) }
            }
        } onCancel: {
            // The bytes stay queued (a message is never cut short); only the wait ends.
            lock.withLock { pending.abandon() }?.resume(throwing: CancellationError())
        }
    }

    /// Bytes written to stdin that the pipe has not taken yet.
    var pendingInputBytes: Int {
        lock.withLock { writes.reduce(0) { $0 + $1.bytes.count - $1.offset } }
    }

    /// Closes the child's stdin once the writes already queued are done (at once if none).
    func closeInput() {
        lock.lock()
        inputClosing = true
        pokeLocked()
        lock.unlock()
    }

    /// Writes as much of `pending` as the pipe takes; the error when it cannot be written.
    /// Called with `lock` held.
    private func writeLocked(_ pending: PendingWrite) -> MCPBridgeError? {
        while !pending.isDone {
            let n = pending.bytes.withUnsafeBytes { raw in
                posixWrite(input, raw.baseAddress! + pending.offset, raw.count - pending.offset)
            }
            if n > 0 {
                pending.offset += n
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            return .upstreamFailed(server: server, reason: "cannot write to its stdin: \(String(cString: strerror(errno)))")
        }
        return nil
    }

    /// Writes what is queued, in order; on an error every queued write fails with it.
    private func flushWritesLocked() {
        while let first = writes.first {
            if let error = writeLocked(first) {
                for w in writes { w.complete(.failure(error))?.resume(throwing: error) }
                writes.removeAll()
                return
            }
            guard first.isDone else { return }
            writes.removeFirst()
            first.complete(.success(()))?.resume()
        }
    }

    // MARK: - Stdout

    /// The next message from stdout; nil after its end (or when the task is cancelled);
    /// throws when reading it failed. One reader at a time.
    func next() async throws -> Data? {
        if let taken = lock.withLock({ takeLocked() }) { return try taken.get() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data?, any Error>) in
                let taken: Result<Data?, any Error>? = lock.withLock {
                    if let taken = takeLocked() { return taken }
                    if Task.isCancelled { return .success(nil) }
                    precondition(waiter == nil, "StdioPipes has one reader")
                    waiter = continuation
                    return nil
                }
                if let taken { continuation.resume(with: taken) }
            }
        } onCancel: {
            let waiting: CheckedContinuation<Data?, any Error>? = lock.withLock {
                defer { waiter = nil }
                return waiter
            }
            waiting?.resume(returning: nil)
        }
    }

    /// A queued message, or the end; nil when the reader must wait. Called with `lock` held.
    private func takeLocked() -> Result<Data?, any Error>? {
        if queueHead < queue.count {
            let message = queue[queueHead]
            queueHead += 1
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            }
            let wasPaused = queuedBytes > maxQueuedBytes
            queuedBytes -= message.count
            if wasPaused, queuedBytes <= maxQueuedBytes / 2 { pokeLocked() }
            if externalPaused, queuedBytes <= maxQueuedBytes / 2 {
                externalPaused = false
                external?.resume()
            }
            return .success(message)
        }
        switch outputEnd {
        case .none: return nil
        case .success: return .success(nil)
        case .failure(let error): return .failure(error)
        }
    }

    private func enqueueLocked(_ message: Data) {
        if let waiting = waiter {
            waiter = nil
            waiting.resume(returning: message)
        } else {
            queue.append(message)
            queuedBytes += message.count
        }
    }

    /// Ends stdout (once) and tells the reader and `onOutputEnd`, which must not block.
    private func endOutputLocked(_ end: Result<Void, MCPBridgeError>) {
        guard outputEnd == nil else { return }
        outputEnd = end
        if let waiting = waiter {
            waiter = nil
            switch end {
            case .success: waiting.resume(returning: nil)
            case .failure(let error): waiting.resume(throwing: error)
            }
        }
        onOutputEnd()
    }

    // MARK: - The thread

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds: [pollfd] = []
        while true {
            lock.lock()
            if phase == .stopped { break }
            if inputClosing, writes.isEmpty, input >= 0 {
                _ = close(input)
                input = -1
            }
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            let reading = outputEnd == nil && output >= 0 && queuedBytes <= maxQueuedBytes
            fds.append(pollfd(fd: reading ? output : -1, events: Int16(POLLIN), revents: 0))
            fds.append(pollfd(fd: !writes.isEmpty && input >= 0 ? input : -1, events: Int16(POLLOUT), revents: 0))
            fds.append(pollfd(fd: outputEnd == nil && !exitSeen ? exitDescriptor : -1, events: Int16(POLLIN), revents: 0))
            lock.unlock()

            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                lock.lock()
                endOutputLocked(.failure(.upstreamFailed(server: server, reason: "poll failed: \(String(cString: strerror(errno)))")))
                break
            }
            if fds[0].revents != 0 { drainWakePipe() }
            if fds[1].revents != 0 { readOutput(&buffer, final: false) }
            if fds[2].revents != 0 {
                lock.lock()
                flushWritesLocked()
                lock.unlock()
            }
            // The child exited: what it left in the pipe is read, then stdout has ended.
            if fds[3].revents != 0 {
                let reading: (any StdioOutputReading)? = lock.withLock {
                    exitSeen = true
                    return external
                }
                if let reading { reading.finish() } else { readOutput(&buffer, final: true) }
            }
        }
        // Stopped, with `lock` held: a last read, then everything ends (stdout, when the
        // output reader has it, ends when that reader has read the rest).
        lock.unlock()
        readOutput(&buffer, final: true)
        lock.lock()
        if external == nil { endOutputLocked(.success(())) }
        let error = MCPBridgeError.notConnected(what: "MCP server \"\(server)\"")
        for w in writes { w.complete(.failure(error))?.resume(throwing: error) }
        writes.removeAll()
        closeAllLocked()
        threadDone = true
        let waiting = stopWaiters
        stopWaiters.removeAll()
        lock.unlock()
        for w in waiting { w.resume() }
    }

    /// Reads stdout once and frames it; with `final`, reads until nothing is left and then
    /// ends stdout (a last line without its newline still counts).
    private func readOutput(_ buffer: inout [UInt8], final: Bool) {
        while true {
            lock.lock()
            let fd = outputEnd == nil ? output : -1
            lock.unlock()
            guard fd >= 0 else { return }
            let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress!, raw.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno != EAGAIN, errno != EWOULDBLOCK {
                let reason = "reading its stdout failed: \(String(cString: strerror(errno)))"
                lock.lock()
                endOutputLocked(.failure(.upstreamFailed(server: server, reason: reason)))
                lock.unlock()
                return
            }
            let atEnd = n == 0 || (n < 0 && final)
            var messages: [Data] = []
            var end: Result<Void, MCPBridgeError>?
            do {
                if n > 0 {
                    buffer.withUnsafeBytes { framer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    while let message = try framer.next() { messages.append(message) }
                }
                if atEnd {
                    if let last = try framer.finish() { messages.append(last) }
                    end = .success(())
                }
            } catch {
                end = .failure(.upstreamFailed(server: server, reason: "its stdout: \(error)"))
            }
            lock.lock()
            for message in messages { enqueueLocked(message) }
            if let end { endOutputLocked(end) }
            lock.unlock()
            if end != nil || !final { return }
        }
    }

    /// From the output reader: `chunk` of stdout.
    private func received(_ chunk: [UInt8]) {
        guard lock.withLock({ outputEnd == nil }) else { return }
        var messages: [Data] = []
        var failure: MCPBridgeError?
        framer.append(chunk)
        do {
            while let message = try framer.next() { messages.append(message) }
        } catch {
            failure = .upstreamFailed(server: server, reason: "its stdout: \(error)")
        }
        lock.withLock {
            for message in messages { enqueueLocked(message) }
            if let failure { endOutputLocked(.failure(failure)) }
            if queuedBytes > maxQueuedBytes, !externalPaused, outputEnd == nil, let external {
                externalPaused = true
                external.pause()
            }
        }
    }

    /// From the output reader: stdout ended (nil) or reading it failed.
    private func receivedEnd(_ error: (any Error)?) {
        guard lock.withLock({ outputEnd == nil }) else { return }
        var last: Data?
        var end: Result<Void, MCPBridgeError> = .success(())
        if let error {
            end = .failure(.upstreamFailed(server: server, reason: "reading its stdout failed: \(error)"))
        } else {
            do { last = try framer.finish() } catch {
                end = .failure(.upstreamFailed(server: server, reason: "its stdout: \(error)"))
            }
        }
        lock.withLock {
            if let last { enqueueLocked(last) }
            endOutputLocked(end)
        }
    }

    private func drainWakePipe() {
        var byte: UInt8 = 0
        while read(wakeRead, &byte, 1) > 0 {}
    }

    /// Wakes the thread so that it looks at the state again. Called with `lock` held.
    private func pokeLocked() {
        guard wakeWrite >= 0 else { return }
        var byte: UInt8 = 1
        _ = posixWrite(wakeWrite, &byte, 1)
    }

    private func closeAllLocked() {
        for fd in [childStdin, childStdout, input, output, exitDescriptor, wakeRead, wakeWrite] where fd >= 0 { _ = close(fd) }
        (childStdin, childStdout, input, output, exitDescriptor, wakeRead, wakeWrite) = (-1, -1, -1, -1, -1, -1, -1)
    }

    /// A pipe whose ends are close-on-exec from the start where the system can (`pipe2`), so
    /// that no child spawned meanwhile by another thread inherits them.
    private static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = Self.pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return (fds[0], fds[1])
    }

    /// `pipe2(2)`, which the C library declares only for `_GNU_SOURCE` (so Swift does not see
    /// it); nil where there is none.
    private static let pipe2: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32)? = {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)
        #else
        return nil
        #endif
    }()
}

/// One write waiting for the pipe; `@unchecked` because only `StdioPipes` touches it, under
/// its lock.
private final class PendingWrite: @unchecked Sendable {
    let bytes: [UInt8]
    var offset = 0
    private var continuation: CheckedContinuation<Void, any Error>?
    private var result: Result<Void, any Error>?
    private var abandoned = false

    init(bytes: [UInt8]) { self.bytes = bytes }

    var isDone: Bool { offset == bytes.count }

    /// Registers the writer; returns the result at once if it is already known.
    func wait(_ continuation: CheckedContinuation<Void, any Error>) -> Result<Void, any Error>? {
        if abandoned { return .failure(CancellationError()) }
        if let result { return result }
        self.continuation = continuation
        return nil
    }

    /// The write finished: the writer to resume, if it waits.
    func complete(_ result: Result<Void, any Error>) -> CheckedContinuation<Void, any Error>? {
        self.result = result
        defer { continuation = nil }
        return continuation
    }

    /// The writer stopped waiting (cancelled): the continuation to resume, if it waits.
    func abandon() -> CheckedContinuation<Void, any Error>? {
        abandoned = true
        defer { continuation = nil }
        return continuation
    }
}

#if canImport(Glibc)
private let posixWrite = Glibc.write
#elseif canImport(Musl)
private let posixWrite = Musl.write
#elseif canImport(Darwin)
private let posixWrite = Darwin.write
#endif
