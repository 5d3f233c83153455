/// Every problem found in one policy, sorted by where it is in the text.
///
/// Thrown by `PolicyFile.parse` and `CompiledPolicy.check` so that an operator sees all
/// problems at once. Its `description` has one problem per line, each `line:column: message`.
public struct PolicyErrors: Error, Hashable, Sendable, RandomAccessCollection, CustomStringConvertible {
    /// The problems, ordered by location (problems without a location come last), ties kept
    /// in the order they were found.
    public let errors: [PolicyError]

    /// Sorts `errors` by location, keeping the discovery order among equal locations.
    public init(_ errors: [PolicyError]) {
        self.errors = errors.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (l?, r?) where l != r: return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// A list holding one problem.
    public init(_ error: PolicyError) { self.errors = [error] }

    public var startIndex: Int { errors.startIndex }
    public var endIndex: Int { errors.endIndex }
    public subscript(position: Int) -> PolicyError { errors[position] }

    /// One problem per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
