import CSodium

/// Fixed-length secret bytes that are zeroed when the last reference goes away and never
/// printed. Instances are never mutated after creation, so sharing the reference keeps
/// value semantics; a "changed" secret is always a new instance.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    @usableFromInline let pointer: UnsafeMutableRawBufferPointer

    public var count: Int { pointer.count }

    /// Copies `bytes` into a new secret. The caller should zero its own copy if it can.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        pointer = Self.allocateLocked(bytes.count)
        let copied: Void? = bytes.withContiguousStorageIfAvailable { [pointer] src in
            pointer.copyMemory(from: UnsafeRawBufferPointer(src))
        }
        if copied == nil { _ = pointer.initializeMemory(as: UInt8.self, from: bytes) }
    }

    /// A secret of `count` bytes filled by `body`.
    public init(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        pointer = Self.allocateLocked(count)
        do {
            try body(UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]))
        } catch {
            sodium_memzero(pointer.baseAddress!, pointer.count)
            throw error
        }
    }

    deinit {
        if pointer.count <= LockedSlab.slotSize {
            LockedSlab.shared.deallocate(pointer.baseAddress!)
        } else {
            // sodium_munlock zeroes the memory before unlocking it.
            sodium_munlock(pointer.baseAddress!, pointer.count)
            sodium_memzero(pointer.baseAddress!, pointer.count)
            pointer.deallocate()
        }
    }

    /// Zeroed, locked memory for a secret of `count` bytes (at least one): a slot of the
    /// shared locked slab when it fits, else its own locked block.
    private static func allocateLocked(_ count: Int) -> UnsafeMutableRawBufferPointer {
        Sodium.ensure()
        let size = max(count, 1)
        if size <= LockedSlab.slotSize {
            return UnsafeMutableRawBufferPointer(start: LockedSlab.shared.allocate(), count: size)
        }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0)
        _ = sodium_mlock(block.baseAddress!, block.count)
        return block
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(pointer))
    }

    /// Constant-time equality.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(pointer.baseAddress, other.pointer.baseAddress, count) == 0
    }

    public var description: String { "<secret \(count) bytes>" }
    public var debugDescription: String { description }
}
