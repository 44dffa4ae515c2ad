import Foundation
import Hummingbird
import Logging
import Meetings
import Storage

/// Resolves the caller of a request (spec §6): the token comes from the `ZM_AUTH_TOKEN` cookie
/// (what the WSC web client sends) or `Authorization: Bearer`. Users are recorded in storage the
/// first time they are seen and whenever their token's name/email/type change.
public final class Authenticator: Sendable {
    /// Cookie carrying the token (WSC web client).
    public static let cookieName = "ZM_AUTH_TOKEN"

    private let tokens: TokenService
    private let store: ParleyStore
    private let seen = LockedDictionary<UUID, User>()
    private let clock: @Sendable () -> Date

    public init(tokens: TokenService, store: ParleyStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.tokens = tokens
        self.store = store
        self.clock = clock
    }

    /// The raw token of a request, if any (cookie first, then bearer).
    public static func token(in request: Request) -> String? {
        if let cookie = request.cookies[cookieName]?.value, !cookie.isEmpty { return cookie }
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The authenticated user of `request`, or nil (→ 401). Records new or changed users.
    /// - Throws: storage errors while recording the user.
    public func authenticate(_ request: Request) async throws -> User? {
        guard let token = Self.token(in: request), let user = await tokens.verify(token) else { return nil }
        if seen[user.id] != user {
            let now = clock()
            try await store.transaction { try await $0.upsertUser(user, now: now) }
            seen[user.id] = user
        }
        return user
    }
}

/// A small lock-protected dictionary.
final class LockedDictionary<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private var storage: [Key: Value] = [:]
    private let lock = NSLock()

    subscript(key: Key) -> Value? {
        get { lock.lock(); defer { lock.unlock() }; return storage[key] }
        set { lock.lock(); defer { lock.unlock() }; storage[key] = newValue }
    }
}
