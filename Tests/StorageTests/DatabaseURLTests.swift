import Foundation
import XCTest
@testable import Storage

final class DatabaseURLTests: XCTestCase {
    func testSQLiteForms() throws {
        let good: [(String, DatabaseURL)] = [
            ("sqlite:./data/parley.sqlite", .sqliteFile(path: "./data/parley.sqlite")),
            ("sqlite:/var/lib/parley/db.sqlite", .sqliteFile(path: "/var/lib/parley/db.sqlite")),
            ("sqlite:///var/lib/parley/db.sqlite", .sqliteFile(path: "/var/lib/parley/db.sqlite")),
            ("sqlite::memory:", .sqliteMemory),
            ("  SQLite::memory: ", .sqliteMemory),
        ]
        for (text, expected) in good { XCTAssertEqual(try DatabaseURL(parsing: text), expected, text) }
        let bad: [(String, DatabaseURL.ParseError)] = [
            ("", .empty), ("   ", .empty), ("sqlite:", .missingPath("sqlite:")), ("sqlite://", .missingPath("sqlite://")),
            ("mysql://u@localhost/parley", .unsupportedScheme("mysql")), ("parley.sqlite", .unsupportedScheme("parley.sqlite")),
        ]
        for (text, expected) in bad {
            XCTAssertThrowsError(try DatabaseURL(parsing: text), text) { XCTAssertEqual($0 as? DatabaseURL.ParseError, expected, text) }
        }
    }

    func testPostgresForms() throws {
        let good: [(String, PostgresLocation)] = [
            ("postgres://parley:secret@127.0.0.1:54321/parley_test?sslmode=disable",
             PostgresLocation(host: "127.0.0.1", port: 54321, user: "parley", password: "secret", database: "parley_test", tls: .disable)),
            ("postgresql://u@db.example.org/parley",
             PostgresLocation(host: "db.example.org", user: "u", database: "parley")),
            ("POSTGRES://u@localhost", PostgresLocation(host: "localhost", user: "u")),
            ("postgres://u@localhost/", PostgresLocation(host: "localhost", user: "u")),
            // Percent-encoded credentials and database; '@' and ':' inside the password.
            ("postgres://us%40er:p%3Aa%2Fss@h:5432/my%20db",
             PostgresLocation(host: "h", user: "us@er", password: "p:a/ss", database: "my db")),
            ("postgres://u:@h", PostgresLocation(host: "h", user: "u", password: "")),
            ("postgres://u@[::1]:6000/d", PostgresLocation(host: "::1", port: 6000, user: "u", database: "d")),
            ("postgres://u@[::1]/d", PostgresLocation(host: "::1", user: "u", database: "d")),
            ("postgres://u@h/d?sslmode=REQUIRE&schema=parley_1",
             PostgresLocation(host: "h", user: "u", database: "d", tls: .require, schema: "parley_1")),
            ("postgres://u@h/d?tlsmode=verify-full", PostgresLocation(host: "h", user: "u", database: "d", tls: .require)),
            ("postgres://u@h/d?sslmode=allow&", PostgresLocation(host: "h", user: "u", database: "d", tls: .prefer)),
        ]
        for (text, expected) in good { XCTAssertEqual(try DatabaseURL(parsing: text), .postgres(expected), text) }

        let bad: [(String, String)] = [
            ("postgres:", "expected postgres://USER@HOST"),
            ("postgres:u@h", "expected postgres://USER@HOST"),
            ("postgres://", "missing user (USER@HOST)"),
            ("postgres://localhost/db", "missing user (USER@HOST)"),
            ("postgres://@h/d", "empty user"),
            ("postgres://:pw@h/d", "empty user"),
            ("postgres://u@/d", "missing host"),
            ("postgres://u@:5432/d", "missing host"),
            ("postgres://u@h:/d", "port must be 1...65535"),
            ("postgres://u@h:0/d", "port must be 1...65535"),
            ("postgres://u@h:65536/d", "port must be 1...65535"),
            ("postgres://u@h:+80/d", "port must be 1...65535"),
            ("postgres://u@h:99999999999999999999/d", "port must be 1...65535"),
            ("postgres://u@h:80x/d", "port must be 1...65535"),
            ("postgres://u@h h/d", "malformed host"),
            ("postgres://u@h%2F/d", "malformed host"),
            ("postgres://u@[::1/d", "unclosed '[' in host"),
            ("postgres://u@[]/d", "malformed IPv6 host"),
            ("postgres://u@[::1]x/d", "unexpected text after ']'"),
            ("postgres://u@[zz]/d", "malformed IPv6 host"),
            ("postgres://u%zz@h/d", "user has a malformed percent escape"),
            ("postgres://u:%@h/d", "password has a malformed percent escape"),
            ("postgres://u%00@h/d", "user contains a NUL byte"),
            ("postgres://u@h/a%2Fb", "database name contains '/'"),
            ("postgres://u@h/d#frag", "fragments are not supported"),
            ("postgres://u@h/d?sslmode", "parameter 'sslmode' has no value"),
            ("postgres://u@h/d?sslmode=maybe", "unknown sslmode 'maybe'"),
            ("postgres://u@h/d?sslmode=disable&tlsmode=require", "parameter 'sslmode' given twice"),
            ("postgres://u@h/d?schema=Parley", "schema must match [a-z_][a-z0-9_]* (at most 63 bytes)"),
            ("postgres://u@h/d?schema=a;drop", "schema must match [a-z_][a-z0-9_]* (at most 63 bytes)"),
            ("postgres://u@h/d?schema=1abc", "schema must match [a-z_][a-z0-9_]* (at most 63 bytes)"),
            ("postgres://u@h/d?schema=", "schema must match [a-z_][a-z0-9_]* (at most 63 bytes)"),
            ("postgres://u@h/d?schema=" + String(repeating: "a", count: 64), "schema must match [a-z_][a-z0-9_]* (at most 63 bytes)"),
            ("postgres://u@h/d?application_name=x", "unsupported parameter 'application_name' (use sslmode or schema)"),
        ]
        for (text, reason) in bad {
            XCTAssertThrowsError(try DatabaseURL(parsing: text), text) {
                XCTAssertEqual($0 as? DatabaseURL.ParseError, .invalidPostgres(reason: reason), text)
            }
        }
        XCTAssertEqual(try DatabaseURL(parsing: "postgres://u@h/d?schema=" + String(repeating: "a", count: 63)),
                       .postgres(PostgresLocation(host: "h", user: "u", database: "d", schema: String(repeating: "a", count: 63))))
    }

