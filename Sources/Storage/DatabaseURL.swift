import Foundation

/// Where the database lives, parsed from the configured URL.
///
/// Accepted forms: `sqlite:./data/parley.sqlite` (path relative to the working directory),
/// `sqlite:/abs/path.sqlite`, `sqlite:///abs/path.sqlite`, `sqlite::memory:` (private in-memory).
/// PostgreSQL (`postgres://…`) is recognised but not yet supported (issue 3).
public enum DatabaseURL: Equatable, Sendable {
    case sqliteFile(path: String)
    case sqliteMemory

    /// Why a database URL was refused.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case missingPath(String)
        case unsupportedScheme(String)

        public var description: String {
            switch self {
            case .empty: return "database URL is empty"
            case .missingPath(let url): return "database URL '\(url)' has no file path"
            case .unsupportedScheme(let scheme):
                return "database URL scheme '\(scheme)' is not supported (use sqlite:PATH or sqlite::memory:)"
            }
        }
    }

    /// Parses `string`.
    /// - Throws: ``ParseError`` for an empty URL, a missing path or an unknown scheme.
    public init(parsing string: String) throws(ParseError) {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .empty }
        guard let colon = trimmed.firstIndex(of: ":") else { throw .unsupportedScheme(trimmed) }
        let scheme = trimmed[..<colon].lowercased()
        var rest = String(trimmed[trimmed.index(after: colon)...])
        switch scheme {
        case "sqlite", "sqlite3":
            if rest == ":memory:" || rest == "//:memory:" { self = .sqliteMemory; return }
            if rest.hasPrefix("//") { rest.removeFirst(2) }
            guard !rest.isEmpty else { throw .missingPath(trimmed) }
            self = .sqliteFile(path: rest)
        default:
            throw .unsupportedScheme(scheme)
        }
    }
}
