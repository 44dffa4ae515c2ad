import Foundation
import Logging
import SQLKit
import XCTest
@testable import Storage

/// The databases the storage tests run against: SQLite in memory always, and PostgreSQL when
/// `PARLEY_TEST_POSTGRES_URL` is set (scripts/test starts a throw-away server and sets it).
/// Each PostgreSQL store gets a fresh schema (`?schema=parley_test_…`) dropped afterwards, so
/// tests never see each other's rows.
enum TestBackend: CustomStringConvertible {
    case sqlite
    case postgres(baseURL: String)

    static let postgresURLVariable = "PARLEY_TEST_POSTGRES_URL"

    /// SQLite, then PostgreSQL if configured.
    static var all: [TestBackend] {
        var backends: [TestBackend] = [.sqlite]
        if let url = ProcessInfo.processInfo.environment[postgresURLVariable], !url.isEmpty {
            backends.append(.postgres(baseURL: url))
        }
        return backends
    }

    /// The PostgreSQL backend, if configured.
    static var postgres: TestBackend? {
        all.first { if case .postgres = $0 { return true } else { return false } }
    }

    var description: String {
        switch self {
        case .sqlite: return "sqlite"
        case .postgres: return "postgres"
        }
    }

    /// A URL naming a new, empty database on this backend.
    func freshURL() -> String {
        switch self {
        case .sqlite:
            return "sqlite::memory:"
        case .postgres(let base):
            let schema = "parley_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        }
    }

    /// Opens a store on a fresh database, runs `body`, then drops the database (PostgreSQL
    /// schema) and closes the store, also when `body` throws.
    func withStore(logger: Logger, _ body: (ParleyStore) async throws -> Void) async throws {
        let url = freshURL()
        let store = try await ParleyStore.open(url: url, logger: logger)
        var failure: (any Error)?
        do { try await body(store) } catch { failure = error }
        try await Self.dropAndClose(store)
        if let failure { throw failure }
    }

    /// Drops the store's PostgreSQL schema (nothing for SQLite), then closes it.
    static func dropAndClose(_ store: ParleyStore) async throws {
        if let postgres = store.driver as? PostgresDriver { try await postgres.dropSchema() }
        try await store.shutdown()
    }
}

extension XCTestCase {
    /// Runs `body` once per ``TestBackend`` on a fresh store; failures name the backend.
    func forEachBackend(logger: Logger, _ body: (TestBackend, ParleyStore) async throws -> Void) async throws {
        for backend in TestBackend.all {
            do {
                try await backend.withStore(logger: logger) { try await body(backend, $0) }
            } catch {
                XCTFail("[\(backend)] \(error)")
            }
        }
    }
}
