extension Netmap {
    /// Why netmap bytes could not be decoded. Each case names where in the netmap the
    /// problem is, as a path such as `peers[2].key` or `inbound["mpk:…"].files`.
    public enum DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The bytes are not JSON at all.
        case notJSON(reason: String)
        /// An object has a field this version does not define.
        case unknownField(path: String)
        /// A required field is absent.
        case missingField(path: String)
        /// A field has the wrong JSON type; `expected` says which, e.g. `an integer`.
        case wrongType(path: String, expected: String)
        /// A field has the right type but an unusable value (a bad key, a bad endpoint).
        case invalidValue(path: String, reason: String)

        static func unknownField(path: [any CodingKey]) -> DecodingError { .unknownField(path: render(path)) }

        static func invalidValue(path: [any CodingKey], reason: String) -> DecodingError {
            .invalidValue(path: render(path), reason: reason)
        }

        /// Translates Foundation's decoding errors into this enum.
        init(_ error: Swift.DecodingError) {
            switch error {
            case .typeMismatch(let type, let context):
                self = .wrongType(path: Self.render(context.codingPath), expected: Self.describe(type))
            case .valueNotFound(let type, let context):
                self = .wrongType(path: Self.render(context.codingPath), expected: Self.describe(type) + ", not null")
            case .keyNotFound(let key, let context):
                self = .missingField(path: Self.render(context.codingPath + [key]))
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                let underlying = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                self = .notJSON(reason: underlying)
            case .dataCorrupted(let context):
                self = .invalidValue(path: Self.render(context.codingPath), reason: context.debugDescription)
            @unknown default:
                self = .notJSON(reason: "\(error)")
            }
        }

        /// `peers[2].key`, `inbound["mpk:…"].files[0]`, or `(top level)` for the root.
        static func render(_ path: [any CodingKey]) -> String {
            var out = ""
            for key in path {
                if let i = key.intValue {
                    out += "[\(i)]"
                } else if key.stringValue.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                          !key.stringValue.isEmpty {
                    out += out.isEmpty ? key.stringValue : "." + key.stringValue
                } else {
                    out += "[\"\(key.stringValue)\"]"
                }
            }
            return out.isEmpty ? "(top level)" : out
        }

        static func describe(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is Bool.Type: return "true or false"
            case is UInt64.Type: return "a non-negative integer"
            case is Int64.Type, is Int.Type: return "an integer"
            default:
                let name = "\(type)"
                if name.hasPrefix("Array") { return "a list" }
                if name.hasPrefix("Dictionary") { return "an object" }
                return "a value of type \(name)"
            }
        }

        /// One sentence for an operator.
        public var description: String {
            switch self {
            case .notJSON(let reason): return "the netmap is not valid JSON: \(reason)"
            case .unknownField(let path): return "the netmap has a field this mcpmesh does not know: \(path)"
            case .missingField(let path): return "the netmap is missing its \(path) field"
            case .wrongType(let path, let expected): return "the netmap's \(path) must be \(expected)"
            case .invalidValue(let path, let reason): return "the netmap's \(path) is invalid: \(reason)"
            }
        }
    }
}
