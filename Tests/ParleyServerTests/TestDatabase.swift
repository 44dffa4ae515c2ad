import Foundation
import Logging
import Storage

/// The database behind ``TestServer``: SQLite in memory, or PostgreSQL when
/// `PARLEY_TEST_BACKEND=postgres` and `PARLEY_TEST_POSTGRES_URL` are set (scripts/test runs the
/// API suites a second time that way). Each PostgreSQL store gets a fresh schema
/// (`?schema=parley_api_…`), dropped by ``close(_:)``.
enum TestDatabase {
    static let backendVariable = "PARLEY_TEST_BACKEND"
    static let postgresURLVariable = "PARLEY_TEST_POSTGRES_URL"

    /// Why the requested backend cannot be used.
    struct ConfigurationError: Error, CustomStringConvertible {
        var description: String
    }

    /// `sqlite` (also when unset or empty) or `postgres`, from the environment.
    static var backend: String {
        let value = ProcessInfo.processInfo.environment[backendVariable]?.lowercased() ?? ""
        return value.isEmpty ? "sqlite" : value
    }

    /// A migrated store on a new, empty database of the selected backend.
    /// - Throws: ``ConfigurationError`` for an unknown backend or PostgreSQL without URL; driver errors.
    static func open(logger: Logger) async throws -> ParleyStore {
        switch backend {
        case "sqlite":
            return try await ParleyStore.open(url: "sqlite::memory:", logger: logger)
        case "postgres":
            guard let base = ProcessInfo.processInfo.environment[postgresURLVariable], !base.isEmpty else {
                throw ConfigurationError(description: "\(backendVariable)=postgres needs \(postgresURLVariable)")
            }
            let schema = "parley_api_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            return try await ParleyStore.open(url: base + (base.contains("?") ? "&" : "?") + "schema=\(schema)", logger: logger)
        case let other:
            throw ConfigurationError(description: "\(backendVariable)=\(other): use sqlite or postgres")
        }
    }

    /// Drops the store's PostgreSQL schema (if any), then closes it.
    static func close(_ store: ParleyStore) async throws {
        if let postgres = store.driver as? PostgresDriver { try await postgres.dropSchema() }
        try await store.shutdown()
    }
}
