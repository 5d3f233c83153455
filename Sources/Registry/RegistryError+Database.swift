import GRDB

extension RegistryError {
    /// Turns whatever a database access threw into a `RegistryError`: registry errors pass
    /// through unchanged; SQLite and decoding errors become `.storage`, naming the operation
    /// and the database.
    static func wrapping(_ error: any Error, operation: String, location: String) -> RegistryError {
        if let registryError = error as? RegistryError { return registryError }
        return .storage(location: location, operation: operation, reason: reason(of: error))
    }

    /// A short reason for an error from SQLite or GRDB.
    static func reason(of error: any Error) -> String {
        if let databaseError = error as? DatabaseError {
            let message = databaseError.message ?? "no message"
            return "\(message) (SQLite code \(databaseError.extendedResultCode.rawValue))"
        }
        return String(describing: error)
    }
}
