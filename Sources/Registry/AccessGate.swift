#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets any number of database accesses run at once, and `close` run alone, after which no
/// access starts: GRDB must not be used after its connections are closed (SQLite would
/// dereference a freed handle), and a `Registry` is a value that may have been copied.
final class AccessGate: @unchecked Sendable {
    // `closed` is written only under the write lock and read only under a read lock.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var closed = false

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deinitialize(count: 1)
        lock.deallocate()
    }

    /// Runs `body` and returns its result, or returns `nil` without running it once closed.
    func ifOpen<T>(_ body: () throws -> T) rethrows -> T? {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        if closed { return nil }
        return try body()
    }

    /// Waits for running accesses, runs `body` once, and marks the gate closed if `body`
    /// succeeds. Later calls do nothing.
    func close(_ body: () throws -> Void) rethrows {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        if closed { return }
        try body()
        closed = true
    }
}
