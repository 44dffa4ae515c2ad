import Foundation

/// Kind of a published video stream (WSC `MediaStream.type`, spec §1.2 M11/M13).
///
/// Request bodies and `SubscribedStream.type` use the lowercase raw value; events use the
/// uppercase ``eventName`` (`"VIDEO"`, `"SCREEN"`, spec §4.2).
public enum MediaStreamType: String, Sendable, CaseIterable, Hashable, Codable {
    case video = "video"
    case screen = "screen"

    /// Parses the WSC enum spelling case-insensitively.
    public init?(caseInsensitive raw: String) {
        self.init(rawValue: raw.lowercased())
    }

    /// The uppercase spelling used in event `mediaType` fields.
    public var eventName: String { rawValue.uppercased() }
}

/// A meeting participant (WSC `Participant`, spec §1.2 "Participant JSON", §2.2).
///
/// One participant per user per meeting, bound to one WebSocket `queueId`.
public struct Participant: Equatable, Hashable, Sendable {
    public var userId: UUID
    /// The WebSocket connection (`queue-id` header at join) this participant belongs to.
    public var queueId: UUID
    public var audioStreamEnabled: Bool
    public var videoStreamEnabled: Bool
    public var screenStreamEnabled: Bool
    /// Row creation time.
    public var joinedAt: Date
    /// Set while the hand is raised.
    public var handRaisedAt: Date?

    public init(
        userId: UUID, queueId: UUID, audioStreamEnabled: Bool = false, videoStreamEnabled: Bool = false,
        screenStreamEnabled: Bool = false, joinedAt: Date, handRaisedAt: Date? = nil
    ) {
        self.userId = userId
        self.queueId = queueId
        self.audioStreamEnabled = audioStreamEnabled
        self.videoStreamEnabled = videoStreamEnabled
        self.screenStreamEnabled = screenStreamEnabled
        self.joinedAt = joinedAt
        self.handRaisedAt = handRaisedAt
    }

    /// The video or screen flag for `type`.
    public func isStreamEnabled(_ type: MediaStreamType) -> Bool {
        switch type {
        case .video: return videoStreamEnabled
        case .screen: return screenStreamEnabled
        }
    }

    /// Sets the video or screen flag for `type`.
    public mutating func setStream(_ type: MediaStreamType, enabled: Bool) {
        switch type {
        case .video: videoStreamEnabled = enabled
        case .screen: screenStreamEnabled = enabled
        }
    }
}

/// One stream of a subscriber's multistream PeerConnection (WSC `SubscribedStream`, spec §3.3):
/// the publisher `userId`, its stream `type` and the SDP `mid` of the m-line carrying it.
public struct SubscribedStream: Equatable, Hashable, Sendable {
    public var type: MediaStreamType
    public var userId: UUID
    public var mid: String

    public init(type: MediaStreamType, userId: UUID, mid: String) {
        self.type = type
        self.userId = userId
        self.mid = mid
    }
}
