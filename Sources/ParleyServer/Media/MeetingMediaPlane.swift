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

/// Which PeerConnection of a participant a ``MediaPlaneEvent/transportClosed(meetingId:userId:kind:reason:)`` is about.
public enum MediaTransportKind: String, Sendable, Equatable, CaseIterable {
    /// The sendrecv audio PeerConnection (`PUT /audio/offer`).
    case audio
    /// A publisher PeerConnection (`PUT /media` with `type` video or screen).
    case video, screen
    /// The recvonly multistream subscriber PeerConnection (`PUT /media/subscribe`).
    case subscriber
}

/// What the media plane reports on its own, outside any request.
public enum MediaPlaneEvent: Sendable, Equatable {
    /// The mixer's talking detection changed for `userId` (spec §3.5); also `false` on mute/leave.
    case talking(meetingId: UUID, userId: UUID, isTalking: Bool)
    /// A transport of `userId` ended by itself (DTLS failure or close, ICE consent lost);
    /// `reason` is for logs.
    case transportClosed(meetingId: UUID, userId: UUID, kind: MediaTransportKind, reason: String)

    /// The `reason` of a transport closed by RFC 7675 consent expiry (WebRTCTransport's
    /// `MediaSocket.expireConsent` writes it): the participant leaves.
    public static let consentExpiredReason = "ICE consent expired"
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
    /// Answers the user's audio offer (one sendrecv Opus m-line; mixed room audio down).
    /// The user is muted in the mixer until ``setAudioEnabled(meetingId:userId:enabled:)`` says otherwise.
    /// - Throws: ``MediaPlaneError/invalidSDP(_:)`` (400), ``MediaPlaneError/unavailable(_:)`` (424).
    func audioOffer(meetingId: UUID, userId: UUID, offer: String) async throws -> String
    /// Mutes/unmutes the user in the meeting's mixer.
    func setAudioEnabled(meetingId: UUID, userId: UUID, enabled: Bool) async
    /// Installs the receiver of ``MediaPlaneEvent``s (called once, at server start-up). The sink
    /// may be called from any thread and must not block.
    func setEventSink(_ sink: @escaping @Sendable (MediaPlaneEvent) -> Void)
}
