import CSodium
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where small secrets live: 64-byte slots cut from chunks that are locked into memory
/// (`mlock`, and excluded from core dumps) once, when the chunk is made. A handshake creates
/// and drops a few dozen secrets (DH results, HKDF outputs, keys); locking and unlocking
/// each one cost two system calls and split the heap's memory mappings, several times the
/// cost of the handshake's arithmetic. A slot is zeroed when it is given back, and chunks
/// stay locked for the life of the process, so a secret is never on an unlocked page
/// (per-secret `munlock` used to unlock a whole page that other live secrets shared).
///
/// This is the process's allocator for secret memory, like `malloc` for the rest: the one
/// shared instance holds no protocol state, only free slots.
final class LockedSlab: @unchecked Sendable {
    /// Bytes per slot; larger secrets are allocated and locked one by one.
    static let slotSize = 64
    /// Bytes per chunk (256 slots): small enough to stay within a low `RLIMIT_MEMLOCK`.
    static let chunkSize = 16 * 1024

    static let shared = LockedSlab()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var free: [UnsafeMutableRawPointer] = []

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    /// A zeroed slot of `slotSize` bytes, 16-byte aligned.
    func allocate() -> UnsafeMutableRawPointer {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let slot = free.popLast() { return slot }
        // A new chunk, locked once; its first slot is the answer, the rest go to the free list.
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 4096)
        chunk.initializeMemory(as: UInt8.self, repeating: 0, count: Self.chunkSize)
        _ = sodium_mlock(chunk, Self.chunkSize)
        let slots = Self.chunkSize / Self.slotSize
        free.reserveCapacity(free.count + slots)
        for i in stride(from: slots - 1, through: 1, by: -1) { free.append(chunk + i * Self.slotSize) }
        return chunk
    }

    /// Zeroes `slot` and takes it back.
    func deallocate(_ slot: UnsafeMutableRawPointer) {
        sodium_memzero(slot, Self.slotSize)
        pthread_mutex_lock(mutex)
        free.append(slot)
        pthread_mutex_unlock(mutex)
    }
}
