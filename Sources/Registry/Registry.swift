import Foundation
import GRDB

/// The coordinator's registry: nodes, join keys, policy history, the admin audit trail and
/// netmap versions, in SQLite through GRDB.
///
/// Every change is one transaction that keeps its invariants, so the registry survives a
/// crash at any instant. A file registry uses WAL with `synchronous=FULL`: once a method
/// returns, its write is durable. Foreign keys are on. Times are passed in by the caller and
/// never read inside, so tests control them.
public struct Registry: Sendable {
    let writer: any DatabaseWriter
    let gate = AccessGate()
    /// The database file, or ":memory:" for an in-memory registry.
    public let path: String

    /// Opens (or creates) the registry database at `path`, making its directory (mode 0700)
    /// and the file (mode 0600) if needed, and migrating the schema.
    public init(path: String) throws(RegistryError) {
        try DatabaseFile.prepare(path: path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
            // GRDB sets `synchronous=NORMAL` on the writer when it turns WAL on, after
            // `prepareDatabase` ran; NORMAL may lose the last commits on power loss. Put
            // FULL back on the one writer connection, which lives as long as the pool.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw .cannotOpen(path: path, reason: RegistryError.reason(of: error))
        }
        try self.init(writer: pool, path: path)
    }

    /// A fresh registry in memory, for tests.
    public static func inMemory() throws(RegistryError) -> Registry {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw .cannotOpen(path: ":memory:", reason: RegistryError.reason(of: error))
        }
        return try Registry(writer: queue, path: ":memory:")
    }

    init(writer: any DatabaseWriter, path: String) throws(RegistryError) {
        self.writer = writer
        self.path = path
        try migrate()
    }

    /// Waits for running calls, then closes the database (checkpointing the WAL). Calls on
    /// this registry or any copy of it then fail with a storage error saying it is closed.
    public func close() throws(RegistryError) {
        do { try gate.close { try writer.close() } } catch {
            throw .wrapping(error, operation: "close", location: location)
        }
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check`; returns the problems found,
    /// or an empty list when the database is sound.
    public func integrityProblems() throws(RegistryError) -> [String] {
        try read("check its integrity") { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0] ?? "?"
                let rowID: Int64? = row[1]
                let parent: String = row[2] ?? "?"
                problems.append("row \(rowID.map(String.init) ?? "?") of \(table) refers to a missing row of \(parent)")
            }
            return problems
        }
    }

    // MARK: - Internals

    /// Words for messages: "registry at PATH" or "in-memory registry".
    var location: String { path == ":memory:" ? "in-memory registry" : "registry at \(path)" }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "mcpmesh.registry"
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // An acknowledged write must survive power loss: sync the WAL on every commit.
            // (A pool's writer needs this again after WAL setup; see `init(path:)`.)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // On Apple platforms fsync does not reach the disk platter; F_FULLFSYNC does.
            // Other platforms ignore these.
            try db.execute(sql: "PRAGMA fullfsync = ON")
            try db.execute(sql: "PRAGMA checkpoint_fullfsync = ON")
        }
        return config
    }

    private func migrate() throws(RegistryError) {
        let migrator = RegistrySchema.migrator()
        let applied = try read("read its schema version") { db in
            try db.tableExists("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
        }
        let unknown = applied.subtracting(migrator.migrations).sorted()
        guard unknown.isEmpty else { throw .schemaTooNew(path: path, unknownMigrations: unknown) }
        do { try migrator.migrate(writer) } catch {
            throw .wrapping(error, operation: "migrate its schema", location: location)
        }
    }

    private func closedError(_ operation: String) -> RegistryError {
        .storage(location: location, operation: operation, reason: "it is closed")
    }

    /// One read, with any failure named as `operation` on this registry.
    func read<T>(_ operation: @autoclosure () -> String,
                 _ body: (Database) throws -> T) throws(RegistryError) -> T {
        let result: T?
        do { result = try gate.ifOpen { try writer.read(body) } } catch {
            throw .wrapping(error, operation: operation(), location: location)
        }
        guard let result else { throw closedError(operation()) }
        return result
    }

    /// One write transaction: all of `body` is committed, or none of it.
    func write<T>(_ operation: @autoclosure () -> String,
                  _ body: (Database) throws -> T) throws(RegistryError) -> T {
        let result: T?
        do { result = try gate.ifOpen { try writer.write(body) } } catch {
            throw .wrapping(error, operation: operation(), location: location)
        }
        guard let result else { throw closedError(operation()) }
        return result
    }
}
