import Foundation
import NIOCore
import RTP
import SDP
import WebRTCClient
import WebRTCTransport

/// Shared, read-only inputs of a run.
struct RunContext: Sendable {
    let options: LoadOptions
    let video: VideoLoop
    let audio: AudioLoop?
    let dtlsContext: DTLSContext
    let runStart: Double
}

/// One simulated participant: REST/WebSocket (or Janus) signaling through `signaling`, and up to
/// three client peer connections (video out, video in, audio) on one event loop. Publishers
/// replay the VP8 loop at the configured frame rate, each frame stamped (`FrameStamp`);
/// subscribers depacketize and measure. Every failure is recorded in `stats` and ends only this
/// participant.
final class SimulatedParticipant: ClientPeerConnectionDelegate, @unchecked Sendable {
    let index: Int
    let meeting: Int
    let user: LoadUser
    let publisherRef: PublisherRef?
    let signaling: ParticipantSignaling
    let eventLoop: EventLoop
    let stats: ParticipantStats
    let context: RunContext
    let roster: MeetingRoster

    // Confined to eventLoop:
    private var videoOut: ClientPeerConnection?
    private var videoIn: ClientPeerConnection?
    private var audioPC: ClientPeerConnection?
    private var videoTask: RepeatedTask?
    private var audioTask: RepeatedTask?
    private var packetizer = VP8Packetizer()
    private var frameIndex = 0
    private var frameNumber: UInt32 = 0
    private var videoSequence = UInt16.random(in: 0...UInt16.max)
    private var videoTimestamp = UInt32.random(in: 0...UInt32.max)
    private var audioSequence = UInt16.random(in: 0...UInt16.max)
    private var audioTimestamp = UInt32.random(in: 0...UInt32.max)
    private var audioIndex = 0
    private var videoPayloadType = ClientSDP.vp8PayloadType
    private var audioPayloadType = ClientSDP.opusPayloadType
    private var videoMidExtension: UInt8?
    private var lastKeyframeRequest = 0.0
    private let videoSSRC = UInt32.random(in: 1...UInt32.max)
    private let audioSSRC = UInt32.random(in: 1...UInt32.max)
    private var subscriberTask: Task<Void, Never>?
    private var stopped = false

    init(index: Int, meeting: Int, user: LoadUser, publisherRef: PublisherRef?, signaling: ParticipantSignaling,
         eventLoop: EventLoop, context: RunContext, roster: MeetingRoster) {
        self.index = index
        self.meeting = meeting
        self.user = user
        self.publisherRef = publisherRef
        self.signaling = signaling
        self.eventLoop = eventLoop
        self.context = context
        self.roster = roster
        let otherPublishers = context.options.publishers - (publisherRef != nil ? 1 : 0)
        let expectsVideo = otherPublishers > 0 && (context.options.subscribe ?? 1) > 0
        self.stats = ParticipantStats(index: index, meeting: meeting, userId: user.id, publisher: publisherRef != nil,
                                      expectsVideo: expectsVideo, runStart: context.runStart)
    }

    // MARK: - Flow

    /// REST join, then audio (optional, failures only warn), then publishing, then the
    /// subscription worker. Returns once set up (or failed).
    func joinAndPublish() async {
        stats.mark(\.joinStartedAt)
        do {
            try await signaling.join()
        } catch {
            record(error, step: "join")
            return
        }
        stats.mark(\.joinedAt)
        stats.step("joined")
        if context.audio != nil { await startAudio() }
        if let publisherRef {
            do {
                try await startPublishing(publisherRef)
            } catch {
                record(error, step: "publish")
                return
            }
            // The roster learns about this publisher once its transport is up
            // (peerConnectionDidConnect): Janus refuses subscriptions to feeds without media.
        }
        startSubscriptionWorker()
    }

    func record(_ error: Error, step: String) {
        if let e = error as? SignalingError {
            stats.fail(step: e.step, reason: e.reason)
        } else {
            stats.fail(step: step, reason: "\(error)")
        }
    }

    private func makeConnection() async throws -> ClientPeerConnection {
        let pc = try await ClientPeerConnection.make(on: eventLoop, dtlsContext: context.dtlsContext, cname: "load\(index)")
        try await eventLoop.submit { pc.delegate = self }.get()
        return pc
    }

    private func remoteParameters(_ sdp: SessionDescription, step: String) throws -> RemoteTransportParameters {
        let remote = try ClientSDP.remoteTransport(sdp)
        guard context.options.mayContact(remote.candidateAddress) else {
            throw SignalingError(step: step, reason: "server candidate \(remote.candidateAddress) is not loopback (use --allow-remote)")
        }
        return remote
    }

