/// A publisher as subscribers name it: the WSC user id (Parley) or the VideoRoom feed id (Janus).
public struct PublisherRef: Sendable, Hashable {
    /// Global publisher index (the `FrameStamp.publisherIndex` its frames carry).
    public var index: Int
    public var userId: String
    public var feedId: UInt64
}

/// A failure of one participant's signaling step, reported per participant (issue 6, Bad input).
public struct SignalingError: Error, CustomStringConvertible, Sendable {
    /// Short step name: "connect", "join", "publish", "audio", "subscribe", "answer", "room"…
    public var step: String
    public var reason: String
    /// HTTP status when the server answered with one.
    public var status: Int?

    public init(step: String, reason: String, status: Int? = nil) {
        self.step = step
        self.reason = reason
        self.status = status
    }

    public var description: String { "\(step): \(reason)" }
}

/// What one simulated participant needs from the server's signaling, for either target. Calls
/// for one participant are made one at a time.
public protocol ParticipantSignaling: AnyObject, Sendable {
    /// Opens the event channel (WSC `/events`; Janus session + handles).
    func connect() async throws
    /// Joins the meeting (WSC `POST /meetings/{id}/join`; Janus: nothing until publishing).
    func join() async throws
    /// Sends a sendonly video offer, returns the server's answer SDP.
    func publishVideo(offer: String, publisher: PublisherRef) async throws -> String
    /// Sends the audio offer, returns the answer SDP.
    func publishAudio(offer: String) async throws -> String
    /// Asks to receive `publishers` (in addition to earlier ones); returns the server's offer SDP.
    func subscribe(to publishers: [PublisherRef]) async throws -> String
    /// Sends our answer to the last subscription offer.
    func answerSubscription(_ sdp: String) async throws
    /// Leaves the meeting and closes the event channel (best effort, bounded).
    func leave() async
}

/// Meeting-level set-up for one target.
public protocol MeetingSignalingFactory: Sendable {
    /// One participant's signaling for `user` in meeting number `meeting`.
    func participant(user: LoadUser, meeting: Int, isOwner: Bool) -> ParticipantSignaling
    /// Creates and starts meeting number `meeting` with `owner` (already connected) and `members`
    /// (already connected). Returns an opaque id the participants' signaling uses.
    func createMeeting(_ meeting: Int, owner: ParticipantSignaling, members: [LoadUser]) async throws
    /// Ends the meetings created (best effort).
    func teardown() async
}
