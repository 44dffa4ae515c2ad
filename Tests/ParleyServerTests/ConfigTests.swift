import Foundation
import Meetings
import XCTest
@testable import ParleyServer

final class ConfigTests: XCTestCase {
    /// The repository's own config/parley.yaml parses to the documented defaults.
    func testRepositoryConfigFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/parley.yaml").path
        guard FileManager.default.fileExists(atPath: path) else {
            return XCTFail("config/parley.yaml missing at \(path)")
        }
        let config = try ParleyConfig.load(path: path, environment: [:])
        XCTAssertEqual(config, ParleyConfig())
        XCTAssertEqual(config.httpHost, "127.0.0.1")
        XCTAssertEqual(config.httpPort, 10000)
        XCTAssertEqual(config.mediaPort, 20000)
        XCTAssertEqual(config.announcedAddress, "127.0.0.1")
        XCTAssertEqual(config.databaseURL, "sqlite:./data/parley.sqlite")
    }

    func testYAMLAndEnvironmentOverrides() throws {
        let yaml = """
            http:
              address: 0.0.0.0:8080
            media:
              address: "[::1]:30000"
              announcedAddress: 192.0.2.10
            database:
              url: "sqlite::memory:"  # a plain YAML scalar may not end with ":"
            auth:
              tokenSecret: s3cret-s3cret-s3cret-s3cret-s3cret
            unknownSection: {a: 1}
            """
        let parsed = try ParleyConfig.parse(yaml: yaml)
        XCTAssertEqual(parsed, ParleyConfig(httpHost: "0.0.0.0", httpPort: 8080, mediaHost: "::1", mediaPort: 30000,
                                            announcedAddress: "192.0.2.10", databaseURL: "sqlite::memory:",
                                            tokenSecret: "s3cret-s3cret-s3cret-s3cret-s3cret"))
        let overridden = try parsed.applying(environment: [
            "PARLEY_HTTP_ADDRESS": "127.0.0.2:9000", "PARLEY_MEDIA_ADDRESS": "127.0.0.3:0",
            "PARLEY_MEDIA_ANNOUNCED_ADDRESS": "203.0.113.5", "PARLEY_DATABASE_URL": "sqlite:/tmp/x.sqlite",
            "PARLEY_TOKEN_SECRET": "other-secret-of-at-least-32-bytes", "UNRELATED": "x",
        ])
        XCTAssertEqual(overridden, ParleyConfig(httpHost: "127.0.0.2", httpPort: 9000, mediaHost: "127.0.0.3", mediaPort: 0,
                                                announcedAddress: "203.0.113.5", databaseURL: "sqlite:/tmp/x.sqlite",
                                                tokenSecret: "other-secret-of-at-least-32-bytes"))
        XCTAssertEqual(try ParleyConfig.parse(yaml: ""), ParleyConfig(), "empty file keeps defaults")
        XCTAssertEqual(try ParleyConfig.parse(yaml: "http: {}\n"), ParleyConfig(), "absent keys keep defaults")
    }

    func testBadValuesAreRefused() {
        let badAddresses = ["", "localhost", ":80", "host:", "host:65536", "host:-1", "host:8o", "::1:80", "[::1]80", "[::1]:", "h:１２"]
        for value in badAddresses {
            XCTAssertThrowsError(try ParleyConfig.parseAddress(value, key: "k"), value) {
                XCTAssertEqual($0 as? ParleyConfig.ConfigError, .invalidAddress(key: "k", value: value), value)
            }
        }
        XCTAssertThrowsError(try ParleyConfig().applying(environment: ["PARLEY_TOKEN_SECRET": " "])) {
            XCTAssertEqual($0 as? ParleyConfig.ConfigError, .emptyValue(key: "PARLEY_TOKEN_SECRET"))
        }
        XCTAssertThrowsError(try ParleyConfig.parse(yaml: "http: [unclosed")) {
            guard case .invalidYAML = $0 as? ParleyConfig.ConfigError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ParleyConfig.parse(yaml: "http:\n  address: 5\n  extra: [")) { _ in }
        XCTAssertThrowsError(try ParleyConfig.load(path: "/nonexistent/parley.yaml", environment: [:])) {
            guard case .unreadableFile = $0 as? ParleyConfig.ConfigError else { return XCTFail("\($0)") }
        }
    }

    func testAddressForms() throws {
        XCTAssertTrue(try ParleyConfig.parseAddress("127.0.0.1:10000", key: "k") == ("127.0.0.1", 10000))
        XCTAssertTrue(try ParleyConfig.parseAddress("[::1]:0", key: "k") == ("::1", 0))
        XCTAssertTrue(try ParleyConfig.parseAddress(" example.org:65535 ", key: "k") == ("example.org", 65535))
    }
}

