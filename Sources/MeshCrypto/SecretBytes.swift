import CSodium

/// Fixed-length secret bytes that are zeroed when the last reference goes away and never
/// printed. Instances are never mutated after creation, so sharing the reference keeps
/// value semantics; a "changed" secret is always a new instance.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    @usableFromInline let pointer: UnsafeMutableRawBufferPointer

    public var count: Int { pointer.count }

    /// Copies `bytes` into a new secret. The caller should zero its own copy if it can.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        Sodium.ensure()
        pointer = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        _ = pointer.initializeMemory(as: UInt8.self, from: bytes)
        _ = sodium_mlock(pointer.baseAddress!, pointer.count)
    }

    /// A secret of `count` bytes filled by `body`.
    public init(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        Sodium.ensure()
        pointer = .allocate(byteCount: max(count, 1), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
        _ = sodium_mlock(pointer.baseAddress!, pointer.count)
        do {
            try body(UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]))
        } catch {
            sodium_memzero(pointer.baseAddress!, pointer.count)
            throw error
        }
    }

    deinit {
        // sodium_munlock zeroes the memory before unlocking it.
        sodium_munlock(pointer.baseAddress!, pointer.count)
        sodium_memzero(pointer.baseAddress!, pointer.count)
        pointer.deallocate()
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
