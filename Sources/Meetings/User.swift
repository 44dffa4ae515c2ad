import Foundation

/// Directory type of a user (WSC `User.type`, spec §1.3 and §5.5).
///
/// Guests are external users: they may join meetings of rooms they belong to but are refused
/// (403) on creating/starting/stopping meetings, room creation and member management.
public enum UserType: String, Sendable, CaseIterable, Codable {
    case `internal` = "internal"
    case guest = "guest"

    /// Parses the WSC enum spelling case-insensitively (the reference accepts any case).
    public init?(caseInsensitive raw: String) {
        self.init(rawValue: raw.lowercased())
    }
}

/// A user as known to Parley's user store (WSC `User {id, email, name, type}`).
///
/// `name` is never empty for an authenticated principal (spec §6: a principal without a name is
/// treated as unauthenticated).
public struct User: Equatable, Hashable, Sendable {
    public var id: UUID
    public var name: String
    public var email: String?
    public var type: UserType

    public init(id: UUID, name: String, email: String? = nil, type: UserType = .internal) {
        self.id = id
        self.name = name
        self.email = email
        self.type = type
    }

    /// True for guest (external) users.
    public var isGuest: Bool { type == .guest }
}
