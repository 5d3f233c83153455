#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The coordinator's state directory (`--state DIR`) and the files in it. The directory is
/// private to the coordinator's user (mode 0700); everything secret in it is mode 0600.
///
///     DIR/registry.sqlite    the registry (with -wal and -shm beside it)
///     DIR/coordinator.key    the identity seed, 32 bytes, mode 0600
///     DIR/admin.sock         the admin socket, mode 0600, while the server runs
///     DIR/coordinator.lock   held (flock) by the running server; holds its pid
public struct StateDirectory: Hashable, Sendable {
    public static let directoryMode: mode_t = 0o700

    /// The directory as given on the command line, without trailing slashes.
    public let path: String

    public init(_ path: String) {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed
    }

    public var registryPath: String { path + "/registry.sqlite" }
    public var identityPath: String { path + "/coordinator.key" }
    public var adminSocketPath: String { path + "/admin.sock" }
    public var lockPath: String { path + "/coordinator.lock" }

    /// Makes the directory (and missing parents) with mode 0700. An existing directory that
    /// others may read is tightened to 0700; the returned warning says so, for the log.
    @discardableResult
    public func create() throws(CoordinatorError) -> String? {
        guard !path.isEmpty else { throw .stateDirectory(path: path, reason: "the path is empty") }
        if let mode = Posix.mode(of: path) {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw .stateDirectory(path: path, reason: "it exists and is not a directory")
            }
            guard info.st_uid == geteuid() else {
                throw .stateDirectory(path: path, reason: "it belongs to uid \(info.st_uid), not to this user (uid \(geteuid()))")
            }
            guard mode != Self.directoryMode else { return nil }
            guard chmod(path, Self.directoryMode) == 0 else {
                throw .stateDirectory(path: path, reason: "cannot set mode 0700: \(Posix.lastError())")
            }
            return "the state directory \(path) had mode \(Posix.octal(mode)); set it to 0700"
        }
        try makeDirectory(path)
        return nil
    }

    private func makeDirectory(_ directory: String) throws(CoordinatorError) {
        if Posix.mode(of: directory) != nil { return }
        if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
            try makeDirectory(String(directory[..<slash]))
        }
        if mkdir(directory, Self.directoryMode) != 0 && errno != EEXIST {
            throw .stateDirectory(path: directory, reason: Posix.lastError())
        }
        // The umask may have taken bits away; set exactly 0700.
        guard chmod(directory, Self.directoryMode) == 0 else {
            throw .stateDirectory(path: directory, reason: "cannot set mode 0700: \(Posix.lastError())")
        }
    }
}
