import Foundation
@testable import Meetings

/// Deterministic ids and a scenario builder shared by the Meetings tests.
enum Fixture {
    static func uuid(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!
    }

    static let owner = User(id: uuid(1), name: "Owner", email: "owner@example.com")
    static let member = User(id: uuid(2), name: "Member")
    static let stranger = User(id: uuid(3), name: "Stranger")
    static let guestMember = User(id: uuid(4), name: "Guest member", type: .guest)
    static let guestStranger = User(id: uuid(5), name: "Guest", type: .guest)

    static let roomId = uuid(100)
    static let meetingId = uuid(200)
    static let queueA = uuid(301)
    static let queueB = uuid(302)
    static let queueC = uuid(303)
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static let t1 = Date(timeIntervalSince1970: 1_700_000_100)

    static var room: Room {
        Room(
            id: roomId, name: "Room", description: nil, type: .group, meetingId: meetingId,
            createdAt: t0, updatedAt: t0,
            members: [
                Member(userId: owner.id, owner: true, joinedAt: t0),
                Member(userId: member.id, owner: false, joinedAt: t0),
                Member(userId: guestMember.id, owner: false, joinedAt: t0),
            ])
    }

    /// A meeting context; `participants` are (user, queue) pairs; `audio`, `video` and `hands`
    /// name participants with audio on, video on, and a raised hand (raised at `t0`, in order
    /// one second apart); `recording` = a recording started by the owner at `t0`.
    static func context(
        type: MeetingType = .permanent, active: Bool = true, participants: [(User, UUID)] = [],
        waiting: [WaitingParticipant] = [], audio: Set<UUID> = [], video: Set<UUID> = [], hands: [UUID] = [],
        recording: Bool = false
    ) -> MeetingContext {
        let meeting = Meeting(
            id: meetingId, roomId: roomId, name: "Meeting", meetingType: type, active: active,
            createdAt: t0, startedAt: active ? t0 : nil,
            participants: participants.map { user, queue in
                Participant(
                    userId: user.id, queueId: queue, audioStreamEnabled: audio.contains(user.id),
                    videoStreamEnabled: video.contains(user.id), joinedAt: t0,
                    handRaisedAt: hands.firstIndex(of: user.id).map { t0.addingTimeInterval(Double($0)) })
            },
            recording: recording ? MeetingRecording(starterId: owner.id, startedAt: t0) : nil)
        return MeetingContext(room: room, meeting: meeting, waitingList: waiting)
    }

    static var allMembers: Set<UUID> { Set(room.memberIds) }
    static var owners: Set<UUID> { [owner.id] }
}
