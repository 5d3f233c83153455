/// The spelling rules shared by node, server, tag and group names.
///
/// A name is 1 to 128 characters of ASCII letters, digits, `-`, `_` and `.`: what hostnames
/// and `mcpServers` keys use, and nothing that could be confused with the `:`, `/`, `*` and
/// `?` the policy syntax gives meaning to.
enum NameSyntax {
    static let maximumLength = 128

    /// Why `name` is not a valid name, or nil when it is.
    static func problem(in name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name.utf8.count > maximumLength { return "names are at most \(maximumLength) characters" }
        for scalar in name.unicodeScalars where !isNameScalar(scalar) {
            return "names may contain only letters, digits, \"-\", \"_\" and \".\", not \(describe(scalar))"
        }
        return nil
    }

    static func isNameScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return true
        default: return false
        }
    }

    /// A scalar as it should appear in a message: quoted if printable, else its code point.
    static func describe(_ s: Unicode.Scalar) -> String {
        if s.properties.isWhitespace || s.value < 0x20 || s.value == 0x7F || !s.properties.isGraphemeBase {
            return "U+" + JSONParser.hex(s.value, width: 4)
        }
        return "\"\(s)\""
    }

    /// Why `text` is not `prefix` followed by a valid name, or nil when it is.
    static func problem(in text: String, prefix: String) -> String? {
        guard text.hasPrefix(prefix) else { return "it must start with \"\(prefix)\"" }
        return problem(in: String(text.dropFirst(prefix.count))).map { "after \"\(prefix)\", \($0)" }
    }
}
