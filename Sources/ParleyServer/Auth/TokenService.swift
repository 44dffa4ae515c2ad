import Foundation
import JWTKit
import Meetings

/// The claims of a Parley token (JWT, HS256): `sub` = user id (UUID), `name`, `email`,
/// `type` (`internal` | `guest`), `exp` (seconds since 1970).
public struct ParleyTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var name: String
    public var email: String?
    public var type: String
    public var exp: ExpirationClaim

    public init(user: User, expiresAt: Date) {
        self.sub = SubjectClaim(value: user.id.uuidString.lowercased())
        self.name = user.name
        self.email = user.email
        self.type = user.type.rawValue
        self.exp = ExpirationClaim(value: expiresAt)
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and verifies Parley tokens with the configured HS256 secret (issue 2 §3).
public struct TokenService: Sendable {
    /// Shortest accepted secret, in bytes of UTF-8: the hash output size (RFC 7518 §3.2).
    public static let minimumSecretLength = 32

    /// Why a token service could not be created.
    public enum SecretError: Error, Equatable, CustomStringConvertible {
        case tooShort(bytes: Int)

        public var description: String {
            switch self {
            case .tooShort(let bytes):
                return "token secret is \(bytes) bytes; HS256 needs at least \(TokenService.minimumSecretLength) (RFC 7518 §3.2)"
            }
        }
    }

    private let keys: JWTKeyCollection

    /// - Throws: ``SecretError/tooShort(bytes:)`` for a secret under ``minimumSecretLength`` bytes.
    public init(secret: String) async throws {
        let bytes = secret.utf8.count
        guard bytes >= Self.minimumSecretLength else { throw SecretError.tooShort(bytes: bytes) }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// A signed token for `user`, valid for `ttl` seconds from `now`.
    public func issue(for user: User, ttl: TimeInterval, now: Date = Date()) async throws -> String {
        // NumericDate in whole seconds (RFC 7519 §2), as most JWT libraries print it.
        let expiresAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + ttl).rounded(.down))
        return try await keys.sign(ParleyTokenClaims(user: user, expiresAt: expiresAt))
    }

    /// The user a token names, or nil when the token is malformed, signed with another key or
    /// algorithm, expired, or carries no UUID subject, an empty name or an unknown type.
    public func verify(_ token: String) async -> User? {
        guard let claims = try? await keys.verify(token, as: ParleyTokenClaims.self) else { return nil }
        let name = claims.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = UUID(uuidString: claims.sub.value), !name.isEmpty,
              let type = UserType(caseInsensitive: claims.type)
        else { return nil }
        let email = claims.email.flatMap { $0.isEmpty ? nil : $0 }
        return User(id: id, name: name, email: email, type: type)
    }
}
