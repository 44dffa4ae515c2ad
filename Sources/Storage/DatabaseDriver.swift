import Foundation
import Logging
import SQLKit
import SQLiteKit

/// Owns the database connection(s) and vends them as `SQLDatabase`; repositories see only
/// `SQLDatabase`, so the same migrations and queries run on ``SQLiteDriver`` and
/// ``PostgresDriver``. `sql.withSession` must run its closure on one connection (transactions).
public protocol DatabaseDriver: Sendable {
    /// The database, dialect-neutral.
    var sql: any SQLDatabase { get }
    /// Closes the connection(s). No query may run afterwards.
    func shutdown() async throws
}

/// One SQLite connection (file or in-memory) with foreign keys enabled.
///
/// SQLite is single-writer; ``ParleyStore`` serialises every transaction on this connection.
public final class SQLiteDriver: DatabaseDriver {
    private let connection: SQLiteConnection
    public let sql: any SQLDatabase

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.sql = connection.sql(queryLogLevel: .trace)
    }

    /// Opens the database; for a file, creates its parent directory first.
    /// - Throws: file-system errors creating the directory, SQLite errors opening the file,
    ///   ``DatabaseURL/ParseError/unsupportedScheme(_:)`` for a PostgreSQL URL.
    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> SQLiteDriver {
        let storage: SQLiteConnection.Storage
        switch url {
        case .sqliteMemory:
            storage = .memory
        case .sqliteFile(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            storage = .file(path: path)
        case .postgres:
            throw DatabaseURL.ParseError.unsupportedScheme("postgres (not an SQLite URL)")
        }
        let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        let driver = SQLiteDriver(connection: connection, logger: logger)
        try await driver.sql.raw("PRAGMA foreign_keys = ON").run()
        if case .sqliteFile = url {
            // Concurrent readers (e.g. a second process inspecting the file) while we write.
            try await driver.sql.raw("PRAGMA journal_mode = WAL").run()
        }
        return driver
    }

    public func shutdown() async throws {
        try await connection.close()
    }
}
