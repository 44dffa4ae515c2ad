import Foundation
import Meetings
import Storage

/// Users (spec §1.3 users, §5.3) and guest accounts (§5.5): lookups in the user store and the
/// creation of guest users with their token.
public final class UserService: Sendable {
    /// Most ids `GET /users?userIds=` accepts.
    public static let maxLookup = 10
    /// Guest names: 1…128 characters after trimming (seed `name` limits).
    public static let maxGuestNameLength = RoomRules.maxNameLength

    let store: ParleyStore
    let tokens: TokenService
    let clock: @Sendable () -> Date
    /// Guest token validity, seconds.
    let guestTokenTTL: TimeInterval

    public init(store: ParleyStore, tokens: TokenService, guestTokenTTL: TimeInterval, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.tokens = tokens
        self.guestTokenTTL = guestTokenTTL
        self.clock = clock
    }

    /// `GET /users?userIds=…`: the known users among 1…10 ids, in request order (unknown ids
    /// are left out, as the directory does).
    /// - Throws: 400 for no id or more than ``maxLookup``.
    public func users(ids: [UUID]) async throws -> [StoredUser] {
        guard (1...Self.maxLookup).contains(ids.count) else {
            throw MeetingError.invalidRequest("userIds must name 1..\(Self.maxLookup) users")
        }
        return try await store.read { try await $0.users(ids: ids) }
    }

    /// `GET /users/{id}`. - Throws: 404 when unknown.
    public func user(id: UUID) async throws -> StoredUser {
        guard let user = try await store.read({ try await $0.users(ids: [id]) }).first else { throw MeetingError.userNotFound }
        return user
    }

    /// A new guest account (`POST /users/guests`, `POST /zx/auth/v3/guests`): a guest user named
    /// `name` is stored and a guest token issued for it.
    /// - Returns: the user and its token (used as both `zmToken` and `zxToken`).
    /// - Throws: 400 for a name empty after trimming or longer than 128 characters.
    public func createGuest(name: String) async throws -> (user: User, token: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= Self.maxGuestNameLength,
              !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) })
        else { throw MeetingError.invalidRequest("guest name must be 1..\(Self.maxGuestNameLength) printable characters") }
        let now = clock()
        let user = User(id: UUID(), name: trimmed, type: .guest)
        try await store.transaction { try await $0.upsertUser(user, now: now) }
        return (user, try await tokens.issue(for: user, ttl: guestTokenTTL, now: now))
    }
}
