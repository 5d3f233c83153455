#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MeshCrypto

/// The coordinator's long-term identity on disk: the 32-byte Ed25519 seed, alone, in a file
/// of mode 0600 (`DIR/coordinator.key`). Made on the first `serve`; never printed or logged.
public enum IdentityFile {
    public static let fileMode: mode_t = 0o600
    static let seedLength = 32

    /// Loads the identity at `path`, or makes a new one there if the file does not exist.
    /// Returns the key and whether it was made now.
    public static func loadOrCreate(at path: String,
                                    generate: () -> IdentitySecretKey = { IdentitySecretKey.generate() })
        throws(CoordinatorError) -> (key: IdentitySecretKey, created: Bool) {
        if Posix.mode(of: path) != nil { return (try load(from: path), false) }
        let key = generate()
        try write(key, to: path)
        return (key, true)
    }

    /// Reads the identity at `path`. Refuses a file other users may read or write, and a
    /// file that is not exactly a 32-byte seed.
    public static func load(from path: String) throws(CoordinatorError) -> IdentitySecretKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .identityFile(path: path, reason: Posix.lastError()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .identityFile(path: path, reason: Posix.lastError()) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .identityFile(path: path, reason: "it is not a regular file")
        }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw .identityFile(path: path, reason: "it has mode \(Posix.octal(mode)), so other users could read "
                                + "the coordinator's private key; run `chmod 600 \(path)` if it was not exposed")
        }
        guard info.st_size == off_t(seedLength) else {
            throw .identityFile(path: path, reason: "it holds \(info.st_size) bytes; a coordinator key file holds exactly \(seedLength)")
        }
        var readCount = 0
        let seed = SecretBytes(count: seedLength) { buffer in
            while readCount < seedLength {
                let n = read(fd, buffer.baseAddress! + readCount, seedLength - readCount)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                readCount += n
            }
        }
        guard readCount == seedLength else {
            throw .identityFile(path: path, reason: "it could not be read whole: \(Posix.lastError())")
        }
        do {
            return try IdentitySecretKey(seed: seed)
        } catch {
            throw .identityFile(path: path, reason: error.description)
        }
    }

    /// Writes `key`'s seed to `path` (mode 0600) through a temporary file, a sync and a
    /// rename, so a crash leaves either no key file or a whole one.
    public static func write(_ key: IdentitySecretKey, to path: String) throws(CoordinatorError) {
        let temporary = path + ".new"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, fileMode)
        guard fd >= 0 else { throw .identityFile(path: temporary, reason: Posix.lastError()) }
        let seed = key.seed
        let written = seed.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        let ok = written && fchmod(fd, fileMode) == 0 && fsync(fd) == 0
        let problem = ok ? nil : Posix.lastError()
        close(fd)
        guard ok else {
            unlink(temporary)
            throw .identityFile(path: path, reason: "cannot write it: \(problem ?? "unknown error")")
        }
        guard rename(temporary, path) == 0 else {
            let reason = Posix.lastError()
            unlink(temporary)
            throw .identityFile(path: path, reason: "cannot put it in place: \(reason)")
        }
        syncDirectory(of: path)
    }

    /// Syncs the directory holding `path`, so that a rename survives power loss.
    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// `write(2)`, which `IdentityFile.write` would otherwise shadow.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
