import Foundation
import SQLKit

/// One numbered, forward-only schema change. Versions are applied in ascending order and
/// recorded in `schema_migrations(version, name, applied_at)`; a recorded version is never
/// applied again. Never edit a released migration: add a new one.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var apply: @Sendable (any SQLDatabase) async throws -> Void

    public init(version: Int, name: String, apply: @escaping @Sendable (any SQLDatabase) async throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }
}

/// Applies pending ``Migration``s, each in its own transaction.
public enum Migrator {
    /// Why migrating failed before touching the schema.
    public enum MigrationError: Error, Equatable, CustomStringConvertible {
        case duplicateVersion(Int)
        case databaseIsNewer(applied: Int, known: Int)

        public var description: String {
            switch self {
            case .duplicateVersion(let v): return "migration version \(v) is declared twice"
            case .databaseIsNewer(let applied, let known):
                return "database schema version \(applied) is newer than this build's \(known)"
            }
        }
    }

    /// Applies every migration of `migrations` whose version is not yet recorded.
    /// - Returns: the versions applied by this call, ascending.
    /// - Throws: ``MigrationError`` for duplicate versions or a newer database; SQL errors
    ///   (the failing migration is rolled back, earlier ones stay applied).
    @discardableResult
    public static func migrate(_ db: any SQLDatabase, migrations: [Migration]) async throws -> [Int] {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
        try await db.create(table: "schema_migrations").ifNotExists()
            .column("version", type: .bigint, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("applied_at", type: .timestamp, .notNull)
            .run()
        let applied = try await appliedVersions(db)
        let known = migrations.map(\.version).max() ?? 0
        if let newest = applied.max(), newest > known {
            throw MigrationError.databaseIsNewer(applied: newest, known: known)
        }
        var done: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
            try await db.withSession { session in
                try await session.raw("BEGIN").run()
                do {
                    try await migration.apply(session)
                    try await session.insert(into: "schema_migrations")
                        .columns("version", "name", "applied_at")
                        .values(migration.version, migration.name, Date())
                        .run()
                    try await session.raw("COMMIT").run()
                } catch {
                    try? await session.raw("ROLLBACK").run()
                    throw error
                }
            }
            done.append(migration.version)
        }
        return done
    }

    /// Versions recorded in `schema_migrations`.
    public static func appliedVersions(_ db: any SQLDatabase) async throws -> Set<Int> {
        let rows = try await db.select().column("version").from("schema_migrations").all()
        return Set(try rows.map { try $0.decode(column: "version", as: Int.self) })
    }
}
