/// A JSON value from policy text, with the location of every value and every key.
///
/// Produced by `JSONParser`; numbers keep their source text because the policy format never
/// needs their value, only their presence (to say "expected a string, found a number").
public struct JSONValue: Hashable, Sendable {
    /// The shape and content of a value.
    public enum Kind: Hashable, Sendable {
        case null
        case bool(Bool)
        /// A number, exactly as written.
        case number(String)
        case string(String)
        case array([JSONValue])
        /// Members in source order; duplicate keys never reach here (the parser reports them).
        case object([JSONMember])
    }

    /// What the value is.
    public var kind: Kind
    /// Where the value starts (its first character).
    public var location: SourceLocation

    /// A value of `kind` starting at `location`.
    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// The kind of value as an operator would name it: "a string", "a list", "an object"…
    public var typeName: String {
        switch kind {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Hashable, Sendable {
    /// The key, unescaped.
    public var key: String
    /// Where the key's opening quote is.
    public var keyLocation: SourceLocation
    /// The member's value.
    public var value: JSONValue

    /// A member `key` at `keyLocation` holding `value`.
    public init(key: String, keyLocation: SourceLocation, value: JSONValue) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}
