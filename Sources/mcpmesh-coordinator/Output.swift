import Coordinator
import Foundation

/// Human and JSON output for the admin commands.
enum Output {
    /// `value` as indented JSON with sorted keys (snake_case, ISO 8601 times), as `--json`
    /// prints it.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Rows aligned in columns under `header`, two spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `2026-05-01 14:03 UTC`.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// `3m ago`, `in 6d`, `now`.
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = Int64(date.timeIntervalSince(now).rounded())
        if abs(seconds) < 5 { return "now" }
        let span = DurationText.format(seconds: abs(seconds))
        // Keep the largest unit only: "1d" rather than "1d3h12m".
        let short = String(span.prefix { $0.isNumber }) + String(span.drop { $0.isNumber }.prefix(1))
        return seconds < 0 ? "\(short) ago" : "in \(short)"
    }

    /// A comma-separated list, or `-` when empty.
    static func list(_ items: [String]) -> String {
        items.isEmpty ? "-" : items.joined(separator: ",")
    }

    /// Prints a policy's access changes, one per line, or `no access changes`.
    static func printChanges(_ changes: [AdminResults.AccessChangeInfo]) {
        if changes.isEmpty {
            print("no access changes")
        } else {
            for change in changes { print(change.text) }
        }
    }

    /// `1 test`, `2 tests`.
    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
