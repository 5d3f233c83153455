import GRDB

extension Registry {
    /// Runs SQL below the API, on the writer connection. For tests and diagnostics only:
    /// nothing in the coordinator calls it.
    /// Outside any transaction, so pragmas such as `foreign_keys` take effect.
    func executeRawSQL(_ sql: String) throws(RegistryError) {
        let done: Void?
        do {
            done = try gate.ifOpen { try writer.writeWithoutTransaction { db in try db.execute(sql: sql) } }
        } catch {
            throw .wrapping(error, operation: "run raw SQL", location: location)
        }
        guard done != nil else {
            throw .storage(location: location, operation: "run raw SQL", reason: "it is closed")
        }
    }

    /// The first column of the first row of `sql` as text, read on the writer connection
    /// (where the connection settings under test apply). For tests and diagnostics only.
    func rawScalar(_ sql: String) throws(RegistryError) -> String? {
        let result: String??
        do {
            result = try gate.ifOpen { try writer.writeWithoutTransaction { db -> String? in
                guard let value = try DatabaseValue.fetchOne(db, sql: sql) else { return nil }
                switch value.storage {
                case .null: return nil
                case .int64(let number): return String(number)
                case .double(let number): return String(number)
                case .string(let text): return text
                case .blob(let data): return "\(data.count) bytes"
                }
            } }
        } catch {
            throw .wrapping(error, operation: "run raw SQL", location: location)
        }
        guard let result else {
            throw .storage(location: location, operation: "run raw SQL", reason: "it is closed")
        }
        return result
    }
}
