#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes the database's directory (mode 0700) and file (mode 0600) before SQLite opens it, so
/// the registry is never readable by other users, not even for an instant. SQLite gives its
/// `-wal` and `-shm` files the database file's mode.
enum DatabaseFile {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    static func prepare(path: String) throws(RegistryError) {
        guard !path.isEmpty else { throw .cannotOpen(path: path, reason: "the path is empty") }
        if let directory = parent(of: path) {
            try makeDirectory(directory)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: lastError()) }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: lastError()) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .cannotOpen(path: path, reason: "it is not a regular file")
        }
        guard fchmod(fd, fileMode) == 0 else {
            throw .cannotOpen(path: path, reason: "cannot set mode 0600: \(lastError())")
        }
    }

    /// Makes `directory` and any missing parents with mode 0700. An existing directory is
    /// left as it is.
    static func makeDirectory(_ directory: String) throws(RegistryError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .cannotCreateDirectory(path: directory, reason: "it exists and is not a directory")
            }
            return
        }
        guard errno == ENOENT else { throw .cannotCreateDirectory(path: directory, reason: lastError()) }
        if let above = parent(of: directory) {
            try makeDirectory(above)
        }
        if mkdir(directory, directoryMode) != 0 {
            guard errno == EEXIST else { throw .cannotCreateDirectory(path: directory, reason: lastError()) }
            return
        }
        // The umask may have taken bits away; set exactly 0700.
        guard chmod(directory, directoryMode) == 0 else {
            throw .cannotCreateDirectory(path: directory, reason: "cannot set mode 0700: \(lastError())")
        }
    }

    /// The directory part of `path`, or `nil` when there is none to make ("file" or "/").
    static func parent(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        let directory = trimmed[..<slash]
        return directory.isEmpty ? nil : String(directory)
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
