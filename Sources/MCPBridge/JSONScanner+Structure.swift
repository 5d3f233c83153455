/// Reading the parts of a JSON text the bridge interprets: object members, array elements,
/// strings and integers. Each takes the byte range of a value (as `skipValue` returns) and
/// checks it again, so a range from anywhere is safe to pass.
extension JSONScanner {
    /// The JSON type of a value, from its first byte.
    enum Kind: Equatable, Sendable {
        case object, array, string, number, bool, null
    }

    /// One member of an object: its decoded key, where the key starts, and its value's bytes.
    struct Member {
        var key: String
        var keyOffset: Int
        var value: Range<Int>
    }

    /// The type of the value in `range`.
    func kind(of range: Range<Int>) -> Kind {
        guard range.lowerBound < bytes.count, !range.isEmpty else { return .null }
        switch bytes[range.lowerBound] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return .number
        }
    }

    /// The members of the object in `range`, in order. A key written twice is an error:
    /// receivers disagree on which of the two counts, and the bridge must not guess.
    func members(of range: Range<Int>) throws(MCPBridgeError) -> [Member] {
        var i = range.lowerBound
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else {
            throw .invalidJSON(offset: i, reason: "expected an object")
        }
        i = skipWhitespace(i + 1)
        var result: [Member] = []
        var seen: Set<String> = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return result }
        while true {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw .invalidJSON(offset: i, reason: "unexpected \(describe(i)) where a quoted key was expected")
            }
            let keyEnd = try skipString(at: i)
            let key = try string(in: i..<keyEnd)
            guard seen.insert(key).inserted else {
                throw .invalidJSON(offset: i, reason: "the key \"\(key)\" appears twice in one object")
            }
            let valueStart = try skipKeyAndColon(at: i)
            let valueEnd = try skipValue(at: valueStart)
            result.append(Member(key: key, keyOffset: i, value: valueStart..<valueEnd))
            i = skipWhitespace(valueEnd)
            guard i < bytes.count else { throw .invalidJSON(offset: i, reason: "the text ends inside an object") }
            if bytes[i] == UInt8(ascii: "}") { return result }
            guard bytes[i] == UInt8(ascii: ",") else {
                throw .invalidJSON(offset: i, reason: "unexpected \(describe(i)) where \",\" or \"}\" was expected")
            }
            i = skipWhitespace(i + 1)
        }
    }

    /// The byte ranges of the elements of the array in `range`, in order.
    func elements(of range: Range<Int>) throws(MCPBridgeError) -> [Range<Int>] {
        var i = range.lowerBound
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else {
            throw .invalidJSON(offset: i, reason: "expected an array")
        }
        i = skipWhitespace(i + 1)
        var result: [Range<Int>] = []
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { return result }
        while true {
            let end = try skipValue(at: i)
            result.append(i..<end)
            i = skipWhitespace(end)
            guard i < bytes.count else { throw .invalidJSON(offset: i, reason: "the text ends inside an array") }
            if bytes[i] == UInt8(ascii: "]") { return result }
            guard bytes[i] == UInt8(ascii: ",") else {
                throw .invalidJSON(offset: i, reason: "unexpected \(describe(i)) where \",\" or \"]\" was expected")
            }
            i = skipWhitespace(i + 1)
        }
    }

    /// The decoded string in `range` (quotes included in the range). Escapes are resolved;
    /// a lone surrogate or invalid UTF-8 is an error rather than a replacement character, so
    /// two different byte strings never decode to the same name.
    func string(in range: Range<Int>) throws(MCPBridgeError) -> String {
        let start = range.lowerBound
        guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else {
            throw .invalidJSON(offset: start, reason: "expected a string")
        }
        let end = try skipString(at: start) - 1  // index of the closing quote
        var utf8: [UInt8] = []
        utf8.reserveCapacity(end - start - 1)
        var i = start + 1
        while i < end {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else {
                utf8.append(c)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            switch e {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try unicodeEscape(at: i, end: end)
                UTF8.encode(scalar.value) { utf8.append($0) }
                i += scalar.length
                continue
            default: utf8.append(e)  // " \ /
            }
            i += 2
        }
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw .invalidJSON(offset: start, reason: "the string is not valid UTF-8")
        }
        return text
    }

    /// The integer in `range` when it is written as a plain integer that fits in `Int`.
    func integer(in range: Range<Int>) -> Int? {
        guard kind(of: range) == .number else { return nil }
        var text = ""
        for k in range {
            let c = bytes[k]
            guard c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) else { return nil }
            text.unicodeScalars.append(UnicodeScalar(c))
        }
        return Int(text)
    }

    /// The 1-based line and column (in Unicode scalars) of byte `offset`.
    func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, column = 1
        var i = 0
        let stop = min(offset, bytes.count)
        while i < stop {
            let c = bytes[i]
            if c == 0x0A {
                line += 1
                column = 1
            } else if c & 0xC0 != 0x80 {
                column += 1  // count the first byte of each scalar only
            }
            i += 1
        }
        return (line, column)
    }

    // MARK: - Private

    /// The scalar of the `\uXXXX` escape at `index` (joining a surrogate pair) and how many
    /// bytes it spans.
    private func unicodeEscape(at index: Int, end: Int) throws(MCPBridgeError) -> (value: Unicode.Scalar, length: Int) {
        guard let high = hexValue(at: index + 2) else {
            throw .invalidJSON(offset: index, reason: "a \\u escape needs four hex digits")
        }
        if (0xDC00...0xDFFF).contains(high) {
            throw .invalidJSON(offset: index, reason: "a low surrogate \\u escape without its high surrogate")
        }
        guard (0xD800...0xDBFF).contains(high) else {
            // Not a surrogate: always a valid scalar.
            return (Unicode.Scalar(high) ?? "\u{FFFD}", 6)
        }
        guard index + 12 <= end, bytes[index + 6] == UInt8(ascii: "\\"), bytes[index + 7] == UInt8(ascii: "u"),
              let low = hexValue(at: index + 8), (0xDC00...0xDFFF).contains(low),
              let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
            throw .invalidJSON(offset: index, reason: "a high surrogate \\u escape without its low surrogate")
        }
        return (scalar, 12)
    }
}
