/// The meeting audio mixer (issue 5; WSC §2.5, §3.5): one mixed Opus stream per listener, minus
/// the listener's own voice, plus talking detection.
///
/// Pure and clock-free: the caller pushes received RTP payloads with ``push(participant:payload:sequenceNumber:timestamp:audioLevel:)``
/// and calls ``mixFrame()`` every 20 ms; each call consumes 20 ms of every participant's stream
/// (through its ``JitterBuffer``) and returns one Opus packet per listener. Outgoing RTP
/// timestamps advance by ``rtpTicksPerFrame`` (960) per frame whatever ``Configuration/sampleRate``
/// is (RFC 7587 §4.1). Not thread-safe: drive one mixer from one thread / event loop.
///
/// **Mixing.** Decoded mono Int16 frames of the *contributors* are summed in Int32 (exact for
/// up to 65 536 full-scale streams); each output is clipped to Int16 (saturation, counted in
/// ``MixerStatistics/clippedSamples`` for the full mix). A contributor is an unmuted participant
/// with audio this frame that is talking or whose frame is at least as loud as
/// ``Configuration/mixGateLevel`` (so speech onsets are not cut while the talk detector fills its
/// window). The full mix is encoded **once** and the same packet goes to every listener that is
/// not a contributor; each contributor gets its own mix-minus (full mix − own frame) from a
/// private encoder. A listener moving to a private encoder starts from a copy of the shared
/// encoder's state, so its decoder sees one continuous stream; when it stops contributing it keeps
/// its private encoder, fed the full mix, for ``Configuration/privateHangoverFrames`` frames
/// (letting the two encoder states converge) before switching back to the shared packet.
///
/// **Talking.** ``TalkDetector`` per participant, fed once per played packet with the RFC 6464
/// header-extension level when given, else the level of the decoded frame; a frame without any
/// received audio counts as silence (127). Muting or removing a talking participant reports
/// "stopped talking" at the start of the next frame's changes.
///
/// **Cost.** A packet of a non-talking participant whose header-extension level is quieter than
/// the gate is not decoded (it could not enter the mix): in a large meeting with few talkers the
/// mixer decodes only the talkers and encodes only 1 + talkers streams.
public final class AudioMixer<ParticipantID: Hashable> {
    public struct Configuration: Equatable, Sendable {
        /// Decode/mix/encode rate (the reference AudioBridge room runs 16 kHz).
        public var sampleRate: OpusSampleRate
        /// Bitrate of every encoded mix in bits/s.
        public var bitrate: Int
        /// libopus complexity 0…10 of the mix encoders.
        public var complexity: Int
        /// In-band FEC in the encoded mixes, for listeners that lose packets.
        public var inbandFEC: Bool
        /// Expected loss (%) given to the encoders; FEC is only emitted when > 0.
        public var packetLossPercent: Int
        public var jitterBuffer: JitterBuffer.Configuration
        public var talkDetector: TalkDetector.Configuration
        /// A non-talking participant's frame enters the mix when its level (RFC 6464) is ≤ this.
        /// 127 mixes every unmuted participant with audio (the reference's behaviour).
        public var mixGateLevel: UInt8
        /// Frames a former contributor stays on its private encoder (fed the full mix) before
        /// returning to the shared stream.
        public var privateHangoverFrames: Int

        public init(sampleRate: OpusSampleRate = .hz48000, bitrate: Int = 32_000, complexity: Int = 5,
                    inbandFEC: Bool = true, packetLossPercent: Int = 10,
                    jitterBuffer: JitterBuffer.Configuration = .init(),
                    talkDetector: TalkDetector.Configuration = .init(),
                    mixGateLevel: UInt8 = 65, privateHangoverFrames: Int = 10) {
            self.sampleRate = sampleRate
            self.bitrate = bitrate
            self.complexity = complexity
            self.inbandFEC = inbandFEC
            self.packetLossPercent = packetLossPercent
            self.jitterBuffer = jitterBuffer
            self.talkDetector = talkDetector
            self.mixGateLevel = mixGateLevel
            self.privateHangoverFrames = max(0, privateHangoverFrames)
        }

