import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The serving node's audit log: `AuditRecord`s appended as JSON lines to one file.
///
/// `record(_:)` never waits for the disk, nor wakes a thread for every record: records are
/// collected for `batchDelay` (10 ms; none with `.everyRecord`), then encoded and written in
/// order on a private serial queue, each batch with one `write(2)` to a descriptor opened with
/// `O_APPEND`, so lines from one process never interleave and a reader never sees half a line
/// unless the machine stops mid-write. The file is created with mode 0600.
///
/// When lines reach stable storage is the `SyncPolicy`:
/// - `.interval(d)` (the default, 1 s): `fsync` at most once per `d`, and `d` after the last
///   line at the latest, so a crash or power cut loses at most the last `d` of records;
/// - `.everyRecord`: `fsync` after each line, for when every denied call must survive a
///   power cut (each tool call then costs a disk flush on this queue, not on the caller);
/// - `.never`: leave it to the kernel's write-back (about 30 s on Linux).
/// `flush()` writes and syncs everything recorded so far, whatever the policy; `close()`
/// does the same and closes the file.
///
/// The log rotates by size: before a line that would take the file past `rotation.maxBytes`
/// (default 64 MiB), it is synced and renamed `PATH.1` (older files moving to `PATH.2` … and the
/// oldest beyond `rotation.keep`, default 4, deleted) and a new file is started, so the log
/// never fills the disk and no line is split between files.
public final class AuditLog: @unchecked Sendable {
    // All mutable state but `pending` is touched only on `queue`.

    /// How long records wait to be written together (not with `.everyRecord`).
    public static let batchDelay: DispatchTimeInterval = .milliseconds(10)

    /// When written lines are forced to stable storage.
    public enum SyncPolicy: Sendable, Hashable {
        /// Never explicitly; the kernel writes back on its own schedule.
        case never
        /// After every line.
        case everyRecord
        /// At most once per interval, and within one interval of the last line.
        case interval(Duration)
    }

    /// When the file is rotated, and how many old files are kept.
    public struct Rotation: Sendable, Hashable {
        /// The largest a file grows (a single longer line still gets a file of its own).
        public var maxBytes: Int
        /// Rotated files kept (`PATH.1` … `PATH.keep`); 0 keeps none.
        public var keep: Int

        /// Defaults: 64 MiB, 4 old files.
        public init(maxBytes: Int = 64 << 20, keep: Int = 4) {
            self.maxBytes = maxBytes
            self.keep = keep
        }
    }

    /// The file written.
    public let path: String
    /// When lines reach stable storage.
    public let syncPolicy: SyncPolicy
    /// When the file rotates.
    public let rotation: Rotation

    private let queue: DispatchQueue
    /// Records not yet handed to the queue, and whether a write of them is scheduled.
    private let pending = LockedValue<(records: [AuditRecord], scheduled: Bool)>(([], false))
    private var descriptor: Int32
    /// The current file's size.
    private var size: Int
    private var syncScheduled = false
    private var unsynced = false
    private var lastError: String?

    /// Opens (creating with mode 0600 if needed) `path` for appending.
    public init(path: String, sync: SyncPolicy = .interval(.seconds(1)), rotation: Rotation = Rotation()) throws(MCPBridgeError) {
        let fd = Self.openForAppend(path)
        guard fd >= 0 else {
            throw .io(what: "audit log \(path)", reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.syncPolicy = sync
        self.rotation = rotation
        self.descriptor = fd
        self.size = Self.size(of: fd)
        self.queue = DispatchQueue(label: "mcpmesh.audit")
    }

    private static func openForAppend(_ path: String) -> Int32 {
        open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    }

    private static func size(of fd: Int32) -> Int {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    deinit {
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = systemClose(descriptor)
        }
    }

    /// Appends `record` as one line, in order with earlier records; returns at once (the
    /// line is encoded and written on the log's queue, off the caller's thread).
    public func record(_ record: AuditRecord) {
        let schedule = pending.withLock { pending -> Bool in
            pending.records.append(record)
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        guard schedule else { return }
        if case .everyRecord = syncPolicy {
            queue.async { self.writePending() }
        } else {
            queue.asyncAfter(deadline: .now() + Self.batchDelay) { self.writePending() }
        }
    }

    /// A sink for the session relay that appends to this log.
    public var sink: @Sendable (AuditRecord) -> Void { { [self] in record($0) } }

    /// Waits until every record so far is written and synced.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.writePending()
                self.sync()
                continuation.resume()
            }
        }
    }

