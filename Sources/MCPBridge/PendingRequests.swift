import MCP
import MeshWire

/// The requests a client has in flight to the upstream server, by id, so that the filter
/// knows what each response answers (a `tools/list` result must be filtered; a `tools/call`
/// result closes an audited call).
///
/// The table is bounded. A request the client cancelled stays until its response comes (a
/// late `tools/list` result must still be filtered), but it is the first to go when the
/// table is full; a response whose entry is gone is then dropped, never passed unfiltered.
struct PendingRequests: Sendable {
    /// One request in flight.
    struct Entry: Sendable, Hashable {
        var method: String
        var tool: String?
        var started: Instant
        var bytesIn: Int
        var cancelled = false
        var sequence: UInt64
    }

    let capacity: Int
    private var entries: [ID: Entry] = [:]
    private var nextSequence: UInt64 = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { entries.count }

    func contains(_ id: ID) -> Bool { entries[id] != nil }

    /// Records a request; false when the table is full of requests still awaited.
    mutating func insert(_ id: ID, method: String, tool: String?, started: Instant, bytesIn: Int) -> Bool {
        if entries.count >= capacity, !evictOldestCancelled() { return false }
        entries[id] = Entry(method: method, tool: tool, started: started, bytesIn: bytesIn, sequence: nextSequence)
        nextSequence += 1
        return true
    }

    /// Takes the entry a response with `id` answers.
    mutating func remove(_ id: ID) -> Entry? { entries.removeValue(forKey: id) }

    /// Marks the request `id` as cancelled by the client.
    mutating func markCancelled(_ id: ID) { entries[id]?.cancelled = true }

    /// Empties the table, returning what was in flight, oldest first.
    mutating func removeAll() -> [Entry] {
        defer { entries.removeAll() }
        return entries.values.sorted { $0.sequence < $1.sequence }
    }

    private mutating func evictOldestCancelled() -> Bool {
        guard let oldest = entries.filter({ $0.value.cancelled }).min(by: { $0.value.sequence < $1.value.sequence }) else {
            return false
        }
        entries.removeValue(forKey: oldest.key)
        return true
    }
}
