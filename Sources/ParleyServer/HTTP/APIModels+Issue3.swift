import Foundation
import Hummingbird
import Meetings
import Storage

// JSON shapes of the meeting moderation, room/member, user, guest and health endpoints
// (spec §1.2 M14–M20, §1.3; seed fragment for field names). Unknown request fields are
// ignored; optionals are omitted when nil.

// MARK: - Meeting requests

/// A `userToModerate` field: absent or a UUID string (400 otherwise).
private func moderatedUser(_ text: String?) throws -> UUID? {
    guard let text else { return nil }
    guard let id = UUID(uuidString: text) else { throw APIError.badRequest("userToModerate is not a UUID") }
    return id
}

/// `AudioStreamSettings {enabled*, userToModerate?}` (M14).
struct AudioStreamSettingsBody: Decodable {
    var enabled: Bool
    var userToModerate: String?

    func validated() throws -> (enabled: Bool, target: UUID?) { (enabled, try moderatedUser(userToModerate)) }
}

/// `HandStatus {raised*, userToModerate?}` (M18).
struct HandStatusBody: Decodable {
    var raised: Bool
    var userToModerate: String?

    func validated() throws -> (raised: Bool, target: UUID?) { (raised, try moderatedUser(userToModerate)) }
}

/// `RecordingFields {name* 1..128, folderId*}` (M17).
struct RecordingFieldsBody: Decodable {
    var name: String
    var folderId: String

    func validated() throws -> (name: String, folderId: String) {
        guard !name.isEmpty, name.count <= RoomRules.maxNameLength else { throw APIError.badRequest("name must be 1..128 characters") }
        guard !folderId.isEmpty else { throw APIError.badRequest("folderId is empty") }
        return (name, folderId)
    }
}

/// `{"name": …}` of `GET /public/meetings/{id}` (M19).
struct PublicMeetingBody: Encodable {
    var name: String?
}

// MARK: - Rooms and members

/// `{name? 1..128, description? 0..256}` of `PUT /rooms/{id}` (lengths checked by the rules).
struct RoomUpdateBody: Decodable {
    var name: String?
    var description: String?
}

/// `MemberToInsert {userId*, owner, historyCleared, external?}` of `POST /rooms/{id}/members`.
struct MemberToInsertBody: Decodable {
    var userId: String
    var owner: Bool?
    var historyCleared: Bool?

    func validated() throws -> (request: MemberRequest, historyCleared: Bool) {
        guard let id = UUID(uuidString: userId) else { throw APIError.badRequest("member userId is not a UUID") }
        return (MemberRequest(userId: id, owner: owner ?? false), historyCleared ?? false)
    }
}

/// `{userId, owner, clearedAt?}` answered for each inserted member.
struct MemberInsertedBody: Encodable {
    var userId: String
    var owner: Bool
    var clearedAt: Date?

    init(_ added: AddedMember) {
        userId = added.member.userId.apiString
        owner = added.member.owner
        clearedAt = added.clearedAt
    }
}

/// `Member {userId*, owner}` of `PUT /rooms/{id}/members/owners`.
struct MemberOwnerBody: Decodable {
    var userId: String
    var owner: Bool?

    func validated() throws -> MemberRequest {
        guard let id = UUID(uuidString: userId) else { throw APIError.badRequest("member userId is not a UUID") }
        return MemberRequest(userId: id, owner: owner ?? false)
    }
}

/// `{"clearedAt": …}` of `PUT /rooms/{id}/clear`.
struct ClearedAtBody: Encodable {
    var clearedAt: Date
}

// MARK: - Users, guests, auth

/// `User {id, email?, name, type, statusMessage?}` (spec §1.3).
struct UserBody: Encodable {
    var id: String
    var email: String?
    var name: String
    var type: String
    var statusMessage: String?

    init(_ stored: StoredUser) {
        id = stored.user.id.apiString
        email = stored.user.email
        name = stored.user.name
        type = stored.user.type.rawValue
        statusMessage = stored.statusMessage.isEmpty ? nil : stored.statusMessage
    }
}

/// `{"name": …}` of `POST /users/guests`.
struct GuestRequestBody: Decodable {
    var name: String
}

/// `{id, zmToken, zxToken}` (seed shape): one Parley token under both names.
struct GuestCreatedBody: Encodable {
    var id: String
    var zmToken: String
    var zxToken: String
}

/// `{"zmToken": …}` of `GET /auth/token`.
struct AuthTokenBody: Encodable {
    var zmToken: String
}

// MARK: - Health

/// `GET /health`: liveness and the state of each dependency (the database is the only one).
struct HealthBody: Encodable {
    struct Dependency: Encodable {
        var name: String
        var type: String
        var isHealthy: Bool
    }
    var isLive: Bool
    var isReady: Bool
    var dependencies: [Dependency]
}
