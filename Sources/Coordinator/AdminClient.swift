import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an admin command could not get an answer from the server.
public enum AdminClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No socket file: the server is not running on this state directory.
    case notRunning(socket: String)
    /// The socket file exists but nothing accepts connections on it (left by a server that
    /// was killed).
    case notAnswering(socket: String)
    /// The socket path does not fit in a unix socket address.
    case pathTooLong(socket: String, limit: Int)
    /// Connecting failed for another reason (such as permission denied).
    case connect(socket: String, reason: String)
    /// Sending or receiving failed, or the server closed the connection early.
    case transport(socket: String, reason: String)
    /// The reply is not a reply this client understands.
    case badReply(reason: String)
    /// The server refused or failed the request.
    case refused(AdminFailure)
    /// The request is over the admin socket's line limit; it was not sent.
    case requestTooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .notRunning(let socket):
            return "the coordinator is not running (no \(socket)); start it with `mcpmesh-coordinator serve`"
        case .notAnswering(let socket):
            return "the coordinator is not running (nothing answers on \(socket), left by a coordinator that stopped); "
                + "start it with `mcpmesh-coordinator serve`"
        case .pathTooLong(let socket, let limit):
            return "the admin socket path \(socket) is longer than the \(limit) bytes a unix socket address holds; "
                + "use a shorter --state path"
        case .connect(let socket, let reason):
            return "cannot connect to the coordinator at \(socket): \(reason)"
        case .transport(let socket, let reason):
            return "the connection to the coordinator at \(socket) failed: \(reason)"
        case .badReply(let reason):
            return "the coordinator's reply cannot be read: \(reason)"
        case .refused(let failure):
            return failure.message
        case .requestTooLarge(let bytes, let limit):
            return "the request is \(bytes) bytes, over the admin socket's limit of \(limit) bytes (4 MiB); it was not sent"
        }
    }

    /// True when the server is simply not running.
    public var isNotRunning: Bool {
        switch self {
        case .notRunning, .notAnswering: return true
        default: return false
        }
    }
}

/// The admin commands' side of `DIR/admin.sock`: one blocking connection, one request line
/// out, one reply line back.
public struct AdminClient: Sendable {
    public let socketPath: String
    /// Who is asking, recorded by the server as `admin:NAME`.
    public let actor: String
    /// How long to wait for a reply (a policy set on a large mesh takes a while).
    public let timeoutSeconds: Int

    public init(socketPath: String, actor: String, timeoutSeconds: Int = 120) {
        self.socketPath = socketPath
        self.actor = actor
        self.timeoutSeconds = timeoutSeconds
    }

    public init(stateDirectory: StateDirectory, actor: String, timeoutSeconds: Int = 120) {
        self.init(socketPath: stateDirectory.adminSocketPath, actor: actor, timeoutSeconds: timeoutSeconds)
    }

    /// Sends `command` and returns its result, decoded as `Result`.
    public func call<Result: Codable & Sendable>(_ command: AdminCommand,
                                                 as type: Result.Type = Result.self) throws(AdminClientError) -> Result {
        let line = try exchange(AdminRequest(command: command, actor: actor, id: 1).encodedLine())
        let reply: AdminReply<Result>
        do {
            reply = try AdminJSON.decoder().decode(AdminReply<Result>.self, from: Data(line))
        } catch {
            throw .badReply(reason: AdminJSON.reason(error))
        }
        do { return try reply.get() } catch { throw .refused(error) }
    }

    /// Sends one raw request line and returns the raw reply line (without its newline).
    public func exchange(_ request: [UInt8]) throws(AdminClientError) -> [UInt8] {
        let length = request.last == UInt8(ascii: "\n") ? request.count - 1 : request.count
        guard length <= AdminRequest.maximumLineBytes else {
            throw .requestTooLarge(bytes: length, limit: AdminRequest.maximumLineBytes)
        }
        let fd = try connect()
        defer { close(fd) }
        guard Posix.writeAll(fd, request) else { throw .transport(socket: socketPath, reason: Posix.lastError()) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw .transport(socket: socketPath, reason: "no reply within \(timeoutSeconds) s")
                }
                throw .transport(socket: socketPath, reason: Posix.lastError())
            }
            if n == 0 { break }
            reply += chunk[0..<n]
            if let newline = reply.firstIndex(of: UInt8(ascii: "\n")) { return Array(reply[..<newline]) }
            if reply.count > AdminRequest.maximumLineBytes {
                throw .badReply(reason: "it is longer than \(AdminRequest.maximumLineBytes) bytes")
            }
        }
        throw .transport(socket: socketPath, reason: reply.isEmpty
            ? "the coordinator closed the connection without replying (it may have stopped; check its log)"
            : "the reply was cut off")
    }

    private func connect() throws(AdminClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < capacity else { throw .pathTooLong(socket: socketPath, limit: capacity - 1) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        #if canImport(Darwin)
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #else
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { throw .connect(socket: socketPath, reason: Posix.lastError()) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            switch code {
            case ENOENT, ENOTDIR: throw .notRunning(socket: socketPath)
            case ECONNREFUSED: throw .notAnswering(socket: socketPath)
            default: throw .connect(socket: socketPath, reason: Posix.message(code))
            }
        }
        return fd
    }
}

/// `connect(2)`, which `AdminClient.connect` would otherwise shadow.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
