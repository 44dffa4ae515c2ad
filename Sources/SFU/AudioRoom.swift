import AudioMixer
import Logging
import NIOCore
import SDP
import WebRTCTransport

/// The audio side of a meeting (what Janus AudioBridge does for WSC): one mixer, one
/// `AudioSession` per participant, and a 20 ms clock that mixes and sends.
/// Confined to the media event loop.
final class AudioRoom {
    let id: String
    private unowned let sfu: SFU
    private let mixer: AudioMixer<String>
    private(set) var sessions: [String: AudioSession] = [:]
    /// Desired mute state per participant; kept even before the audio offer arrives
    /// (WSC joins muted, the client then sends `PUT /audio {enabled}`).
    private var enabled: [String: Bool] = [:]
    private var clock: Scheduled<Void>?
    private var nextTick: NIODeadline = .now()
    private(set) var framesMixed = 0
    private(set) var lateTicks = 0

    /// RTP ticks per 20 ms frame (Opus RTP clock is always 48 kHz, RFC 7587 §4.1).
    static let ticksPerFrame: UInt32 = 960

    init(id: String, sfu: SFU, sampleRate: OpusSampleRate) throws {
        self.id = id
        self.sfu = sfu
        do {
            mixer = try AudioMixer(configuration: .init(sampleRate: sampleRate))
        } catch {
            throw SFUError.transport("audio mixer: \(error)")
        }
    }

    var isEmpty: Bool { sessions.isEmpty }
    var counters: MediaCounters { sfu.counters }

    /// Answers a client's audio offer with a sendrecv Opus section and joins the mixer (muted
    /// unless `setEnabled(true)` was called). Replaces the participant's previous audio session.
    func offer(participantID: String, offer: SessionDescription) throws -> SessionDescription {
        let transport = PeerTransport(dtlsContext: sfu.dtlsContext)
        let ssrc = UInt32.random(in: 1...UInt32.max)
        var capabilities = Router.publisherCapabilities
        capabilities.codecs = [.opus]
        capabilities.sendTracks[.audio] = ServerSendTrack(ssrc: ssrc, cname: "parley-mix",
                                                          streamId: "\(id)/audio", trackId: "mix-\(participantID)")
        let negotiated: PublisherAnswer
        do {
            negotiated = try answerPublisherOffer(offer, local: sfu.localTransport(for: transport), capabilities: capabilities)
        } catch {
            throw SFUError.invalidSDP("\(error)")
        }
        guard let audio = negotiated.media.first(where: { $0.accepted && $0.kind == .audio }),
              let opus = audio.codecs.first(where: \.isOpus) else {
            throw SFUError.invalidSDP("the audio offer has no Opus m-section (opus/48000/2 is required)")
        }
        let role: WebRTCTransport.DTLSRole = negotiated.dtlsRole == .client ? .client : .server
        let fingerprint = negotiated.remoteFingerprint.algorithm == "sha-256" ? negotiated.remoteFingerprint.value : nil
        do { try transport.setRemoteDTLS(role: role, fingerprint: fingerprint) } catch { throw SFUError.transport("\(error)") }
        remove(participantID: participantID)
        do {
            try mixer.addParticipant(participantID, muted: !(enabled[participantID] ?? false))
        } catch {
            throw SFUError.transport("audio mixer: \(error)")
        }
        sfu.socket.register(transport)
        let session = AudioSession(participantID: participantID, transport: transport, opusPayloadType: opus.payloadType,
                                   audioLevelExtensionID: audio.extensions.id(for: HeaderExtensionURI.audioLevel),
                                   sendSSRC: ssrc)
        session.room = self
        sessions[participantID] = session
        startClock()
        return negotiated.answer
    }

    /// Mutes (false) or unmutes (true) a participant's microphone in the mix, from the next frame.
    func setEnabled(participantID: String, enabled on: Bool) {
        enabled[participantID] = on
        mixer.setMuted(!on, for: participantID)   // a muted talker is reported "stopped" next frame
    }

    func push(participantID: String, payload: [UInt8], sequenceNumber: UInt16, timestamp: UInt32, audioLevel: UInt8?) {
        mixer.push(participant: participantID, payload: payload, sequenceNumber: sequenceNumber,
                   timestamp: timestamp, audioLevel: audioLevel)
    }

    func remove(participantID: String) {
        if let session = sessions.removeValue(forKey: participantID) {
            session.close()
        }
        mixer.removeParticipant(participantID)   // reported "stopped talking" next frame
        if sessions.isEmpty { stopClock() }
    }

    func forget(participantID: String) {
        remove(participantID: participantID)
        enabled.removeValue(forKey: participantID)
    }

    func close() {
        for id in Array(sessions.keys) { remove(participantID: id) }
        stopClock()
    }

    func audioTransportClosed(_ session: AudioSession, reason: String) {
        guard sessions[session.participantID] === session else { return }
        sfu.logger.info("audio transport of \(session.participantID) closed: \(reason)")
        remove(participantID: session.participantID)
        sfu.emit(.transportClosed(roomID: id, participantID: session.participantID, kind: "audio",
                                  reason: SFU.closeReason(session.transport, reason)))
    }

    // MARK: - Clock

    private func startClock() {
        guard clock == nil else { return }
        nextTick = .now() + .milliseconds(20)
        scheduleTick()
    }

    private func stopClock() {
        clock?.cancel()
        clock = nil
    }

    private func scheduleTick() {
        clock = sfu.eventLoop.scheduleTask(deadline: nextTick) { [weak self] in self?.tick() }
    }

    /// Mixes one frame per 20 ms of wall time (deadline-based, so it does not drift); if the loop
    /// fell more than 100 ms behind, it skips ahead instead of bursting.
    private func tick() {
        let now = NIODeadline.now()
        if now - nextTick > .milliseconds(100) {
            lateTicks += 1
            nextTick = now
        }
        let frame = mixer.mixFrame()
        framesMixed += 1
        for item in frame.payloads {
            sessions[item.listener]?.sendMix(item.payload, ticksPerFrame: AudioRoom.ticksPerFrame)
        }
        deliverTalkingChanges(frame.talkingChanges)
        nextTick = nextTick + .milliseconds(20)
        scheduleTick()
    }

    private func deliverTalkingChanges(_ changes: [TalkingChange<String>]) {
        for change in changes {
            sfu.emit(.talking(roomID: id, participantID: change.participant, isTalking: change.isTalking))
        }
    }
}