        var encoder: OpusEncoder.Configuration {
            OpusEncoder.Configuration(sampleRate: sampleRate, channels: 1, application: .voip, bitrate: bitrate,
                                      complexity: complexity, inbandFEC: inbandFEC, packetLossPercent: packetLossPercent)
        }
    }

    /// Frame duration of every ``mixFrame()`` call.
    public static var frameDurationMs: Int { 20 }
    /// RTP timestamp increment per frame (48 kHz clock, RFC 7587).
    public static var rtpTicksPerFrame: Int { 960 }

    public let configuration: Configuration
    public private(set) var statistics = MixerStatistics()
    /// Samples per channel in one frame at ``Configuration/sampleRate``.
    public let frameSamples: Int

    private var ids: [ParticipantID] = []
    private var channels: [MixerChannel] = []
    private var index: [ParticipantID: Int] = [:]
    private var pendingChanges: [TalkingChange<ParticipantID>] = []
    private let sharedEncoder: OpusEncoder
    private let accumulator: UnsafeMutableBufferPointer<Int32>
    private let fullMix: UnsafeMutableBufferPointer<Int16>
    private let mixMinus: UnsafeMutableBufferPointer<Int16>
    private let packet: UnsafeMutableRawBufferPointer

    /// - Throws: ``OpusCodecError`` when libopus refuses the encoder settings.
    public init(configuration: Configuration = Configuration()) throws(OpusCodecError) {
        self.configuration = configuration
        self.frameSamples = configuration.sampleRate.samples(milliseconds: Self.frameDurationMs)
        self.sharedEncoder = try OpusEncoder(configuration.encoder)
        accumulator = .allocate(capacity: frameSamples)
        accumulator.initialize(repeating: 0)
        fullMix = .allocate(capacity: frameSamples)
        fullMix.initialize(repeating: 0)
        mixMinus = .allocate(capacity: frameSamples)
        mixMinus.initialize(repeating: 0)
        packet = .allocate(byteCount: OpusEncoder.maxPacketBytes, alignment: 16)
    }

    deinit {
        accumulator.deallocate()
        fullMix.deallocate()
        mixMinus.deallocate()
        packet.deallocate()
    }

    // MARK: - Participants

    /// Participants in join order.
    public var participants: [ParticipantID] { ids }

    /// Adds a participant (listener, and talker unless muted). Returns `false` if already present.
    /// - Throws: ``OpusCodecError`` when its decoder cannot be created.
    @discardableResult
    public func addParticipant(_ id: ParticipantID, muted: Bool = false) throws(OpusCodecError) -> Bool {
        guard index[id] == nil else { return false }
        let channel = try MixerChannel(sampleRate: configuration.sampleRate, frameSamples: frameSamples,
                                       jitter: configuration.jitterBuffer, talk: configuration.talkDetector,
                                       muted: muted)
        index[id] = ids.count
        ids.append(id)
        channels.append(channel)
        return true
    }

    /// Removes a participant: out of the mix and of the listeners from the next frame; if it was
    /// talking, the next frame reports it stopped. Returns `false` if unknown.
    @discardableResult
    public func removeParticipant(_ id: ParticipantID) -> Bool {
        guard let position = index[id] else { return false }
        if channels[position].talk.isTalking {
            pendingChanges.append(TalkingChange(participant: id, isTalking: false))
        }
        ids.remove(at: position)
        channels.remove(at: position)
        index[id] = nil
        for i in position..<ids.count { index[ids[i]] = i }
        return true
    }

    /// Mutes or unmutes (WSC §2.5 `PUT /audio {enabled}`). A muted participant is out of the mix from
    /// the next frame, its packets are dropped, and if it was talking the next frame reports it
    /// stopped. Unmuting starts its stream afresh. Returns `false` if unknown.
    @discardableResult
    public func setMuted(_ muted: Bool, for id: ParticipantID) -> Bool {
        guard let position = index[id] else { return false }
        let channel = channels[position]
        guard channel.muted != muted else { return true }
        channel.muted = muted
        if channel.resetReceiveSide() {
            pendingChanges.append(TalkingChange(participant: id, isTalking: false))
        }
        return true
    }

    public func isMuted(_ id: ParticipantID) -> Bool? {
        index[id].map { channels[$0].muted }
    }

