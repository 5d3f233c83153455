/// A value from the policy text together with where it was written.
public struct Located<Value: Hashable & Sendable>: Hashable, Sendable {
    /// The decoded value.
    public var value: Value
    /// Where the value starts in the policy text.
    public var location: SourceLocation

    /// Pairs `value` with the `location` it was read from.
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}
