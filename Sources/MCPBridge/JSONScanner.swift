/// A strict RFC 8259 reader over raw bytes that checks a whole JSON text but materialises
/// only what it is asked for: the keys of an object, the byte ranges of its values, the
/// elements of an array, one string.
///
/// The bridge forwards messages as the bytes it received, so it must read them exactly as
/// the receiver will: the scanner accepts only strict JSON (no comments, no trailing commas,
/// no control characters in strings, no lone surrogates in decoded strings) and rejects a key
/// written twice in any object whose keys it reads. Values it only skips are still checked
/// for syntax. Nesting is limited to `maxDepth` and skipping uses no recursion, so hostile
/// input can neither overflow the stack nor trap.
///
/// The scanner borrows its bytes: use it only inside `withUnsafeBytes`.
struct JSONScanner {
    /// The deepest nesting of arrays and objects accepted.
    static let maxDepth = 1000

    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The range of the one value the whole text holds, whitespace around it allowed.
    func document() throws(MCPBridgeError) -> Range<Int> {
        let start = skipWhitespace(0)
        let end = try skipValue(at: start)
        let rest = skipWhitespace(end)
        guard rest == bytes.count else {
            throw .invalidJSON(offset: rest, reason: "unexpected \(describe(rest)) after the JSON value")
        }
        return start..<end
    }

    /// The index of the first non-whitespace byte at or after `index`.
    func skipWhitespace(_ index: Int) -> Int {
        var i = index
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    /// Checks the value starting exactly at `index` and returns the index just after it.
    func skipValue(at index: Int) throws(MCPBridgeError) -> Int {
        var i = index
        var stack: [UInt8] = []  // "{" or "[" per open container
        while true {
            // A value starts at i.
            guard i < bytes.count else { throw .invalidJSON(offset: i, reason: "the text ends where a value was expected") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                let next = skipWhitespace(i + 1)
                if next < bytes.count, bytes[next] == UInt8(ascii: "}") {
                    i = next + 1
                } else {
                    guard stack.count < Self.maxDepth else { throw nestingTooDeep(i) }
                    stack.append(UInt8(ascii: "{"))
                    i = try skipKeyAndColon(at: next)
                    continue
                }
            case UInt8(ascii: "["):
                let next = skipWhitespace(i + 1)
                if next < bytes.count, bytes[next] == UInt8(ascii: "]") {
                    i = next + 1
                } else {
                    guard stack.count < Self.maxDepth else { throw nestingTooDeep(i) }
                    stack.append(UInt8(ascii: "["))
                    i = next
                    continue
                }
            case UInt8(ascii: "\""):
                i = try skipString(at: i)
            case UInt8(ascii: "t"):
                i = try skipLiteral("true", at: i)
            case UInt8(ascii: "f"):
                i = try skipLiteral("false", at: i)
            case UInt8(ascii: "n"):
                i = try skipLiteral("null", at: i)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = try skipNumber(at: i)
            default:
                throw .invalidJSON(offset: i, reason: "unexpected \(describe(i)) where a value was expected")
            }
            // After a value: close containers or move to the next member or element.
            while true {
                guard let top = stack.last else { return i }
                i = skipWhitespace(i)
                guard i < bytes.count else {
                    throw .invalidJSON(offset: i, reason: "the text ends inside an \(top == UInt8(ascii: "{") ? "object" : "array")")
                }
                let c = bytes[i]
                if c == UInt8(ascii: ",") {
                    i = skipWhitespace(i + 1)
                    if top == UInt8(ascii: "{") { i = try skipKeyAndColon(at: i) }
                    break
                }
                if (top == UInt8(ascii: "{") && c == UInt8(ascii: "}")) || (top == UInt8(ascii: "[") && c == UInt8(ascii: "]")) {
                    stack.removeLast()
                    i += 1
                    continue
                }
                let expected = top == UInt8(ascii: "{") ? "\",\" or \"}\"" : "\",\" or \"]\""
                throw .invalidJSON(offset: i, reason: "unexpected \(describe(i)) where \(expected) was expected")
            }
        }
    }

    /// Skips `"key"`, whitespace and `:` and whitespace; returns where the value starts.
    func skipKeyAndColon(at index: Int) throws(MCPBridgeError) -> Int {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw .invalidJSON(offset: index, reason: "unexpected \(describe(index)) where a quoted key was expected")
        }
        let colon = skipWhitespace(try skipString(at: index))
        guard colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else {
            throw .invalidJSON(offset: colon, reason: "unexpected \(describe(colon)) where \":\" was expected")
        }
        return skipWhitespace(colon + 1)
    }

    /// Checks the string starting at the quote at `index`; returns the index after its closing quote.
    func skipString(at index: Int) throws(MCPBridgeError) -> Int {
        var i = index + 1
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { return i + 1 }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { break }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard hexValue(at: i + 2) != nil else {
                        throw .invalidJSON(offset: i, reason: "a \\u escape needs four hex digits")
                    }
                    i += 6
                default:
                    throw .invalidJSON(offset: i, reason: "invalid escape \\\(printable(bytes[i + 1])) in a string")
                }
                continue
            }
            if c < 0x20 {
                throw .invalidJSON(offset: i, reason: "raw control character 0x\(hex(c)) in a string")
            }
            i += 1
        }
        throw .invalidJSON(offset: index, reason: "the string starting here never ends")
    }

    /// The value of the four hex digits at `index`, or nil.
    func hexValue(at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in index..<(index + 4) {
            let c = bytes[k]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Describes the byte at `index` for an error message.
    func describe(_ index: Int) -> String {
        guard index < bytes.count else { return "end of text" }
        return "\"\(printable(bytes[index]))\""
    }

    // MARK: - Private

    private func skipLiteral(_ word: StaticString, at index: Int) throws(MCPBridgeError) -> Int {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else {
            throw .invalidJSON(offset: index, reason: "the text ends inside \"\(word)\"")
        }
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: count)
        for k in 0..<count where bytes[index + k] != expected[k] {
            throw .invalidJSON(offset: index + k, reason: "unexpected \(describe(index + k)) in what should be \"\(word)\"")
        }
        return index + count
    }

    private func skipNumber(at index: Int) throws(MCPBridgeError) -> Int {
        var i = index
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else {
            throw .invalidJSON(offset: i, reason: "a number needs a digit after \"-\"")
        }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, isDigit(bytes[i]) {
                throw .invalidJSON(offset: index, reason: "numbers must not have leading zeros")
            }
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else {
                throw .invalidJSON(offset: i, reason: "a number needs digits after \".\"")
            }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else {
                throw .invalidJSON(offset: i, reason: "a number needs digits in its exponent")
            }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        return i
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private func nestingTooDeep(_ index: Int) -> MCPBridgeError {
        .invalidJSON(offset: index, reason: "arrays and objects nest deeper than \(Self.maxDepth) levels")
    }

    private func printable(_ c: UInt8) -> String {
        (0x21...0x7E).contains(c) ? String(UnicodeScalar(c)) : "0x" + hex(c)
    }

    private func hex(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(c >> 4)], digits[Int(c & 0xF)]])
    }
}
