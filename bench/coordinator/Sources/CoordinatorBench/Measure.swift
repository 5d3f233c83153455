#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU time this thread has used, from `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`.
func threadCPUTime() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return .seconds(Int64(ts.tv_sec)) + .nanoseconds(Int64(ts.tv_nsec))
}

/// How long something took: this thread's CPU time, and the wall time beside it.
struct Timing {
    var cpu: Duration = .zero
    var wall: Duration = .zero
}

/// The time `body` takes, and its result. The benchmark is single-threaded and pure, so
/// the table reports this thread's CPU time: on a shared machine, wall time also counts
/// the time other tenants hold the core (it is printed under the table).
func measure<T>(_ body: () throws -> T) rethrows -> (T, Timing) {
    let clock = ContinuousClock()
    let wallStart = clock.now
    let start = threadCPUTime()
    let result = try body()
    return (result, Timing(cpu: threadCPUTime() - start, wall: clock.now - wallStart))
}

/// The 1-minute load average, from /proc/loadavg (nil where there is none).
func loadAverage() -> String? {
    guard let file = fopen("/proc/loadavg", "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 64)
    guard fgets(&buffer, 64, file) != nil else { return nil }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.split(separator: " ").first.map(String.init)
}

/// Peak resident set size of this process so far, in MiB (getrusage's ru_maxrss).
func peakMemoryMiB() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    #if canImport(Darwin)
    return Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
    #else
    return Double(usage.ru_maxrss) / 1024  // KiB on Linux
    #endif
}

extension Duration {
    /// `12.3 ms` or `4.56 s`.
    var text: String {
        let ms = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if ms >= 1_000 { return String(format1: ms / 1000, digits: 2) + " s" }
        return String(format1: ms, digits: ms < 10 ? 2 : 1) + " ms"
    }
}

extension String {
    /// `value` with `digits` decimals, without Foundation.
    init(format1 value: Double, digits: Int) {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded()
        let whole = Int(scaled / scale)
        var frac = String(Int(scaled) - whole * Int(scale))
        while frac.count < digits { frac = "0" + frac }
        self = digits == 0 ? String(whole) : "\(whole).\(frac)"
    }

    func padded(_ width: Int, right: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(0, width - count))
        return right ? pad + self : self + pad
    }
}
