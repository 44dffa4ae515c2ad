import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import Storage
import XCTest
@testable import ParleyServer

/// Every endpoint × {no token, bad token, guest, non-member, member, owner} with the expected
/// status, as one table (issue 3 item 8). Each cell runs against a fresh scene, so state-changing
/// requests cannot influence each other.
final class AuthorizationMatrixTests: XCTestCase {
    static let owner = User(id: UUID(), name: "Owner")
    static let member = User(id: UUID(), name: "Member")
    /// A second member who participates but never calls: the target of moderation.
    static let speaker = User(id: UUID(), name: "Speaker")
    static let guest = User(id: UUID(), name: "Guest member", type: .guest)
    static let stranger = User(id: UUID(), name: "Not a member")
    static let newcomer = User(id: UUID(), name: "Newcomer")
    static let waiter = User(id: UUID(), name: "Waiting guest", type: .guest)

    enum Caller: CaseIterable {
        case noToken, badToken, guest, nonMember, member, owner

        var user: User? {
            switch self {
            case .noToken, .badToken: return nil
            case .guest: return AuthorizationMatrixTests.guest
            case .nonMember: return AuthorizationMatrixTests.stranger
            case .member: return AuthorizationMatrixTests.member
            case .owner: return AuthorizationMatrixTests.owner
            }
        }
    }

    /// Ids of one fresh scene: a group room (owner; member, speaker and guest members) whose
    /// started meeting has owner, member, speaker and guest as participants; a scheduled
    /// meeting's queue holds `waiter`; a second room without a meeting.
    struct Scene {
        var room: UUID
        var meeting: UUID
        var emptyRoom: UUID
    }

    struct Row {
        var method: HTTPRequest.Method
        var path: (Scene, User?) -> String
        var body: String?
        var scheduled = false
        /// Expected statuses for no token, bad token, guest, non-member, member, owner.
        var expected: [Int]

        init(_ method: HTTPRequest.Method, _ path: @escaping (Scene, User?) -> String, body: String? = nil,
             scheduled: Bool = false, _ expected: [Int]) {
            self.method = method
            self.path = path
            self.body = body
            self.scheduled = scheduled
            self.expected = expected
        }

        init(_ method: HTTPRequest.Method, _ path: @escaping (Scene) -> String, body: String? = nil,
             scheduled: Bool = false, _ expected: [Int]) {
            self.init(method, { scene, _ in path(scene) }, body: body, scheduled: scheduled, expected)
        }
    }

