/// Exactly 32 bytes held inline: public keys, hashes and indices of that size. Equality and
/// hashing are cheap, so it works as a dictionary key on the packet path.
public struct Bytes32: Hashable, Sendable {
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Bytes32(storage: (0, 0, 0, 0))

    @usableFromInline init(storage: (UInt64, UInt64, UInt64, UInt64)) { self.storage = storage }

    /// Fails unless `bytes` holds exactly 32 bytes.
    @inlinable
    public init?<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let copied: Void? = bytes.withContiguousStorageIfAvailable { src in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(src)) }
        }
        if copied == nil {
            withUnsafeMutableBytes(of: &words) { raw in _ = raw.initializeMemory(as: UInt8.self, from: bytes) }
        }
        storage = words
    }

    public init(_ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        storage = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &storage) { fill($0) }
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = storage
        return try Swift.withUnsafeBytes(of: &copy) { try body($0) }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public var isZero: Bool { storage == (0, 0, 0, 0) }

    public static func == (lhs: Bytes32, rhs: Bytes32) -> Bool { lhs.storage == rhs.storage }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0); hasher.combine(storage.1)
        hasher.combine(storage.2); hasher.combine(storage.3)
    }

    public var hex: String { Hex.encode(bytes) }
}
