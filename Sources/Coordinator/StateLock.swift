#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `DIR/coordinator.lock`, held while a coordinator serves the
/// directory, so that two servers never share one registry and admin socket. The kernel
/// drops the lock when the process dies, even by SIGKILL, so a crash leaves nothing to
/// clean up.
public final class StateLock: Sendable {
    private let fd: Int32
    public let path: String

    /// Takes the lock and writes this process's pid into the file.
    ///
    /// - Throws: `CoordinatorError.alreadyRunning` (naming the holder's pid) when another
    ///   process holds it.
    public init(_ directory: StateDirectory) throws(CoordinatorError) {
        path = directory.lockPath
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .stateDirectory(path: path, reason: "cannot open the lock file: \(Posix.lastError())") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readPID(fd)
            close(fd)
            if code == EWOULDBLOCK { throw .alreadyRunning(stateDirectory: directory.path, pid: holder) }
            throw .stateDirectory(path: path, reason: "cannot lock: \(Posix.message(code))")
        }
        _ = ftruncate(fd, 0)
        _ = Posix.writeAll(fd, Array("\(getpid())\n".utf8))
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        return Int32(text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first ?? "")
    }
}
