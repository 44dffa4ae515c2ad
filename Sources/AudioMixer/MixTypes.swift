/// A talking state change (reported as `MEETING_PARTICIPANT_TALKING {userId, isTalking}`, WSC §3.5).
public struct TalkingChange<ParticipantID: Hashable>: Equatable {
    public let participant: ParticipantID
    public let isTalking: Bool

    public init(participant: ParticipantID, isTalking: Bool) {
        self.participant = participant
        self.isTalking = isTalking
    }
}

extension TalkingChange: Sendable where ParticipantID: Sendable {}

/// The Opus payload one listener receives for one 20 ms frame.
public struct ListenerPayload<ParticipantID: Hashable>: Equatable {
    public let listener: ParticipantID
    /// One Opus packet (RFC 7587 RTP payload) covering 20 ms = 960 RTP ticks.
    public let payload: [UInt8]
    /// `true` when this is the shared full mix (the same array is given to every such listener);
    /// `false` for the listener's private mix-minus stream.
    public let isSharedMix: Bool
}

extension ListenerPayload: Sendable where ParticipantID: Sendable {}

/// Result of ``AudioMixer/mixFrame()``.
public struct MixedFrame<ParticipantID: Hashable> {
    /// One entry per participant (muted ones included: they still listen), in join order. A
    /// listener is missing only if encoding failed (counted in ``MixerStatistics/encodeErrors``).
    public var payloads: [ListenerPayload<ParticipantID>]
    /// Talking changes in the order they happened: first those caused by mute/removal since the
    /// previous frame, then those detected in this frame (join order).
    public var talkingChanges: [TalkingChange<ParticipantID>]
    /// Participants whose audio is in this frame's mix, in join order.
    public var contributors: [ParticipantID]
    /// The shared full-mix packet, when it was encoded this frame.
    public var sharedPayload: [UInt8]?

    /// The payload for `listener`, if it has one (linear search).
    public func payload(for listener: ParticipantID) -> ListenerPayload<ParticipantID>? {
        payloads.first { $0.listener == listener }
    }
}

extension MixedFrame: Sendable where ParticipantID: Sendable {}

/// What ``AudioMixer/push(participant:payload:sequenceNumber:timestamp:audioLevel:)`` did.
public enum PushOutcome: Equatable, Sendable {
    case buffered
    case duplicate
    case late
    /// Far from the stream's timeline (wild timestamp or sequence jump): dropped, held on probation.
    case discontinuity
    /// This packet confirmed the previous discontinuous one: the stream restarted there.
    case resynchronized
    /// Not an Opus packet: dropped and counted; its slot will be concealed.
    case corrupt(OpusPacketError)
    /// The participant is muted: dropped and counted.
    case muted
    case unknownParticipant
}

/// Per-participant counters (see ``AudioMixer/statistics(for:)``).
public struct ParticipantAudioStatistics: Equatable, Sendable {
    /// Calls to `push` for this participant.
    public var pushes: Int
    public var corruptPayloads: Int
    public var mutedDrops: Int
    /// Packets that passed validation but libopus failed to decode (concealed instead).
    public var decodeErrors: Int
    /// Played packets not decoded because their header-extension level was below the mix gate
    /// while the participant was not talking.
    public var skippedDecodes: Int
    /// Jitter-buffer counters: duplicates, late, discontinuities, resyncs, FEC rebuilds, concealment…
    public var jitter: JitterBuffer.Counters
    /// Packets buffered now (never above the configured capacity).
    public var bufferDepth: Int
    public var isMuted: Bool
    public var isTalking: Bool
}

/// Mixer-wide counters.
public struct MixerStatistics: Equatable, Sendable {
    public var frames = 0
    /// Frames in which the shared full mix was encoded.
    public var sharedEncodes = 0
    /// Private (mix-minus or hang-over) encodes.
    public var privateEncodes = 0
    public var encodeErrors = 0
    /// Samples of the full mix that had to be clipped to the Int16 range.
    public var clippedSamples = 0

    public init() {}
}