final class TokenTests: XCTestCase {
    let user = User(id: UUID(uuidString: "8F9C3E0A-1B2C-4D5E-8F90-A1B2C3D4E5F6")!, name: "Ada", email: "ada@example.com", type: .guest)

    func testIssueAndVerify() async throws {
        let tokens = try await TokenService(secret: "secret-a-0123456789-0123456789-0123")
        let token = try await tokens.issue(for: user, ttl: 60)
        let verified = await tokens.verify(token)
        XCTAssertEqual(verified, user)
        // The subject is the lowercase user id.
        let payload = try XCTUnwrap(token.split(separator: ".").dropFirst().first)
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(Data(base64Encoded: base64))) as? [String: Any])
        XCTAssertEqual(claims["sub"] as? String, "8f9c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6")
        XCTAssertEqual(claims["type"] as? String, "guest")
        XCTAssertEqual(claims["name"] as? String, "Ada")
    }

    func testRejectedTokens() async throws {
        let tokens = try await TokenService(secret: "secret-a-0123456789-0123456789-0123")
        let other = try await TokenService(secret: "secret-b-0123456789-0123456789-0123")
        let expired = try await tokens.issue(for: user, ttl: -10)
        let foreign = try await other.issue(for: user, ttl: 60)
        let good = try await tokens.issue(for: user, ttl: 60)
        var tampered = Array(good)
        if let index = tampered.lastIndex(of: ".") { tampered[tampered.index(after: index)] = tampered[tampered.index(after: index)] == "A" ? "B" : "A" }
        // alg "none" with the same claims.
        let parts = good.split(separator: ".")
        let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let unsigned = "\(noneHeader).\(parts[1])."
        for token in [expired, foreign, String(tampered), unsigned, "", "a.b.c", "not a token", String(repeating: "x", count: 10_000)] {
            let verified = await tokens.verify(token)
            XCTAssertNil(verified, "accepted: \(token.prefix(40))")
        }
    }

    func testShortSecretsAreRefused() async throws {
        for secret in ["", "s", String(repeating: "x", count: 31)] {
            do {
                _ = try await TokenService(secret: secret)
                XCTFail("accepted a \(secret.utf8.count)-byte secret")
            } catch {
                XCTAssertEqual(error as? TokenService.SecretError, .tooShort(bytes: secret.utf8.count))
            }
        }
        XCTAssertThrowsError(try ParleyConfig().applying(environment: ["PARLEY_TOKEN_SECRET": "short"])) {
            XCTAssertEqual($0 as? ParleyConfig.ConfigError, .shortSecret(key: "PARLEY_TOKEN_SECRET", bytes: 5))
        }
        XCTAssertThrowsError(try ParleyConfig.parse(yaml: "auth:\n  tokenSecret: tiny\n")) {
            XCTAssertEqual($0 as? ParleyConfig.ConfigError, .shortSecret(key: "auth.tokenSecret", bytes: 4))
        }
    }

    func testRejectsBadClaims() async throws {
        let tokens = try await TokenService(secret: String(repeating: "k", count: 32))
        let blankName = try await tokens.issue(for: User(id: UUID(), name: "  "), ttl: 60)
        let blankVerified = await tokens.verify(blankName)
        XCTAssertNil(blankVerified, "a principal without a name is unauthenticated (spec §8.26)")
    }
}