    func testRedactionHidesThePassword() throws {
        let url = try DatabaseURL(parsing: "postgres://parley:hunter2@[::1]:5433/db?sslmode=disable&schema=s")
        XCTAssertEqual(url.redacted, "postgres://parley:***@[::1]:5433/db?sslmode=disable&schema=s")
        XCTAssertEqual(try DatabaseURL(parsing: "postgres://u@h").redacted, "postgres://u@h:5432?sslmode=prefer")
        XCTAssertEqual(try DatabaseURL(parsing: "sqlite:/x.db").redacted, "sqlite:/x.db")
        XCTAssertEqual(try DatabaseURL(parsing: "sqlite::memory:").redacted, "sqlite::memory:")
        // Errors never echo a password either.
        for text in ["postgres://u:hunter2@h:0/d", "postgres://u:hunter2@h/d?x=1", "postgres://u:hunter2@/d"] {
            XCTAssertThrowsError(try DatabaseURL(parsing: text)) { XCTAssertFalse("\($0)".contains("hunter2"), text) }
        }
    }

    /// Every prefix of valid URLs parses or fails with a typed error (never traps).
    func testTruncationsAtEveryLength() {
        let urls = [
            "postgres://us%40er:p%3Ass@[2001:db8::1]:54321/parley_test?sslmode=require&schema=parley_x",
            "postgresql://parley:secret@127.0.0.1:5432/parley?tlsmode=disable",
            "sqlite:///var/lib/parley/db.sqlite",
        ]
        for url in urls {
            for length in 0...url.count {
                let prefix = String(url.prefix(length))
                do { _ = try DatabaseURL(parsing: prefix) } catch { XCTAssertFalse("\(error)".isEmpty, prefix) }
            }
        }
    }

    /// Random printable and arbitrary Unicode after the scheme: parse or typed error, no trap.
    func testRandomInput() {
        var generator = SplitMix64(seed: 0x5EED_DB)
        let alphabet = Array("postgres:/@[]:%?&=#._-ab019 \u{0}\u{7F}é🙂")
        var parsed = 0
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 48)
            var text = generator.next() % 2 == 0 ? "postgres://" : ""
            for _ in 0..<length { text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            do {
                let url = try DatabaseURL(parsing: text)
                parsed += 1
                if case .postgres(let location) = url {
                    XCTAssertFalse(location.user.isEmpty, text)
                    XCTAssertFalse(location.host.isEmpty, text)
                    XCTAssertTrue((1...65535).contains(location.port), text)
                }
            } catch {
                XCTAssertFalse(error.description.isEmpty, text)
            }
        }
        XCTAssertGreaterThan(parsed, 0, "the generator never produced a valid URL")
    }
}

/// Deterministic 64-bit generator (SplitMix64) for reproducible fuzz inputs.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
