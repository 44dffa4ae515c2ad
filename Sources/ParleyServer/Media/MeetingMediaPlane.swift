import Foundation
import Meetings

/// One published stream of a meeting: the publisher and its stream type.
public struct MediaStreamRef: Hashable, Sendable {
    public var userId: UUID
    public var type: MediaStreamType

    public init(userId: UUID, type: MediaStreamType) {
        self.userId = userId
        self.type = type
    }
}

/// A stream carried by a subscriber PeerConnection and the SDP `mid` of its m-line.
public struct SubscribedStreamInfo: Sendable, Equatable {
    public var userId: UUID
    public var type: MediaStreamType
    public var mid: String

    public init(userId: UUID, type: MediaStreamType, mid: String) {
        self.userId = userId
        self.type = type
        self.mid = mid
    }
}

/// The server's offer for a subscriber PeerConnection after a subscription change.
public struct SubscriptionOffer: Sendable {
    public var sdp: String
    public var streams: [SubscribedStreamInfo]

    public init(sdp: String, streams: [SubscribedStreamInfo]) {
        self.sdp = sdp
        self.streams = streams
    }
}

/// Why the media plane refused a request.
public enum MediaPlaneError: Error, Sendable {
    /// The SDP is unparseable or not WebRTC (no fingerprint, no ice-ufrag…): HTTP 400 with the
    /// reason as a plain-text body, and no state change.
    case invalidSDP(String)
    /// The media plane cannot serve the request: HTTP 424.
    case unavailable(String)
}

/// What the control plane needs from the SFU. Implemented by the lead with the real SFU.
public protocol MeetingMediaPlane: AnyObject, Sendable {
    /// Answers a publisher offer for the user's `type` stream; returns the SDP answer.
    func publish(meetingId: UUID, userId: UUID, type: MediaStreamType, offer: String) async throws -> String
    func unpublish(meetingId: UUID, userId: UUID, type: MediaStreamType) async
    func updateSubscriptions(
        meetingId: UUID, userId: UUID, subscribe: [MediaStreamRef], unsubscribe: [MediaStreamRef]
    ) async throws -> SubscriptionOffer
    func applySubscriberAnswer(meetingId: UUID, userId: UUID, answer: String) async throws
    func removeParticipant(meetingId: UUID, userId: UUID) async
    func closeMeeting(meetingId: UUID) async
}
