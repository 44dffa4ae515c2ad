import Foundation
import Meetings

/// What `GET /users/capabilities` answers (spec §5.4): the same for every user, from the
/// configuration section `capabilities`, with the WSC defaults. `maxGroupMembers` is also the
/// group size limit enforced on room creation and member insertion.
public struct Capabilities: Codable, Equatable, Sendable {
    public var canSeeMessageReads: Bool = true
    public var canSeeUsersPresence: Bool = true
    public var canVideoCall: Bool = true
    public var canVideoCallRecord: Bool = true
    public var canUseVirtualBackground: Bool = true
    /// Minutes.
    public var editMessageTimeLimitInMinutes: Int = 10
    /// Minutes.
    public var deleteMessageTimeLimitInMinutes: Int = 10
    public var maxGroupMembers: Int = RoomRules.defaultMaxGroupMembers
    /// KiB.
    public var maxRoomImageSizeInKb: Int = 512
    /// KiB.
    public var maxUserImageSizeInKb: Int = 512

    public init() {}

    /// Decodes the YAML section: absent keys keep their defaults; negative numbers are refused.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Capabilities()
        func flag(_ key: CodingKeys, _ fallback: Bool) throws -> Bool { try c.decodeIfPresent(Bool.self, forKey: key) ?? fallback }
        func count(_ key: CodingKeys, _ fallback: Int, minimum: Int = 0) throws -> Int {
            let value = try c.decodeIfPresent(Int.self, forKey: key) ?? fallback
            guard value >= minimum else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be at least \(minimum)")
            }
            return value
        }
        canSeeMessageReads = try flag(.canSeeMessageReads, d.canSeeMessageReads)
        canSeeUsersPresence = try flag(.canSeeUsersPresence, d.canSeeUsersPresence)
        canVideoCall = try flag(.canVideoCall, d.canVideoCall)
        canVideoCallRecord = try flag(.canVideoCallRecord, d.canVideoCallRecord)
        canUseVirtualBackground = try flag(.canUseVirtualBackground, d.canUseVirtualBackground)
        editMessageTimeLimitInMinutes = try count(.editMessageTimeLimitInMinutes, d.editMessageTimeLimitInMinutes)
        deleteMessageTimeLimitInMinutes = try count(.deleteMessageTimeLimitInMinutes, d.deleteMessageTimeLimitInMinutes)
        maxGroupMembers = try count(.maxGroupMembers, d.maxGroupMembers, minimum: 2)
        maxRoomImageSizeInKb = try count(.maxRoomImageSizeInKb, d.maxRoomImageSizeInKb)
        maxUserImageSizeInKb = try count(.maxUserImageSizeInKb, d.maxUserImageSizeInKb)
    }
}