    private func startPublishing(_ ref: PublisherRef) async throws {
        let pc = try await makeConnection()
        let offer = ClientSDP.videoPublisherOffer(local: pc.local, ssrc: videoSSRC, streamId: "\(user.id)/video",
                                                  trackId: "video-\(index)", sessionId: UInt64.random(in: 1...UInt64(Int64.max)))
        let answerText = try await signaling.publishVideo(offer: offer, publisher: ref)
        stats.step("published")
        let answer = try ClientSDP.parse(answerText)
        let remote = try remoteParameters(answer, step: "publish")
        let section = answer.media.first
        let pt = section?.codecs.first(where: { $0.isVP8 })?.payloadType
        guard let pt else { throw SignalingError(step: "publish", reason: "answer accepted no VP8") }
        let midID = section?.extmaps.first(where: { $0.uri == HeaderExtensionURI.mid })?.id
        try await eventLoop.submit {
            self.videoOut = pc
            self.videoPayloadType = pt
            self.videoMidExtension = midID
            try pc.start(remote: remote)
            self.startVideoTimer()
        }.get()
    }

    private func startAudio() async {
        guard let loop = context.audio else { return }
        do {
            let pc = try await makeConnection()
            let offer = ClientSDP.audioOffer(local: pc.local, ssrc: audioSSRC, streamId: "\(user.id)/audio",
                                             trackId: "audio-\(index)", sessionId: UInt64.random(in: 1...UInt64(Int64.max)))
            let answerText: String
            do {
                answerText = try await signaling.publishAudio(offer: offer)
            } catch {
                try? await eventLoop.submit { pc.close() }.get()
                throw error
            }
            let answer = try ClientSDP.parse(answerText)
            let remote = try remoteParameters(answer, step: "audio")
            let pt = answer.media.first?.codecs.first(where: { $0.isOpus })?.payloadType ?? ClientSDP.opusPayloadType
            try await eventLoop.submit {
                self.audioPC = pc
                self.audioPayloadType = pt
                try pc.start(remote: remote)
                self.startAudioTimer(loop)
            }.get()
        } catch {
            // Audio is optional (the server's audio endpoint may be unavailable): warn and go on.
            stats.warn("audio unavailable: \(error)")
        }
    }

    private func startSubscriptionWorker() {
        let limit = context.options.subscribe ?? Int.max
        guard limit > 0 else { return }
        subscriberTask = Task { [weak self] in
            guard let self else { return }
            let notifications = await self.roster.listen(participant: self.index)
            var subscribed = Set<Int>()
            for await _ in notifications {
                if Task.isCancelled || self.stats.hasFailed { break }
                let wanted = await self.roster.published.filter { $0.index != self.publisherRef?.index }
                    .sorted { $0.index < $1.index }.prefix(limit)
                let new = wanted.filter { !subscribed.contains($0.index) }
                guard !new.isEmpty else { continue }
                var attempt = 0
                var lastError: Error?
                while attempt < 3 && !Task.isCancelled {
                    attempt += 1
                    do {
                        try await self.subscribe(to: Array(new))
                        lastError = nil
                        break
                    } catch {
                        // A feed can be announced a moment before the server lets anyone
                        // subscribe to it: retry twice, a second apart, then report.
                        lastError = error
                        try? await Task.sleep(nanoseconds: 1_000_000_000)
                    }
                }
                if let lastError {
                    self.record(lastError, step: "subscribe")
                    break
                }
                for p in new { subscribed.insert(p.index) }
                self.stats.update { $0.streamsExpected = subscribed.count }
            }
        }
    }

    private func subscribe(to publishers: [PublisherRef]) async throws {
        let offerText = try await signaling.subscribe(to: publishers)
        stats.step("subscribe offered")
        let offer = try ClientSDP.parse(offerText)
        var pc = try await eventLoop.submit { self.videoIn }.get()
        let isNew = pc == nil
        if pc == nil { pc = try await makeConnection() }
        guard let pc else { return }
        let answer = try ClientSDP.receiverAnswer(to: offer, local: pc.local, sessionId: UInt64(index + 1),
                                                  version: UInt64(Date().timeIntervalSince1970))
        try await signaling.answerSubscription(answer)
        stats.step("subscribe answered")
        if isNew {
            let remote = try remoteParameters(offer, step: "subscribe")
            try await eventLoop.submit {
                self.videoIn = pc
                try pc.start(remote: remote)
            }.get()
        }
    }

    /// Stops sending, closes the peer connections and leaves (bounded by the signaling timeouts).
    func stop() async {
        subscriberTask?.cancel()
        try? await eventLoop.submit {
            self.stopped = true
            self.videoTask?.cancel()
            self.audioTask?.cancel()
            self.videoOut?.close()
            self.videoIn?.close()
            self.audioPC?.close()
        }.get()
        await signaling.leave()
    }

