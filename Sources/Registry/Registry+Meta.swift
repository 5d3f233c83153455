import GRDB

extension Registry {
    /// A coordinator fact stored under `key`, or `nil`.
    public func meta(_ key: String) throws(RegistryError) -> String? {
        try read("read meta \(quoted(key))") { db in
            try CoordinatorMetaRecord.fetchOne(db, key: key)?.value
        }
    }

    /// Stores a coordinator fact under `key`, replacing any earlier value.
    public func setMeta(_ key: String, to value: String) throws(RegistryError) {
        try write("store meta \(quoted(key))") { db in
            try CoordinatorMetaRecord(key: key, value: value).save(db)
        }
    }

    /// The names of the schema migrations applied to this database, in order.
    public func appliedMigrations() throws(RegistryError) -> [String] {
        try read("read its schema version") { db in
            try RegistrySchema.migrator().appliedMigrations(db)
        }
    }
}
