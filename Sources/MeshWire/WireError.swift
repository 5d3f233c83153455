/// Why a datagram could not be decoded. Decoders never trap on network input; each
/// rejection names the message and the field.
public enum WireError: Error, Equatable, CustomStringConvertible {
    case empty
    case unknownType(UInt8)
    case wrongLength(message: String, expected: Int, got: Int)
    case tooShort(message: String, minimum: Int, got: Int)
    case nonZeroReserved(message: String)

    public var description: String {
        switch self {
        case .empty: return "empty datagram"
        case .unknownType(let t): return "unknown message type \(t)"
        case .wrongLength(let m, let e, let g): return "\(m) must be \(e) bytes, got \(g)"
        case .tooShort(let m, let min, let g): return "\(m) must be at least \(min) bytes, got \(g)"
        case .nonZeroReserved(let m): return "\(m) has non-zero reserved bytes"
        }
    }
}
