import XCTest
@testable import Policy

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> PolicyError? {
        do {
            _ = try JSONParser.parse(text)
            XCTFail("expected \(text.debugDescription) to be rejected", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.count, 1, file: file, line: line)
            return error.first
        }
    }

    private func error(bytes: [UInt8]) -> PolicyError? {
        do {
            _ = try JSONParser.parse(bytes: bytes)
            return nil
        } catch {
            return error.first
        }
    }

    func testCommentsAndTrailingCommas() throws {
        let value = try parse("""
        // leading comment
        { /* block
             comment */ "a": [1, 2, /* inline */ 3,], // trailing
          "b": {"c": null,},
        }
        """)
        guard case .object(let members) = value.kind else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.key), ["a", "b"])
        guard case .array(let elements) = members[0].value.kind else { return XCTFail("a is not a list") }
        XCTAssertEqual(elements.map(\.kind), [.number("1"), .number("2"), .number("3")])
        XCTAssertEqual(members[1].value.kind, .object([JSONMember(key: "c", keyLocation: loc(4, 9),
                                                                  value: JSONValue(.null, at: loc(4, 14)))]))
    }

    func testLocationsOfKeysAndValuesCountScalarsNotBytes() throws {
        let value = try parse("{\"é\": [1, \"x\"],\r\n  \"k\": true}")
        guard case .object(let members) = value.kind, case .array(let elements) = members[0].value.kind else {
            return XCTFail("unexpected shape")
        }
        XCTAssertEqual(value.location, loc(1, 1))
        XCTAssertEqual(members[0].keyLocation, loc(1, 2))
        XCTAssertEqual(members[0].value.location, loc(1, 7))
        XCTAssertEqual(elements[1].location, loc(1, 11))
        XCTAssertEqual(members[1].keyLocation, loc(2, 3))
        XCTAssertEqual(members[1].value.location, loc(2, 8))
    }

    func testStringEscapesAndUnicode() throws {
        let value = try parse(#"["\u00e9\ud83d\ude00", "a\"b\\c\/d\b\f\n\r\t", "naïve 😀"]"#)
        guard case .array(let e) = value.kind else { return XCTFail("not a list") }
        XCTAssertEqual(e[0].kind, .string("é😀"))
        XCTAssertEqual(e[1].kind, .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(e[2].kind, .string("naïve 😀"))
    }

    func testBadEscapes() {
        XCTAssertEqual(error(#"["\ud83d"]"#), .invalidUnicodeEscape(loc(1, 3)))
        XCTAssertEqual(error(#"["\ude00"]"#), .invalidUnicodeEscape(loc(1, 3)))
        XCTAssertEqual(error(#"["\ud83d\u0041"]"#), .invalidUnicodeEscape(loc(1, 3)))
        XCTAssertEqual(error(#"["\u12G4"]"#), .invalidUnicodeEscape(loc(1, 3)))
        XCTAssertEqual(error(#"["ab\q"]"#), .invalidEscape(loc(1, 5), escape: "\\q"))
        XCTAssertEqual(error("[\"a\nb\"]"), .controlCharacterInString(loc(1, 4)))
    }

    func testNumbers() throws {
        XCTAssertEqual(try parse("-0.5e+3").kind, .number("-0.5e+3"))
        XCTAssertEqual(try parse("0").kind, .number("0"))
        XCTAssertEqual(error("[01]"), .invalidNumber(loc(1, 2), text: "01"))
        XCTAssertEqual(error("[1.]"), .invalidNumber(loc(1, 2), text: "1."))
        XCTAssertEqual(error("[-]"), .invalidNumber(loc(1, 2), text: "-"))
        XCTAssertEqual(error("[1e]"), .invalidNumber(loc(1, 2), text: "1e"))
        XCTAssertEqual(error("[+1]"), .unexpectedCharacter(loc(1, 2), found: "\"+\"", expected: "a value"))
    }

    func testLiteralsAndBareWords() throws {
        XCTAssertEqual(try parse(" [true,false,null] ").kind,
                       .array([JSONValue(.bool(true), at: loc(1, 3)), JSONValue(.bool(false), at: loc(1, 8)),
                               JSONValue(.null, at: loc(1, 14))]))
        XCTAssertEqual(error("[trueish]"), .unexpectedCharacter(
            loc(1, 2), found: "the bare word trueish (keys and strings need double quotes)", expected: "a value"))
        XCTAssertEqual(error("{tags: []}"), .unexpectedCharacter(
            loc(1, 2), found: "the bare word tags (keys and strings need double quotes)",
            expected: "a key in double quotes or \"}\""))
        XCTAssertEqual(error("['a']"), .unexpectedCharacter(loc(1, 2), found: "\"'\"", expected: "a value"))
    }

    func testMisplacedCommasAndSeparators() {
        XCTAssertEqual(error("[,]"), .unexpectedCharacter(loc(1, 2), found: "\",\"", expected: "a value or \"]\""))
        XCTAssertEqual(error("[1,,2]"), .unexpectedCharacter(loc(1, 4), found: "\",\"", expected: "a value or \"]\""))
        XCTAssertEqual(error("{,}"), .unexpectedCharacter(loc(1, 2), found: "\",\"",
                                                          expected: "a key in double quotes or \"}\""))
        XCTAssertEqual(error("{\"a\" 1}"), .unexpectedCharacter(loc(1, 6), found: "\"1\"", expected: "\":\" after the key"))
        XCTAssertEqual(error("[1 2]"), .unexpectedCharacter(loc(1, 4), found: "\"2\"", expected: "\",\" or \"]\""))
        XCTAssertEqual(error("{} x"), .unexpectedCharacter(loc(1, 4), found: "the bare word x (keys and strings need double quotes)",
                                                           expected: "the end of the text"))
    }

    func testTruncatedInput() {
        XCTAssertEqual(error(""), .unexpectedEnd(loc(1, 1), expected: "a value"))
        XCTAssertEqual(error("  // only a comment"), .unexpectedEnd(loc(1, 20), expected: "a value"))
        XCTAssertEqual(error("{\"a\": [1, 2"), .unexpectedEnd(loc(1, 12), expected: "\",\" or \"]\" to close the list opened at 1:7"))
        XCTAssertEqual(error("{\"a\": [1, 2],\n"), .unexpectedEnd(loc(2, 1), expected: "\"}\" to close the object opened at 1:1"))
        XCTAssertEqual(error("{\"a\""), .unexpectedEnd(loc(1, 5), expected: "\":\" after the key"))
        XCTAssertEqual(error("[\"abc"), .unterminatedString(loc(1, 2)))
        XCTAssertEqual(error("[1] /* never closed"), .unterminatedComment(loc(1, 5)))
        XCTAssertEqual(error("[\"\\"), .unexpectedEnd(loc(1, 4), expected: "an escape character after \"\\\""))
        XCTAssertEqual(error("[\"\\u12"), .invalidUnicodeEscape(loc(1, 3)))
    }

    func testEveryPrefixOfAPolicyIsRejectedCleanly() {
        let bytes = Array(Fixtures.policy.utf8)
        for end in 0..<bytes.count {
            let prefix = Array(bytes[..<end])
            // Prefixes that end inside the final comment-free tail are still incomplete objects.
            XCTAssertThrowsError(try PolicyFile.parse(bytes: prefix), "prefix of \(end) bytes")
        }
        XCTAssertNoThrow(try PolicyFile.parse(bytes: bytes))
    }

    func testNestingLimit() throws {
        let limit = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        XCTAssertNoThrow(try parse(deepest))
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        XCTAssertEqual(error(tooDeep), .nestingTooDeep(loc(1, limit + 1), limit: limit))
        let objects = String(repeating: "{\"a\":", count: limit + 1)
        XCTAssertEqual(error(objects), .nestingTooDeep(loc(1, 5 * limit + 1), limit: limit))
        // Far deeper than any stack could recurse: still a clean error.
        XCTAssertEqual(error(String(repeating: "[", count: 200_000)), .nestingTooDeep(loc(1, limit + 1), limit: limit))
    }

    func testInvalidUTF8() {
        XCTAssertEqual(error(bytes: Array("[\"".utf8) + [0xFF] + Array("\"]".utf8)), .invalidUTF8(loc(1, 3)))
        // An overlong encoding of "/" and an encoded surrogate are not UTF-8.
        XCTAssertEqual(error(bytes: Array("[\"a".utf8) + [0xC0, 0xAF] + Array("\"]".utf8)), .invalidUTF8(loc(1, 4)))
        XCTAssertEqual(error(bytes: Array("[\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"]".utf8)), .invalidUTF8(loc(1, 3)))
        XCTAssertEqual(error(bytes: Array("[\"".utf8) + [0xE2, 0x82] + Array("\"]".utf8)), .invalidUTF8(loc(1, 3)))
        XCTAssertEqual(error(bytes: [0x5B, 0xFE]),
                       .unexpectedCharacter(loc(1, 2), found: "the invalid UTF-8 byte 0xFE", expected: "a value"))
    }

    func testByteOrderMarkIsSkipped() throws {
        let value = try JSONParser.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("[1]".utf8))
        XCTAssertEqual(value.location, loc(1, 1))
    }

    func testDuplicateKeysAreAllReported() {
        do {
            _ = try JSONParser.parse("{\"a\": 1, \"b\": {\"x\": 1, \"x\": 2}, \"a\": 3}")
            XCTFail("duplicates accepted")
        } catch {
            XCTAssertEqual(error.errors, [
                .duplicateKey(loc(1, 24), key: "x", first: loc(1, 16)),
                .duplicateKey(loc(1, 33), key: "a", first: loc(1, 2)),
            ])
        }
    }

    /// Seeded random bytes and random mutations of a real policy: parsing must only ever
    /// return or throw.
    func testRandomInputNeverTraps() {
        var rng = SplitMix(seed: 0x5EED)
        let base = Array(Fixtures.policy.utf8)
        let alphabet = Array("{}[]\",:/*\\u0123456789abtfnlr-+.eE \n\té".utf8) + [0xFF, 0xC3, 0x00]
        for round in 0..<3_000 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0..<Int(rng.next() % 64)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                bytes = base
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: i)
                    default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                    }
                }
            }
            if let file = try? PolicyFile.parse(bytes: bytes) {
                let compiled = CompiledPolicy(file, nodes: Fixtures.nodes)
                _ = compiled.runTests()
                _ = compiled.inboundAccess(to: "nas-1")
            }
        }
    }
}

/// A tiny deterministic generator for seeded test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
