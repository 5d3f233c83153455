/// Durations as admins type them: a number and a unit, optionally several in a row, largest
/// unit first: `90s`, `30m`, `24h`, `7d`, `2w`, `1h30m`.
public enum DurationText {
    /// The longest duration accepted (10 years), so typos like `24000d` are caught.
    public static let maximumSeconds: Int64 = 3650 * 86_400

    static let units: [(suffix: Character, seconds: Int64, name: String)] = [
        ("w", 7 * 86_400, "weeks"), ("d", 86_400, "days"), ("h", 3_600, "hours"),
        ("m", 60, "minutes"), ("s", 1, "seconds"),
    ]

    /// The number of seconds `text` stands for.
    ///
    /// - Throws: `CoordinatorError.invalidArgument` naming `what` (such as `--expires`) and
    ///   saying what is wrong with the text.
    public static func seconds(_ text: String, what: String = "the duration") throws(CoordinatorError) -> Int64 {
        func bad(_ reason: String) -> CoordinatorError {
            .invalidArgument(what: "\(what) \"\(text)\"", reason: reason)
        }
        let hint = "write a number and a unit (s, m, h, d or w), such as 30m, 24h or 7d"
        guard !text.isEmpty else { throw bad("it is empty; \(hint)") }
        var total: Int64 = 0
        var digits = ""
        var lastUnit = -1
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                guard digits.count <= 12 else { throw bad("the number is too large") }
                continue
            }
            guard let index = units.firstIndex(where: { $0.suffix == character }) else {
                if character.isWhitespace { throw bad("it holds a space; \(hint)") }
                throw bad("\"\(character)\" is not a unit; \(hint)")
            }
            guard let number = Int64(digits) else { throw bad("a unit needs a number before it; \(hint)") }
            guard index > lastUnit else {
                throw bad("units must come largest first, each once (as in 1d12h)")
            }
            lastUnit = index
            digits = ""
            total += number * units[index].seconds
            guard total <= maximumSeconds else { throw bad("it is longer than 3650 days") }
        }
        guard digits.isEmpty else { throw bad("\"\(digits)\" has no unit; \(hint)") }
        guard total > 0 else { throw bad("it must be longer than zero") }
        return total
    }

    /// `seconds` written back compactly: `1d12h`, `30m`, `45s`.
    public static func format(seconds: Int64) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var out = ""
        for unit in units where unit.suffix != "w" {
            let count = rest / unit.seconds
            if count > 0 {
                out += "\(count)\(unit.suffix)"
                rest -= count * unit.seconds
            }
        }
        return out
    }
}
