#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU time all threads of this process have used, from
/// `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`.
func processCPUTime() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return .seconds(Int64(ts.tv_sec)) + .nanoseconds(Int64(ts.tv_nsec))
}

/// How long something took: wall time, and the CPU time of every thread of the process.
struct Timing {
    var cpu: Duration = .zero
    var wall: Duration = .zero
}

/// The time `body` takes, and its result. The builder seals a batch of netmaps on every
/// core, so the wall time is the latency of a change and the process's CPU time (all
/// threads; nothing else runs in this process) is the work it took. On a shared machine
/// the wall time also counts time other tenants held the cores.
func measure<T>(_ body: () throws -> T) rethrows -> (T, Timing) {
    let clock = ContinuousClock()
    let wallStart = clock.now
    let start = processCPUTime()
    let result = try body()
    return (result, Timing(cpu: processCPUTime() - start, wall: clock.now - wallStart))
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

/// The machine's CPU time so far, from the `cpu` line of /proc/stat: time spent busy (user,
/// nice, system, irq, softirq) and time stolen by the hypervisor, in seconds of one CPU.
struct MachineCPU {
    var busy: Double = 0
    var steal: Double = 0
    /// This process's CPU time (all threads) at the same moment.
    var ours: Double = 0

    static func now() -> MachineCPU? {
        guard let file = fopen("/proc/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, 512, file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return nil }
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        let ours = processCPUTime()
        return MachineCPU(busy: (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / tick,
                          steal: fields[7] / tick,
                          ours: Double(ours.components.seconds) + Double(ours.components.attoseconds) / 1e18)
    }

    /// How many CPUs other processes kept busy on average between `self` and `later`, and
    /// how many the hypervisor stole, over `wall`.
    func others(until later: MachineCPU, wall: Duration) -> (busy: Double, steal: Double) {
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        guard seconds > 0 else { return (0, 0) }
        let busy = (later.busy - busy) - (later.ours - ours)
        return (max(0, busy) / seconds, (later.steal - steal) / seconds)
    }
}

/// The processors this process may run on (what `concurrentPerform` spreads work over).
func activeProcessors() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

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