    static var rows: [Row] {
        let speakerId = speaker.id.apiString
        let m = { (s: Scene) in "/meetings/\(s.meeting.apiString)" }
        let r = { (s: Scene) in "/rooms/\(s.room.apiString)" }
        let sdp = #"{"sdp":"v=0"}"#
        return [
            // Meetings (spec §1.2)
            Row(.get, { _ in "/meetings" }, [401, 401, 200, 200, 200, 200]),
            Row(.post, { _ in "/meetings" }, [401, 401, 403, 403, 200, 200]),  // body filled in per scene
            Row(.get, m, [401, 401, 200, 403, 200, 200]),
            Row(.delete, m, [401, 401, 403, 403, 204, 204]),
            Row(.post, { m($0) + "/start" }, [401, 401, 403, 403, 200, 200]),
            Row(.post, { m($0) + "/stop" }, [401, 401, 403, 403, 200, 200]),
            Row(.post, { m($0) + "/join" }, body: #"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#,
                [401, 401, 200, 403, 200, 200]),
            Row(.post, { m($0) + "/join" }, body: #"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#, scheduled: true,
                [401, 401, 200, 200, 200, 200]),
            Row(.post, { m($0) + "/leave" }, [401, 401, 204, 403, 204, 204]),
            Row(.get, { m($0) + "/queue" }, scheduled: true, [401, 401, 403, 403, 403, 200]),
            Row(.post, { m($0) + "/queue/\(waiter.id.apiString)" }, body: #"{"status":"ACCEPTED"}"#, scheduled: true,
                [401, 401, 403, 403, 403, 204]),
            Row(.post, { m($0) + "/queue/\(waiter.id.apiString)" }, body: #"{"status":"REJECTED"}"#, scheduled: true,
                [401, 401, 403, 403, 403, 204]),
            Row(.put, { m($0) + "/media" }, body: #"{"type":"video","enabled":true,"sdp":"v=0"}"#, [401, 401, 204, 404, 204, 204]),
            Row(.put, { m($0) + "/media/subscribe" }, body: #"{"subscribe":[{"userId":"\#(speakerId)","type":"video"}],"unsubscribe":[]}"#,
                [401, 401, 204, 404, 204, 204]),
            Row(.put, { m($0) + "/media/answer" }, body: sdp, [401, 401, 204, 404, 204, 204]),
            Row(.put, { m($0) + "/audio" }, body: #"{"enabled":true}"#, [401, 401, 204, 404, 204, 204]),
            Row(.put, { m($0) + "/audio" }, body: #"{"enabled":false,"userToModerate":"\#(speakerId)"}"#, [401, 401, 403, 403, 403, 204]),
            Row(.put, { m($0) + "/audio/offer" }, body: sdp, [401, 401, 204, 404, 204, 204]),
            Row(.put, { m($0) + "/hand" }, body: #"{"raised":true}"#, [401, 401, 204, 404, 204, 204]),
            Row(.put, { m($0) + "/hand" }, body: #"{"raised":false,"userToModerate":"\#(speakerId)"}"#, [401, 401, 403, 403, 403, 204]),
            Row(.post, { m($0) + "/startRecording" }, [401, 401, 403, 404, 403, 204]),
            Row(.post, { m($0) + "/stopRecording" }, body: #"{"name":"Rec","folderId":"LOCAL_ROOT"}"#, [401, 401, 403, 404, 403, 204]),
            Row(.get, { "/public/meetings/\($0.meeting.apiString)" }, scheduled: true, [200, 401, 200, 200, 200, 200]),
            Row(.get, { "/public/meetings/\($0.meeting.apiString)" }, [404, 401, 404, 404, 404, 404]),
            Row(.get, { r($0) + "/meeting" }, [401, 401, 200, 403, 200, 200]),

            // Rooms and members (spec §1.3)
            Row(.get, { _ in "/rooms" }, [401, 401, 200, 200, 200, 200]),
            Row(.post, { _ in "/rooms" },
                body: #"{"type":"group","name":"N","members":[{"userId":"\#(newcomer.id.apiString)"},{"userId":"\#(speakerId)"}]}"#,
                [401, 401, 403, 201, 201, 201]),
            Row(.get, r, [401, 401, 200, 403, 200, 200]),
            Row(.put, r, body: #"{"name":"Renamed"}"#, [401, 401, 403, 403, 403, 200]),
            Row(.delete, r, [401, 401, 403, 403, 403, 204]),
            Row(.put, { r($0) + "/mute" }, [401, 401, 403, 403, 204, 204]),
            Row(.delete, { r($0) + "/mute" }, [401, 401, 403, 403, 204, 204]),
            Row(.put, { r($0) + "/clear" }, [401, 401, 403, 403, 200, 200]),
            Row(.get, { r($0) + "/members" }, [401, 401, 200, 403, 200, 200]),
            Row(.post, { r($0) + "/members" }, body: #"[{"userId":"\#(newcomer.id.apiString)","owner":false,"historyCleared":false}]"#,
                [401, 401, 403, 403, 403, 201]),
            Row(.delete, { r($0) + "/members/\(speakerId)" }, [401, 401, 403, 403, 403, 204]),
            // Self-removal: members may leave; the last owner may not while others remain.
            Row(.delete, { scene, caller in r(scene) + "/members/\((caller ?? owner).id.apiString)" }, [401, 401, 403, 403, 204, 400]),
            Row(.put, { r($0) + "/members/\(speakerId)/owner" }, [401, 401, 403, 403, 403, 204]),
            Row(.delete, { r($0) + "/members/\(speakerId)/owner" }, [401, 401, 403, 403, 403, 204]),
            Row(.put, { r($0) + "/members/owners" }, body: #"[{"userId":"\#(speakerId)","owner":true}]"#, [401, 401, 403, 403, 403, 200]),

            // Users, auth, guests, health (spec §1.3, §5.4, §5.5)
            Row(.get, { _ in "/users?userIds=\(owner.id.apiString)" }, [401, 401, 200, 200, 200, 200]),
            Row(.get, { _ in "/users/\(owner.id.apiString)" }, [401, 401, 200, 200, 200, 200]),
            Row(.get, { _ in "/users/capabilities" }, [401, 401, 200, 200, 200, 200]),
            Row(.get, { _ in "/auth/token" }, [401, 401, 200, 200, 200, 200]),
            Row(.post, { _ in "/users/guests" }, body: #"{"name":"Visitor"}"#, [200, 200, 200, 200, 200, 200]),
            Row(.post, { _ in "/zx/auth/v3/guests?name=Visitor" }, [200, 200, 200, 200, 200, 200]),
            Row(.get, { _ in "/health" }, [200, 200, 200, 200, 200, 200]),
            Row(.get, { _ in "/health/live" }, [204, 204, 204, 204, 204, 204]),
            Row(.get, { _ in "/health/ready" }, [204, 204, 204, 204, 204, 204]),
            Row(.get, { _ in "/events" }, [401, 401, 426, 426, 426, 426]),
        ]
    }

    /// Inserts a fresh scene directly through storage.
    static func makeScene(_ store: ParleyStore, scheduled: Bool) async throws -> Scene {
        let now = Date()
        let scene = Scene(room: UUID(), meeting: UUID(), emptyRoom: UUID())
        let members = [
            Member(userId: owner.id, owner: true, joinedAt: now), Member(userId: member.id, owner: false, joinedAt: now),
            Member(userId: speaker.id, owner: false, joinedAt: now), Member(userId: guest.id, owner: false, joinedAt: now),
        ]
        let room = Room(id: scene.room, name: "Room", description: nil, type: .group, meetingId: scene.meeting,
                        createdAt: now, updatedAt: now, members: members)
        let emptyRoom = Room(id: scene.emptyRoom, name: "Empty", description: nil, type: .group,
                             createdAt: now, updatedAt: now, members: members)
        let participants = [owner, member, speaker, guest].map { Participant(userId: $0.id, queueId: UUID(), joinedAt: now) }
        let meeting = Meeting(id: scene.meeting, roomId: scene.room, name: "Meeting", meetingType: scheduled ? .scheduled : .permanent,
                              active: true, createdAt: now, startedAt: now, participants: participants)
        try await store.transaction { session in
            try await session.insertRoom(room)
            try await session.insertRoom(emptyRoom)
            try await session.insertMeeting(meeting)
            if scheduled {
                let old = MeetingContext(room: room, meeting: meeting)
                var new = old
                new.waitingList = [WaitingParticipant(userId: waiter.id, queueId: UUID(), status: .waiting)]
                try await session.save(new, replacing: old)
            }
        }
        return scene
    }

    func testEveryEndpointForEveryKindOfCaller() async throws {
        try await TestServer.with { server in
        try await server.seed([Self.owner, Self.member, Self.speaker, Self.guest, Self.stranger, Self.newcomer, Self.waiter])
        try await server.app.test(.router) { client in
            var mismatches: [String] = []
            for row in Self.rows {
                var got: [Int] = []
                for caller in Caller.allCases {
                    let scene = try await Self.makeScene(server.store, scheduled: row.scheduled)
                    var headers = HTTPFields()
                    switch caller {
                    case .noToken: break
                    case .badToken: headers[.cookie] = "ZM_AUTH_TOKEN=garbage"
                    default: headers = try await server.headers(try XCTUnwrap(caller.user), queueId: UUID().apiString)
                    }
                    var body = row.body
                    if row.method == .post && row.path(scene, nil) == "/meetings" {
                        body = #"{"name":"M","meetingType":"permanent","roomId":"\#(scene.emptyRoom.apiString)"}"#
                    }
                    let response = try await client.execute(
                        uri: row.path(scene, caller.user), method: row.method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                    got.append(Int(response.status.code))
                    if response.status.code >= 400 && response.status.code != 426 {
                        XCTAssertEqual(response.body.readableBytes, 0, "\(row.method) \(row.path(scene, caller.user)) \(caller): error bodies are empty")
                    }
                }
                if got != row.expected {
                    mismatches.append("\(row.method) \(row.path(Scene(room: UUID(), meeting: UUID(), emptyRoom: UUID()), nil))"
                                      + "\(row.scheduled ? " (scheduled)" : ""): expected \(row.expected), got \(got)")
                }
            }
            XCTAssertEqual(mismatches, [], mismatches.joined(separator: "\n"))
        }
        }
    }
}