    // MARK: - Sending (on eventLoop)

    private func startVideoTimer() {
        let fps = max(1, context.video.framesPerSecond)
        let period = TimeAmount.nanoseconds(Int64(1_000_000_000 / fps))
        videoTask = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: period) { [weak self] _ in
            self?.sendVideoFrame()
        }
    }

    private func sendVideoFrame() {
        guard !stopped, let pc = videoOut, pc.state == .connected, let publisherRef else { return }
        let frames = context.video.frames
        guard !frames.isEmpty else { return }
        if frameIndex >= frames.count { frameIndex = 0 }
        let frame = frames[frameIndex]
        frameIndex += 1
        let now = ClientClock.now()
        let stamp = FrameStamp(publisherIndex: UInt32(publisherRef.index), frameNumber: frameNumber,
                               sendTimeMicros: UInt64(now * 1e6))
        frameNumber &+= 1
        let data = stamp.appended(to: frame.data)
        let payloads = packetizer.packetize(frame: data[...])
        let extensions = videoMidExtension.map { [RTPPacketBuilder.Extension(id: $0, value: Array("0".utf8))] } ?? []
        var packets: [[UInt8]] = []
        packets.reserveCapacity(payloads.count)
        var bytes = 0
        for (i, payload) in payloads.enumerated() {
            let packet = RTPPacketBuilder.packet(payloadType: videoPayloadType, sequenceNumber: videoSequence,
                                                 timestamp: videoTimestamp, ssrc: videoSSRC,
                                                 marker: i == payloads.count - 1, extensions: extensions, payload: payload[...])
            videoSequence &+= 1
            bytes += packet.count
            packets.append(packet)
        }
        videoTimestamp &+= UInt32(90_000 / max(1, context.video.framesPerSecond))
        pc.sendRTP(packets)
        stats.recordVideoSent(packets: packets.count, bytes: bytes)
        stats.mark(\.mediaFlowingAt, at: now)
    }

    private func startAudioTimer(_ loop: AudioLoop) {
        audioTask = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { [weak self] _ in
            guard let self, !self.stopped, let pc = self.audioPC, pc.state == .connected, !loop.packets.isEmpty else { return }
            if self.audioIndex >= loop.packets.count { self.audioIndex = 0 }
            let payload = loop.packets[self.audioIndex]
            self.audioIndex += 1
            let packet = RTPPacketBuilder.packet(payloadType: self.audioPayloadType, sequenceNumber: self.audioSequence,
                                                 timestamp: self.audioTimestamp, ssrc: self.audioSSRC, marker: false,
                                                 payload: payload[...])
            self.audioSequence &+= 1
            self.audioTimestamp &+= AudioLoop.samplesPerPacket
            pc.sendRTP([packet])
            self.stats.recordAudioSent(bytes: packet.count)
        }
    }

    // MARK: - ClientPeerConnectionDelegate (on eventLoop)

    func peerConnectionDidConnect(_ connection: ClientPeerConnection) {
        let role = connection === videoIn ? "subscriber" : connection === videoOut ? "publisher" : "audio"
        if let ice = connection.iceConnectedAfter { stats.step("\(role) ICE", at: connection.startedAt + ice) }
        stats.step("\(role) connected")
        guard connection === videoOut, let publisherRef else { return }
        let roster = self.roster
        Task { await roster.add(publisherRef) }
    }

    func peerConnection(_ connection: ClientPeerConnection, didReceiveRTP packet: [UInt8], arrival: Double) {
        if connection === videoIn {
            stats.recordVideo(packet: packet, arrival: arrival)
        } else if connection === audioPC {
            stats.recordAudioReceived(bytes: packet.count, arrival: arrival)
        }
    }

    func peerConnection(_ connection: ClientPeerConnection, didReceiveRTCP packet: [UInt8]) {
        guard connection === videoOut else { return }
        for item in RTCPPacket.parseCompoundLenient(packet).packets {
            switch item {
            case .pli, .fir:
                stats.update { $0.keyframeRequestsReceived += 1 }
                let now = ClientClock.now()
                if now - lastKeyframeRequest > 0.3 {
                    lastKeyframeRequest = now
                    frameIndex = 0   // frame 0 of the loop is a keyframe
                }
            default:
                continue
            }
        }
    }

    func peerConnection(_ connection: ClientPeerConnection, didFail reason: String) {
        let which = connection === videoOut ? "publish" : connection === videoIn ? "subscribe" : "audio"
        if which == "audio" {
            stats.warn("audio transport: \(reason)")
        } else {
            stats.fail(step: which + " transport", reason: reason)
        }
    }
}
