import Foundation
import MeshCrypto
import MeshWire

/// A node's state directory (mode 0700): its identity (0600, never sent anywhere), what it
/// learned when it joined, and the last good netmap. Every file is written to a temporary
/// name, synced and renamed, so a crash leaves the old or the new version, never half.
/// A confirmed logout removes everything but the directory (`forgetMembership`).
///
///     identity.key   32-byte Ed25519 seed, mode 0600
///     identity.next.key  the seed a key rotation switches to, until it is promoted
///     node.json      coordinator key and address, node id and name
///     netmap.bin     the last accepted signed netmap envelope, exactly as received
///     netmap.json    its payload (the verified JSON), for people and tests
public struct NodeStateDirectory: Sendable {
    public let path: String

    public struct Enrollment: Codable, Equatable, Sendable {
        public var coordinatorKey: String
        public var coordinatorAddress: String
        public var nodeId: UInt64?
        public var name: String?
        public init(coordinatorKey: String, coordinatorAddress: String, nodeId: UInt64? = nil, name: String? = nil) {
            self.coordinatorKey = coordinatorKey
            self.coordinatorAddress = coordinatorAddress
            self.nodeId = nodeId
            self.name = name
        }
    }

    public init(path: String) throws(NodeAgentError) {
        self.path = path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw .stateDirectory(path, "exists and is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .stateDirectory(path, "cannot be created: \(error.localizedDescription)")
            }
        }
        _ = chmod(path, 0o700)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The identity, made on first use.
    public func identity() throws(NodeAgentError) -> IdentitySecretKey {
        let p = file("identity.key")
        if let data = FileManager.default.contents(atPath: p) {
            guard data.count == 32, let key = try? IdentitySecretKey(seed: SecretBytes(Array(data))) else {
                throw .stateDirectory(p, "is not a 32-byte identity seed")
            }
            return key
        }
        let key = IdentitySecretKey.generate()
        try write(key.seed.withUnsafeBytes { Array($0) }, to: "identity.key")
        return key
    }

    /// The identity a key rotation was switching to, if one was interrupted (the agent
    /// stopped between writing it and promoting it).
    public func pendingIdentity() throws(NodeAgentError) -> IdentitySecretKey? {
        let p = file("identity.next.key")
        guard let data = FileManager.default.contents(atPath: p) else { return nil }
        guard data.count == 32, let key = try? IdentitySecretKey(seed: SecretBytes(Array(data))) else {
            throw .stateDirectory(p, "is not a 32-byte identity seed")
        }
        return key
    }

    /// Drops a pending identity the coordinator never took.
    public func discardPendingIdentity() throws(NodeAgentError) {
        guard unlink(file("identity.next.key")) == 0 || errno == ENOENT else {
            throw .stateDirectory(file("identity.next.key"), "cannot be removed: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes the identity a key rotation will switch to, beside the current one.
    public func saveNextIdentity(_ key: IdentitySecretKey) throws(NodeAgentError) {
        try write(key.seed.withUnsafeBytes { Array($0) }, to: "identity.next.key")
    }

    /// Makes the rotated identity the current one (an atomic rename).
    public func promoteNextIdentity() throws(NodeAgentError) {
        guard rename(file("identity.next.key"), file("identity.key")) == 0 else {
            throw .stateDirectory(file("identity.next.key"), "cannot replace identity.key: \(String(cString: strerror(errno)))")
        }
        let dir = open(path, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    public func enrollment() throws(NodeAgentError) -> Enrollment? {
        guard let data = FileManager.default.contents(atPath: file("node.json")) else { return nil }
        do { return try JSONDecoder().decode(Enrollment.self, from: data) } catch {
            throw .stateDirectory(file("node.json"), "is not readable: \(error)")
        }
    }

    public func saveEnrollment(_ e: Enrollment) throws(NodeAgentError) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(Array((try? enc.encode(e)) ?? Data()), to: "node.json")
    }

    public func lastNetmap() -> [UInt8]? {
        FileManager.default.contents(atPath: file("netmap.bin")).map { Array($0) }
    }

    /// Persists an accepted netmap: the envelope as received, and its payload as JSON.
    public func saveNetmap(envelope: [UInt8]) throws(NodeAgentError) {
        try write(envelope, to: "netmap.bin")
        if envelope.count > 65 { try write(Array(envelope[65...]), to: "netmap.json", mode: 0o644) }
    }

    /// Forgets the mesh after a logout the coordinator confirmed: the enrollment first (so a
    /// crash part way leaves a node that is simply not joined), then the netmap and the
    /// identity, which the coordinator no longer knows. The next `up --join` starts afresh.
    public func forgetMembership() throws(NodeAgentError) {
        for name in ["node.json", "netmap.bin", "netmap.json", "identity.next.key", "identity.key"] {
            guard unlink(file(name)) == 0 || errno == ENOENT else {
                throw .stateDirectory(file(name), "cannot be removed: \(String(cString: strerror(errno)))")
            }
        }
        let dir = open(path, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    func write(_ bytes: [UInt8], to name: String, mode: mode_t = 0o600) throws(NodeAgentError) {
        let final = file(name)
        let temp = final + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw .stateDirectory(temp, "cannot be written: \(String(cString: strerror(errno)))") }
        var ok = bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        _ = fchmod(fd, mode)
        close(fd)
        guard ok, rename(temp, final) == 0 else {
            unlink(temp)
            throw .stateDirectory(final, "cannot be written: \(String(cString: strerror(errno)))")
        }
        let dir = open(path, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}
