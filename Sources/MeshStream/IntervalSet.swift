/// A set of `UInt64` kept as sorted, disjoint, non-adjacent half-open ranges. Used for
/// received packet numbers, acknowledged and lost stream offsets, and reassembly.
struct IntervalSet: Equatable, Sendable {
    private(set) var ranges: [Range<UInt64>] = []

    init() {}

    init(_ ranges: [Range<UInt64>]) {
        for r in ranges { insert(r) }
    }

    var isEmpty: Bool { ranges.isEmpty }
    var count: Int { ranges.count }
    var first: Range<UInt64>? { ranges.first }
    var last: Range<UInt64>? { ranges.last }

    /// Index of the first range whose upper bound is ≥ `value` (it may contain `value`, touch
    /// it from below, or lie entirely above it).
    private func firstIndex(reaching value: UInt64) -> Int {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func contains(_ value: UInt64) -> Bool {
        let i = firstIndex(reaching: value + 1)
        return i < ranges.count && ranges[i].contains(value)
    }

    /// True when every value of `r` is in the set.
    func contains(_ r: Range<UInt64>) -> Bool {
        if r.isEmpty { return true }
        let i = firstIndex(reaching: r.lowerBound + 1)
        return i < ranges.count && ranges[i].lowerBound <= r.lowerBound && ranges[i].upperBound >= r.upperBound
    }

    /// Adds `r`, merging with ranges it overlaps or touches. Returns true if the set grew.
    @discardableResult
    mutating func insert(_ r: Range<UInt64>) -> Bool {
        if r.isEmpty { return false }
        // Fast path: appending at or beyond the end (in-order arrival).
        guard let tail = ranges.last else {
            ranges.append(r)
            return true
        }
        if tail.upperBound <= r.lowerBound {
            if tail.upperBound == r.lowerBound {
                ranges[ranges.count - 1] = tail.lowerBound..<r.upperBound
            } else {
                ranges.append(r)
            }
            return true
        }
        let start = firstIndex(reaching: r.lowerBound)
        var end = start
        var lower = r.lowerBound, upper = r.upperBound
        while end < ranges.count, ranges[end].lowerBound <= r.upperBound {
            lower = min(lower, ranges[end].lowerBound)
            upper = max(upper, ranges[end].upperBound)
            end += 1
        }
        if end - start == 1, ranges[start] == lower..<upper { return false }
        ranges.replaceSubrange(start..<end, with: CollectionOfOne(lower..<upper))
        return true
    }

    @discardableResult
    mutating func insert(_ value: UInt64) -> Bool { insert(value..<(value + 1)) }

    /// Removes every value of `r`.
    mutating func remove(_ r: Range<UInt64>) {
        if r.isEmpty || ranges.isEmpty { return }
        let start = firstIndex(reaching: r.lowerBound + 1)
        var replacement: [Range<UInt64>] = []
        var end = start
        while end < ranges.count, ranges[end].lowerBound < r.upperBound {
            let cur = ranges[end]
            if cur.lowerBound < r.lowerBound { replacement.append(cur.lowerBound..<r.lowerBound) }
            if cur.upperBound > r.upperBound { replacement.append(r.upperBound..<cur.upperBound) }
            end += 1
        }
        if start == end { return }
        ranges.replaceSubrange(start..<end, with: replacement)
    }

    /// Removes everything below `value`.
    mutating func removeAll(below value: UInt64) {
        while let head = ranges.first, head.lowerBound < value {
            if head.upperBound <= value {
                ranges.removeFirst()
            } else {
                ranges[0] = value..<head.upperBound
            }
        }
    }

    mutating func removeFirst(_ k: Int = 1) { ranges.removeFirst(k) }

    /// The first sub-range of `r` that is *not* in the set, if any.
    func firstGap(in r: Range<UInt64>) -> Range<UInt64>? {
        var lower = r.lowerBound
        var i = firstIndex(reaching: lower + 1)
        while lower < r.upperBound {
            guard i < ranges.count, ranges[i].lowerBound < r.upperBound else { return lower..<r.upperBound }
            if ranges[i].lowerBound > lower { return lower..<ranges[i].lowerBound }
            lower = max(lower, ranges[i].upperBound)
            i += 1
        }
        return nil
    }

    /// The end of the run of values starting at `value` (== `value` if it is not in the set).
    func contiguousEnd(from value: UInt64) -> UInt64 {
        let i = firstIndex(reaching: value + 1)
        if i < ranges.count, ranges[i].lowerBound <= value { return ranges[i].upperBound }
        return value
    }
}
