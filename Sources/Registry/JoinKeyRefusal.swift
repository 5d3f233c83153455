import Foundation

/// Why a join key was refused when a node tried to register with it.
public enum JoinKeyRefusal: Equatable, Sendable, CustomStringConvertible {
    /// No join key has this secret. Deliberately says nothing more.
    case unknown
    /// An admin revoked the key.
    case revoked(id: String, at: Date)
    /// The key's expiry has passed.
    case expired(id: String, at: Date)
    /// A single-use key that has already registered a node.
    case alreadyUsed(id: String, at: Date?)

    public var description: String {
        switch self {
        case .unknown:
            return "the join key is not known to this coordinator"
        case .revoked(let id, let at):
            return "join key \(quoted(id)) was revoked at \(timestamp(at))"
        case .expired(let id, let at):
            return "join key \(quoted(id)) expired at \(timestamp(at))"
        case .alreadyUsed(let id, let at):
            let when = at.map { " at \(timestamp($0))" } ?? ""
            return "join key \(quoted(id)) is single-use and was already used\(when)"
        }
    }
}
