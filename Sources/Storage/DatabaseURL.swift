import Foundation

/// Where the database lives, parsed from the configured URL.
///
/// Accepted forms:
/// - `sqlite:./data/parley.sqlite` (path relative to the working directory),
///   `sqlite:/abs/path.sqlite`, `sqlite:///abs/path.sqlite`, `sqlite::memory:` (private in-memory);
/// - `postgres://USER[:PASSWORD]@HOST[:PORT][/DATABASE][?PARAMS]` (also `postgresql://`), see
///   ``PostgresLocation``.
public enum DatabaseURL: Equatable, Sendable {
    case sqliteFile(path: String)
    case sqliteMemory
    case postgres(PostgresLocation)

    /// Why a database URL was refused. Descriptions never contain the password.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case missingPath(String)
        case unsupportedScheme(String)
        /// A `postgres://` URL that does not parse; the reason names the faulty part.
        case invalidPostgres(reason: String)

        public var description: String {
            switch self {
            case .empty: return "database URL is empty"
            case .missingPath(let url): return "database URL '\(url)' has no file path"
            case .unsupportedScheme(let scheme):
                return "database URL scheme '\(scheme)' is not supported (use sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
            case .invalidPostgres(let reason): return "invalid PostgreSQL URL: \(reason)"
            }
        }
    }

    /// Parses `string`.
    /// - Throws: ``ParseError`` for an empty URL, a missing path, an unknown scheme or a
    ///   malformed `postgres://` URL.
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
        case "postgres", "postgresql":
            self = .postgres(try PostgresLocation(parsing: rest))
        default:
            throw .unsupportedScheme(scheme)
        }
    }

    /// The URL with any password replaced by `***`, for logs.
    public var redacted: String {
        switch self {
        case .sqliteMemory: return "sqlite::memory:"
        case .sqliteFile(let path): return "sqlite:\(path)"
        case .postgres(let location): return location.redacted
        }
    }
}