    public func isTalking(_ id: ParticipantID) -> Bool? {
        index[id].map { channels[$0].talk.isTalking }
    }

    public func statistics(for id: ParticipantID) -> ParticipantAudioStatistics? {
        guard let position = index[id] else { return nil }
        let c = channels[position]
        return ParticipantAudioStatistics(pushes: c.pushes, corruptPayloads: c.corruptPayloads, mutedDrops: c.mutedDrops,
                                          decodeErrors: c.decodeErrors, skippedDecodes: c.skippedDecodes,
                                          jitter: c.jitter.counters,
                                          bufferDepth: c.jitter.depth, isMuted: c.muted, isTalking: c.talk.isTalking)
    }

    // MARK: - Input

    /// Files one received RTP packet of `participant`.
    /// - Parameters:
    ///   - payload: the Opus RTP payload (RFC 7587 §4.2), any duration 2.5…120 ms.
    ///   - sequenceNumber, timestamp: from the RTP header (timestamp in 48 kHz ticks).
    ///   - audioLevel: RFC 6464 level (0 loudest … 127 silence) from the header extension, if any;
    ///     the V bit, if left in, is ignored.
    /// - Returns: what happened to the packet. Never traps, whatever the bytes and numbers.
    @discardableResult
    public func push(participant: ParticipantID, payload: [UInt8], sequenceNumber: UInt16, timestamp: UInt32,
                     audioLevel: UInt8? = nil) -> PushOutcome {
        guard let position = index[participant] else { return .unknownParticipant }
        let channel = channels[position]
        channel.pushes += 1
        if channel.muted {
            channel.mutedDrops += 1
            return .muted
        }
        let info: OpusPacketInfo
        switch OpusPacketInfo.inspect(payload) {
        case .success(let value): info = value
        case .failure(let error):
            channel.corruptPayloads += 1
            return .corrupt(error)
        }
        let packet = JitterBuffer.Packet(sequenceNumber: sequenceNumber, timestamp: timestamp, payload: payload,
                                         durationTicks: info.durationTicks,
                                         fecTicks: info.hasInbandFEC ? info.frameTicks : 0,
                                         audioLevel: audioLevel.map { $0 & 0x7F })
        switch channel.jitter.insert(packet) {
        case .buffered: return .buffered
        case .duplicate: return .duplicate
        case .late: return .late
        case .discontinuity: return .discontinuity
        case .resynchronized: return .resynchronized
        case .invalidDuration:
            channel.corruptPayloads += 1
            return .corrupt(.malformed(reason: "duration of \(info.durationTicks) ticks"))
        }
    }

    // MARK: - Mixing

