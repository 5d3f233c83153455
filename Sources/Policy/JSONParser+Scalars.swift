/// Strings, numbers and descriptions of unexpected input for `JSONParser`.
extension JSONParser {
    /// Parses a string at the cursor (which is on its opening quote) and returns it unescaped.
    mutating func parseString() throws(PolicyError) -> String {
        let start = location
        advance()
        var out: [UInt8] = []
        while true {
            guard let b = current else { throw .unterminatedString(start) }
            switch b {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0x00..<0x20:
                throw .controlCharacterInString(location)
            case 0x20..<0x80:
                out.append(b)
                advance()
            default:
                guard let length = Self.validUTF8Length(bytes, at: index) else { throw .invalidUTF8(location) }
                out.append(contentsOf: bytes[index..<index + length])
                for _ in 0..<length { advance() }
            }
        }
    }

    /// Parses one backslash escape at the cursor and appends its UTF-8 bytes.
    private mutating func parseEscape(into out: inout [UInt8]) throws(PolicyError) {
        let start = location
        advance()
        guard let e = current else { throw .unexpectedEnd(location, expected: "an escape character after \"\\\"") }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let byte = simple[e] {
            out.append(byte)
            advance()
            return
        }
        guard e == UInt8(ascii: "u") else {
            if e < 0x20 || e >= 0x80 { throw .invalidEscape(start, escape: "\\") }
            throw .invalidEscape(start, escape: "\\" + String(UnicodeScalar(e)))
        }
        advance()
        guard let high = readHex4() else { throw .invalidUnicodeEscape(start) }
        var scalarValue = high
        if (0xD800...0xDBFF).contains(high) {
            guard current == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else {
                throw .invalidUnicodeEscape(start)
            }
            advance(); advance()
            guard let low = readHex4(), (0xDC00...0xDFFF).contains(low) else { throw .invalidUnicodeEscape(start) }
            scalarValue = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(high) {
            throw .invalidUnicodeEscape(start)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw .invalidUnicodeEscape(start) }
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    /// Reads exactly four hex digits at the cursor, or returns nil without a guarantee about
    /// how far the cursor moved (the caller reports an error either way).
    private mutating func readHex4() -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { return nil }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    /// Parses a number at the cursor following RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    mutating func parseNumber() throws(PolicyError) -> JSONValue {
        let start = location
        let first = index
        while let c = current, Self.isNumberByte(c) { advance() }
        let text = Array(bytes[first..<index])
        guard Self.isValidNumber(text) else {
            throw .invalidNumber(start, text: String(decoding: text, as: UTF8.self))
        }
        return JSONValue(.number(String(decoding: text, as: UTF8.self)), at: start)
    }

    private static func isNumberByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
             UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }

    static func isValidNumber(_ t: [UInt8]) -> Bool {
        var i = 0
        func isDigit(_ k: Int) -> Bool { k < t.count && t[k] >= UInt8(ascii: "0") && t[k] <= UInt8(ascii: "9") }
        if i < t.count, t[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return false }
        if t[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < t.count, t[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        if i < t.count, t[i] == UInt8(ascii: "e") || t[i] == UInt8(ascii: "E") {
            i += 1
            if i < t.count, t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        return i == t.count
    }

    /// Letters, digits and `_`: the bytes of a bare word such as an unquoted key.
    static func isWordByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// Describes what stands at the cursor for an "unexpected" message: a bare word, a
    /// quoted character, a control character, or an invalid byte.
    func describeFound() -> String {
        guard let b = current else { return "the end of the text" }
        if Self.isWordByte(b), !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) {
            var end = index
            while end < bytes.count, end - index < 40, Self.isWordByte(bytes[end]) { end += 1 }
            let word = String(decoding: bytes[index..<end], as: UTF8.self)
            return "the bare word \(word) (keys and strings need double quotes)"
        }
        if b < 0x20 || b == 0x7F {
            return "the control character U+" + Self.hex(UInt32(b), width: 4)
        }
        if b < 0x80 { return "\"" + String(UnicodeScalar(b)) + "\"" }
        if let length = Self.validUTF8Length(bytes, at: index) {
            return "\"" + String(decoding: bytes[index..<index + length], as: UTF8.self) + "\""
        }
        return "the invalid UTF-8 byte 0x" + Self.hex(UInt32(b), width: 2)
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The length of the well-formed UTF-8 sequence of two or more bytes starting at `i`
    /// (RFC 3629, table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
    static func validUTF8Length(_ bytes: [UInt8], at i: Int) -> Int? {
        func byte(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }
        func inRange(_ k: Int, _ range: ClosedRange<UInt8>) -> Bool { byte(k).map { range.contains($0) } ?? false }
        let cont: ClosedRange<UInt8> = 0x80...0xBF
        guard let lead = byte(0) else { return nil }
        switch lead {
        case 0xC2...0xDF:
            return inRange(1, cont) ? 2 : nil
        case 0xE0:
            return inRange(1, 0xA0...0xBF) && inRange(2, cont) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return inRange(1, cont) && inRange(2, cont) ? 3 : nil
        case 0xED:
            return inRange(1, 0x80...0x9F) && inRange(2, cont) ? 3 : nil
        case 0xF0:
            return inRange(1, 0x90...0xBF) && inRange(2, cont) && inRange(3, cont) ? 4 : nil
        case 0xF1...0xF3:
            return inRange(1, cont) && inRange(2, cont) && inRange(3, cont) ? 4 : nil
        case 0xF4:
            return inRange(1, 0x80...0x8F) && inRange(2, cont) && inRange(3, cont) ? 4 : nil
        default:
            return nil
        }
    }
}