    /// Flushes and closes the file; later records are ignored.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.writePending()
                self.sync()
                if self.descriptor >= 0 { _ = systemClose(self.descriptor) }
                self.descriptor = -1
                continuation.resume()
            }
        }
    }

    /// The last write or sync error, if any (a full disk, say), for status output.
    public func lastFailure() async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            queue.async { continuation.resume(returning: self.lastError) }
        }
    }

    // MARK: - On the queue

    /// Writes the records collected so far as one batch of lines.
    private func writePending() {
        let records = pending.withLock { pending -> [AuditRecord] in
            pending.scheduled = false
            defer { pending.records.removeAll() }
            return pending.records
        }
        guard !records.isEmpty else { return }
        var lines: [UInt8] = []
        for record in records {
            let line = Array((record.jsonLine + "\n").utf8)
            if size + lines.count + line.count > rotation.maxBytes, size + lines.count > 0 {
                // This line would take the file past its limit: it starts the next file.
                write(lines)
                lines.removeAll(keepingCapacity: true)
                rotate()
            }
            lines += line
        }
        write(lines)
    }

    private func write(_ line: [UInt8]) {
        guard descriptor >= 0 else { return }
        var offset = 0
        while offset < line.count {
            let n = line.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return systemWrite(descriptor, base + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                lastError = String(cString: strerror(errno))
                return
            }
            offset += n
        }
        size += line.count
        unsynced = true
        switch syncPolicy {
        case .never:
            break
        case .everyRecord:
            sync()
        case .interval(let interval):
            guard !syncScheduled else { return }
            syncScheduled = true
            queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: interval.nanoseconds))) {
                self.syncScheduled = false
                self.sync()
            }
        }
    }

    /// Syncs and renames the full file out of the way (shifting older ones, dropping the
    /// oldest) and starts a new one. On a failure the current file stays in use.
    private func rotate() {
        sync()
        if rotation.keep == 0 {
            _ = unlink(path)
        } else {
            _ = unlink("\(path).\(rotation.keep)")
            for k in stride(from: rotation.keep - 1, through: 1, by: -1) {
                _ = rename("\(path).\(k)", "\(path).\(k + 1)")
            }
            guard rename(path, "\(path).1") == 0 else {
                lastError = "cannot rotate the audit log: \(String(cString: strerror(errno)))"
                return
            }
        }
        let fd = Self.openForAppend(path)
        guard fd >= 0 else {
            lastError = "cannot start a new audit log after rotating: \(String(cString: strerror(errno)))"
            return  // keep writing to the renamed file rather than lose records
        }
        _ = systemClose(descriptor)
        descriptor = fd
        size = 0
        syncDirectory()
    }

    private func syncDirectory() {
        let parent = (path as NSString).deletingLastPathComponent
        let dir = open(parent.isEmpty ? "." : parent, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); _ = systemClose(dir) }
    }

    private func sync() {
        guard unsynced, descriptor >= 0 else { return }
        if fsync(descriptor) != 0 { lastError = String(cString: strerror(errno)) }
        unsynced = false
    }
}

#if canImport(Glibc)
private let systemClose = Glibc.close
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemClose = Musl.close
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemClose = Darwin.close
private let systemWrite = Darwin.write
#endif