/// A PostgreSQL server, database and session settings, from
/// `postgres://USER[:PASSWORD]@HOST[:PORT][/DATABASE][?PARAMS]`.
///
/// User, password and database are percent-decoded. `HOST` is a name, an IPv4 address or a
/// bracketed IPv6 address; `PORT` defaults to 5432. Parameters (`&`-separated, each at most
/// once): `sslmode` (alias `tlsmode`) = `disable` | `prefer` (default) | `require`, with the
/// libpq aliases `allow` → prefer and `verify-ca`/`verify-full` → require (postgres-kit always
/// verifies certificates when TLS is used); `schema` = an unquoted identifier
/// (`[a-z_][a-z0-9_]*`, ≤ 63 bytes): Parley's tables live in that schema, created if missing.
/// Other parameters are refused, so a misspelt one is not silently ignored.
public struct PostgresLocation: Equatable, Sendable {
    public enum TLSMode: String, Equatable, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    /// nil: the server's default (the user name).
    public var database: String?
    public var tls: TLSMode
    /// The schema holding Parley's tables (`search_path`); nil: the server's default (`public`).
    public var schema: String?

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String? = nil,
                tls: TLSMode = .prefer, schema: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.schema = schema
    }

    /// Longest accepted identifier (PostgreSQL's NAMEDATALEN − 1), in bytes.
    static let maxIdentifierLength = 63

    /// Parses what follows `postgres:` (must start with `//`).
    /// - Throws: ``DatabaseURL/ParseError/invalidPostgres(reason:)``.
    init(parsing rest: String) throws(DatabaseURL.ParseError) {
        guard rest.hasPrefix("//") else { throw .invalidPostgres(reason: "expected postgres://USER@HOST") }
        var remainder = Substring(rest.dropFirst(2))
        var query: Substring = ""
        if let mark = remainder.firstIndex(of: "?") {
            query = remainder[remainder.index(after: mark)...]
            remainder = remainder[..<mark]
        }
        guard !remainder.contains("#") else { throw .invalidPostgres(reason: "fragments are not supported") }
        var path: Substring = ""
        // The user info may contain '/' only percent-encoded, so the first '/' after the last '@' starts the path.
        guard let at = remainder.lastIndex(of: "@") else { throw .invalidPostgres(reason: "missing user (USER@HOST)") }
        let userInfo = remainder[..<at]
        var hostPort = remainder[remainder.index(after: at)...]
        if let slash = hostPort.firstIndex(of: "/") {
            path = hostPort[hostPort.index(after: slash)...]
            hostPort = hostPort[..<slash]
        }

        let userPart: Substring
        if let colon = userInfo.firstIndex(of: ":") {
            userPart = userInfo[..<colon]
            password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
        } else {
            userPart = userInfo
            password = nil
        }
        user = try Self.decode(userPart, "user")
        guard !user.isEmpty else { throw .invalidPostgres(reason: "empty user") }

        (host, port) = try Self.parseHostPort(hostPort)
        if path.isEmpty {
            database = nil
        } else {
            let name = try Self.decode(path, "database")
            guard !name.contains("/") else { throw .invalidPostgres(reason: "database name contains '/'") }
            database = name
        }

        tls = .prefer
        schema = nil
        var seen = Set<String>()
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: "=") else {
                throw .invalidPostgres(reason: "parameter '\(item.prefix(32))' has no value")
            }
            let name = item[..<equals].lowercased()
            let value = try Self.decode(item[item.index(after: equals)...], "parameter value")
            let key = name == "tlsmode" ? "sslmode" : name
            guard seen.insert(key).inserted else { throw .invalidPostgres(reason: "parameter '\(key)' given twice") }
            switch key {
            case "sslmode":
                switch value.lowercased() {
                case "disable": tls = .disable
                case "prefer", "allow": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw .invalidPostgres(reason: "unknown sslmode '\(value.prefix(32))'")
                }
            case "schema":
                guard Self.isPlainIdentifier(value) else {
                    throw .invalidPostgres(reason: "schema must match [a-z_][a-z0-9_]* (at most 63 bytes)")
                }
                schema = value
            default:
                throw .invalidPostgres(reason: "unsupported parameter '\(key.prefix(32))' (use sslmode or schema)")
            }
        }
    }

    /// `postgres://user:***@host:port/db?…` for logs.
    public var redacted: String {
        let credentials = password == nil ? user : "\(user):***"
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://\(credentials)@\(hostText):\(port)"
        if let database { text += "/\(database)" }
        var params = ["sslmode=\(tls.rawValue)"]
        if let schema { params.append("schema=\(schema)") }
        return text + "?" + params.joined(separator: "&")
    }

    private static func decode(_ text: Substring, _ what: String) throws(DatabaseURL.ParseError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw .invalidPostgres(reason: "\(what) has a malformed percent escape")
        }
        guard !decoded.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw .invalidPostgres(reason: "\(what) contains a NUL byte")
        }
        return decoded
    }

    private static func parseHostPort(_ text: Substring) throws(DatabaseURL.ParseError) -> (String, Int) {
        var hostText: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidPostgres(reason: "unclosed '[' in host") }
            hostText = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidPostgres(reason: "unexpected text after ']'") }
                portText = after.dropFirst()
            }
            guard !hostText.isEmpty, hostText.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .invalidPostgres(reason: "malformed IPv6 host")
            }
        } else {
            hostText = text
            if let colon = text.firstIndex(of: ":") {
                hostText = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            guard !hostText.isEmpty else { throw .invalidPostgres(reason: "missing host") }
            guard hostText.utf8.count <= 253,
                  hostText.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." || $0 == "_" })
            else { throw .invalidPostgres(reason: "malformed host") }
        }
        guard let portText else { return (String(hostText), 5432) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
              (1...65535).contains(port)
        else { throw .invalidPostgres(reason: "port must be 1...65535") }
        return (String(hostText), port)
    }

    /// `[a-z_][a-z0-9_]*`, 1...63 bytes: safe to use unquoted and to quote as is.
    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= maxIdentifierLength else { return false }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        let underscore = UInt8(ascii: "_")
        guard lower.contains(first) || first == underscore else { return false }
        return text.utf8.allSatisfy { lower.contains($0) || digits.contains($0) || $0 == underscore }
    }
}
