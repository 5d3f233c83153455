/// A JSON parser for policy text that keeps the line and column of every value and key.
///
/// Beyond RFC 8259 it accepts `//` line comments, `/* */` block comments, trailing commas in
/// lists and objects, and a leading UTF-8 byte-order mark. It never traps on any input:
/// nesting is limited to `maximumDepth`, and invalid UTF-8, truncated text and stray bytes
/// are reported as `PolicyError`s with their location. Duplicate keys are not fatal: the
/// parser keeps the first value and reports every duplicate alongside other problems.
public struct JSONParser {
    /// How deeply lists and objects may nest. A policy needs four levels.
    public static let maximumDepth = 64

    let bytes: [UInt8]
    var index = 0
    var line = 1
    var column = 1
    private var duplicates: [PolicyError] = []

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses `text` as one JSON value; throws a syntax error, or every duplicate key.
    public static func parse(_ text: String) throws(PolicyErrors) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses UTF-8 `bytes` as one JSON value; throws a syntax error, or every duplicate key.
    public static func parse(bytes: some Sequence<UInt8>) throws(PolicyErrors) -> JSONValue {
        let (value, duplicates): (JSONValue, [PolicyError])
        do {
            (value, duplicates) = try parseKeepingDuplicates(Array(bytes))
        } catch {
            throw PolicyErrors(error)
        }
        if !duplicates.isEmpty { throw PolicyErrors(duplicates) }
        return value
    }

    /// Parses `bytes`, returning the value (first occurrence of duplicate keys kept) and the
    /// duplicate-key problems, so that callers can report them with everything else.
    static func parseKeepingDuplicates(_ bytes: [UInt8]) throws(PolicyError) -> (JSONValue, [PolicyError]) {
        var parser = JSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        let value = try parser.parseValue(depth: 0)
        try parser.skipTrivia()
        if parser.index < bytes.count {
            throw .unexpectedCharacter(parser.location, found: parser.describeFound(), expected: "the end of the text")
        }
        return (value, parser.duplicates)
    }

    // MARK: Position

    var location: SourceLocation { SourceLocation(line: line, column: column) }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    /// Consumes one byte; lines advance on `\n`, columns on each byte that starts a scalar.
    mutating func advance() {
        let b = bytes[index]
        index += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }

    // MARK: Trivia

    mutating func skipTrivia() throws(PolicyError) {
        while let b = current {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                advance()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                while let c = current, c != UInt8(ascii: "\n") { advance() }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = location
                advance(); advance()
                while true {
                    guard let c = current else { throw .unterminatedComment(start) }
                    if c == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance(); advance()
                        break
                    }
                    advance()
                }
            default:
                return
            }
        }
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(PolicyError) -> JSONValue {
        try skipTrivia()
        let start = location
        guard let b = current else { throw .unexpectedEnd(start, expected: "a value") }
        switch b {
        case UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else { throw .nestingTooDeep(start, limit: Self.maximumDepth) }
            return try parseObject(depth: depth)
        case UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { throw .nestingTooDeep(start, limit: Self.maximumDepth) }
            return try parseArray(depth: depth)
        case UInt8(ascii: "\""):
            return JSONValue(.string(try parseString()), at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            for (word, kind) in [("true", JSONValue.Kind.bool(true)), ("false", .bool(false)), ("null", .null)]
            where matchesWord(word) {
                for _ in word.utf8 { advance() }
                return JSONValue(kind, at: start)
            }
            throw .unexpectedCharacter(start, found: describeFound(), expected: "a value")
        }
    }

    /// True when the text at the cursor is exactly `word`, not followed by a letter or digit.
    private func matchesWord(_ word: String) -> Bool {
        var offset = 0
        for c in word.utf8 {
            guard peek(offset) == c else { return false }
            offset += 1
        }
        guard let next = peek(offset) else { return true }
        return !Self.isWordByte(next)
    }

    private mutating func parseObject(depth: Int) throws(PolicyError) -> JSONValue {
        let start = location
        advance()
        var members: [JSONMember] = []
        var seen: [String: SourceLocation] = [:]
        while true {
            try skipTrivia()
            guard let b = current else {
                throw .unexpectedEnd(location, expected: "\"}\" to close the object opened at \(start)")
            }
            if b == UInt8(ascii: "}") {
                advance()
                return JSONValue(.object(members), at: start)
            }
            guard b == UInt8(ascii: "\"") else {
                throw .unexpectedCharacter(location, found: describeFound(), expected: "a key in double quotes or \"}\"")
            }
            let keyLocation = location
            let key = try parseString()
            try skipTrivia()
            guard let colon = current else { throw .unexpectedEnd(location, expected: "\":\" after the key") }
            guard colon == UInt8(ascii: ":") else {
                throw .unexpectedCharacter(location, found: describeFound(), expected: "\":\" after the key")
            }
            advance()
            let value = try parseValue(depth: depth + 1)
            if let first = seen[key] {
                duplicates.append(.duplicateKey(keyLocation, key: key, first: first))
            } else {
                seen[key] = keyLocation
                members.append(JSONMember(key: key, keyLocation: keyLocation, value: value))
            }
            try skipTrivia()
            guard let separator = current else {
                throw .unexpectedEnd(location, expected: "\",\" or \"}\" to close the object opened at \(start)")
            }
            switch separator {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "}"): continue
            default: throw .unexpectedCharacter(location, found: describeFound(), expected: "\",\" or \"}\"")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(PolicyError) -> JSONValue {
        let start = location
        advance()
        var elements: [JSONValue] = []
        while true {
            try skipTrivia()
            guard let b = current else {
                throw .unexpectedEnd(location, expected: "\"]\" to close the list opened at \(start)")
            }
            if b == UInt8(ascii: "]") {
                advance()
                return JSONValue(.array(elements), at: start)
            }
            if b == UInt8(ascii: ",") {
                throw .unexpectedCharacter(location, found: "\",\"", expected: "a value or \"]\"")
            }
            elements.append(try parseValue(depth: depth + 1))
            try skipTrivia()
            guard let separator = current else {
                throw .unexpectedEnd(location, expected: "\",\" or \"]\" to close the list opened at \(start)")
            }
            switch separator {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "]"): continue
            default: throw .unexpectedCharacter(location, found: describeFound(), expected: "\",\" or \"]\"")
            }
        }
    }
}