    /// Produces one 20 ms frame: decodes (or conceals) every unmuted participant, mixes, encodes.
    public func mixFrame() -> MixedFrame<ParticipantID> {
        statistics.frames += 1
        var changes = pendingChanges
        pendingChanges.removeAll()
        var contributors: [ParticipantID] = []
        accumulator.update(repeating: 0)

        // 1. Receive side: one frame per participant, talking detection, mix membership.
        let gate = configuration.mixGateLevel
        for (position, channel) in channels.enumerated() {
            channel.contributing = false
            guard !channel.muted else { continue }
            // Quiet packets of a non-talker are not even decoded when their level is known.
            channel.fill(skipLevel: gate < AudioLevel.silence && !channel.talk.isTalking ? gate : nil)
            var level: UInt8?
            if channel.framePlayedPacket {
                let value = channel.framePacketLevel ?? AudioLevel.level(of: channel.frame)
                level = value
                if let talking = channel.talk.update(level: value) {
                    changes.append(TalkingChange(participant: ids[position], isTalking: talking))
                }
            } else if !channel.frameHasAudio {
                if let talking = channel.talk.update(level: AudioLevel.silence) {
                    changes.append(TalkingChange(participant: ids[position], isTalking: talking))
                }
            }
            guard channel.frameHasAudio else { continue }
            let joins = channel.talk.isTalking || gate >= AudioLevel.silence
                || (level ?? AudioLevel.level(of: channel.frame)) <= gate
            guard joins else { continue }
            channel.contributing = true
            contributors.append(ids[position])
            Self.accumulate(channel.frame, into: accumulator)
        }

        // 2. Routing: who needs a private encoder this frame (state copied before the shared encode).
        let encoderConfiguration = configuration.encoder
        var sharedListeners = false
        for channel in channels {
            if channel.contributing {
                if !channel.onPrivateStream {
                    if channel.privateEncoder == nil {
                        channel.privateEncoder = try? OpusEncoder(encoderConfiguration)
                    }
                    if let encoder = channel.privateEncoder, (try? encoder.copyState(from: sharedEncoder)) != nil {
                        channel.onPrivateStream = true
                    }
                }
                channel.hangover = configuration.privateHangoverFrames
            } else if channel.onPrivateStream {
                if channel.hangover > 0 {
                    channel.hangover -= 1
                    sharedListeners = true  // keep the shared state converging
                } else {
                    channel.onPrivateStream = false
                }
            }
            if !channel.onPrivateStream { sharedListeners = true }
        }

        // 3. Encode: the full mix once, then each private stream.
        var sharedPayload: [UInt8]?
        if sharedListeners {
            statistics.clippedSamples += Self.clip(accumulator, into: fullMix)
            sharedPayload = encode(fullMix, with: sharedEncoder)
            statistics.sharedEncodes += 1
        }
        var payloads: [ListenerPayload<ParticipantID>] = []
        payloads.reserveCapacity(channels.count)
        for (position, channel) in channels.enumerated() {
            let id = ids[position]
            if channel.onPrivateStream, let encoder = channel.privateEncoder {
                let input: UnsafeMutableBufferPointer<Int16>
                if channel.contributing {
                    Self.subtract(channel.frame, from: accumulator, into: mixMinus)
                    input = mixMinus
                } else {
                    if sharedPayload == nil { _ = Self.clip(accumulator, into: fullMix) }
                    input = fullMix
                }
                statistics.privateEncodes += 1
                if let bytes = encode(input, with: encoder) {
                    payloads.append(ListenerPayload(listener: id, payload: bytes, isSharedMix: false))
                }
            } else if let shared = sharedPayload {
                payloads.append(ListenerPayload(listener: id, payload: shared, isSharedMix: true))
            }
        }
        for channel in channels where !channel.muted { channel.consumeFrame() }
        return MixedFrame(payloads: payloads, talkingChanges: changes, contributors: contributors,
                          sharedPayload: sharedPayload)
    }

    private func encode(_ pcm: UnsafeMutableBufferPointer<Int16>, with encoder: OpusEncoder) -> [UInt8]? {
        do {
            let count = try encoder.encode(UnsafeBufferPointer(pcm), into: packet)
            return Array(UnsafeRawBufferPointer(rebasing: packet[0..<count]))
        } catch {
            statistics.encodeErrors += 1
            return nil
        }
    }

    // MARK: - PCM arithmetic (Int32 accumulation, Int16 saturation)

    static func accumulate(_ frame: UnsafeBufferPointer<Int16>, into sum: UnsafeMutableBufferPointer<Int32>) {
        let count = min(frame.count, sum.count)
        for i in 0..<count { sum[i] &+= Int32(frame[i]) }
    }

    /// Clips `sum` to Int16 into `output`; returns how many samples were out of range.
    static func clip(_ sum: UnsafeMutableBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let count = min(sum.count, output.count)
        var clipped = 0
        for i in 0..<count {
            let value = sum[i]
            let limited = min(max(value, Int32(Int16.min)), Int32(Int16.max))
            clipped &+= value == limited ? 0 : 1
            output[i] = Int16(truncatingIfNeeded: limited)
        }
        return clipped
    }

    /// `output = clip(sum − frame)`: the mix without one contributor.
    static func subtract(_ frame: UnsafeBufferPointer<Int16>, from sum: UnsafeMutableBufferPointer<Int32>,
                         into output: UnsafeMutableBufferPointer<Int16>) {
        let count = min(frame.count, min(sum.count, output.count))
        for i in 0..<count {
            let value = sum[i] &- Int32(frame[i])
            output[i] = Int16(truncatingIfNeeded: min(max(value, Int32(Int16.min)), Int32(Int16.max)))
        }
    }
}
