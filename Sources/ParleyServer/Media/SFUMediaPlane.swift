import AudioMixer
import Foundation
import Logging
import Meetings
import NIOCore
import NIOPosix
import ServiceLifecycle
import SFU
import WebRTCTransport

/// The real media plane: `MeetingMediaPlane` over the in-process SFU. Meeting ids name SFU
/// routers, user ids name participants, and a stream key is `<userId>/<video|screen>`.
/// Every call hops to the SFU's event loop; media never leaves it.
public final class SFUMediaPlane: MeetingMediaPlane, @unchecked Sendable {
    let sfu: SFU
    let group: EventLoopGroup
    private let logger: Logger

    /// Binds the media UDP socket (`host:port`, port 0 = any) on a one-thread event loop group
    /// and creates the DTLS certificate. `announcedAddress` goes into SDP candidates.
    /// - Throws: bind errors, `DTLSError` when OpenSSL fails.
    public init(host: String, port: Int, announcedAddress: String, audioSampleRate: Int = 48_000,
                roomBitrate: Int = 400_000, logger: Logger) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let socket = try MediaSocket.bind(host: host, port: port, group: group, logger: logger)
            let context = try DTLSContext(certificate: DTLSCertificate())
            self.sfu = SFU(socket: socket, dtlsContext: context, announcedAddress: announcedAddress, logger: logger)
            let sfu = self.sfu
            try socket.eventLoop.submit {
                sfu.audioSampleRate = OpusSampleRate(rawValue: audioSampleRate) ?? .hz48000
                sfu.roomBitrate = UInt64(max(roomBitrate, 1))
            }.wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.logger = logger
        logger.info("media plane on udp \(sfu.socket.localAddress), announcing \(announcedAddress)")
    }

    /// The bound UDP port.
    public var mediaPort: Int { sfu.socket.localAddress.port ?? 0 }

    public func publish(meetingId: UUID, userId: UUID, type: MediaStreamType, offer: String) async throws -> String {
        try await onLoop { sfu in
            try sfu.publish(roomID: Self.id(meetingId), key: Self.key(userId, type), offer: offer)
        }
    }

    public func unpublish(meetingId: UUID, userId: UUID, type: MediaStreamType) async {
        try? await onLoop { sfu in sfu.unpublish(roomID: Self.id(meetingId), key: Self.key(userId, type)) }
    }

    public func updateSubscriptions(meetingId: UUID, userId: UUID, subscribe: [MediaStreamRef],
                                    unsubscribe: [MediaStreamRef]) async throws -> SubscriptionOffer {
        let result = try await onLoop { sfu in
            sfu.updateSubscriptions(roomID: Self.id(meetingId), participantID: Self.id(userId),
                                    subscribe: subscribe.map { Self.key($0.userId, $0.type) },
                                    unsubscribe: unsubscribe.map { Self.key($0.userId, $0.type) })
        }
        let streams = result.streams.compactMap { key, mid -> SubscribedStreamInfo? in
            guard let user = UUID(uuidString: key.participantID), let type = MediaStreamType(rawValue: key.name) else {
                return nil
            }
            return SubscribedStreamInfo(userId: user, type: type, mid: mid)
        }
        return SubscriptionOffer(sdp: result.offer, streams: streams)
    }

    public func applySubscriberAnswer(meetingId: UUID, userId: UUID, answer: String) async throws {
        try await onLoop { sfu in
            try sfu.applySubscriberAnswer(roomID: Self.id(meetingId), participantID: Self.id(userId), answer: answer)
        }
    }

    /// Answers the user's audio offer: one sendrecv Opus m-line; the mix of everyone else comes
    /// down on it (WSC §3.5). The user joins the mixer muted until `setAudioEnabled(true)`.
    public func audioOffer(meetingId: UUID, userId: UUID, offer: String) async throws -> String {
        try await onLoop { sfu in try sfu.audioOffer(roomID: Self.id(meetingId), participantID: Self.id(userId), offer: offer) }
    }

    /// Mutes/unmutes the user in the meeting's mixer (from the next 20 ms frame).
    public func setAudioEnabled(meetingId: UUID, userId: UUID, enabled: Bool) async {
        try? await onLoop { sfu in
            sfu.setAudioEnabled(roomID: Self.id(meetingId), participantID: Self.id(userId), enabled: enabled)
        }
    }

    /// Forwards the SFU's talking and transport-closed events (ids that are not UUIDs or
    /// unknown transport kinds are dropped).
    public func setEventSink(_ sink: @escaping @Sendable (MediaPlaneEvent) -> Void) {
        let sfu = self.sfu
        sfu.eventLoop.execute {
            sfu.onEvent = { event in
                switch event {
                case .talking(let roomID, let participantID, let isTalking):
                    guard let meetingId = UUID(uuidString: roomID), let userId = UUID(uuidString: participantID) else { return }
                    sink(.talking(meetingId: meetingId, userId: userId, isTalking: isTalking))
                case .transportClosed(let roomID, let participantID, let kind, let reason):
                    guard let meetingId = UUID(uuidString: roomID), let userId = UUID(uuidString: participantID),
                          let kind = MediaTransportKind(rawValue: kind)
                    else { return }
                    sink(.transportClosed(meetingId: meetingId, userId: userId, kind: kind, reason: reason))
                }
            }
        }
    }

    public func removeParticipant(meetingId: UUID, userId: UUID) async {
        try? await onLoop { sfu in sfu.removeParticipant(roomID: Self.id(meetingId), participantID: Self.id(userId)) }
    }

    public func closeMeeting(meetingId: UUID) async {
        try? await onLoop { sfu in sfu.closeRoom(roomID: Self.id(meetingId)) }
    }

    /// SFU counters (forwarded packets, drops per reason…).
    public func statistics() async -> SFUStatistics {
        (try? await onLoop { $0.statistics() }) ?? SFUStatistics()
    }

    /// Feeds `/metrics` from the SFU's monotonic counters (the deltas since the last export):
    /// forwarded packets/bytes by kind, drops per reason (socket demux, STUN, SRTP, RTP),
    /// keyframe requests, open transports and stream counts.
    public func exportMetrics(to metrics: ParleyMetrics) async {
        guard let snapshot = try? await onLoop({ sfu -> (SFUStatistics, MediaCounters.Snapshot, Int, Int) in
            let stats = sfu.statistics()
            let copy = MediaCounters.snapshot(of: sfu.counters)
            return (stats, copy, stats.publishedStreams, stats.subscribedStreams)
        }) else { return }
        let (stats, counters, published, subscribed) = snapshot
        exportLock.lock()
        let previous = lastExport
        lastExport = (counters, stats.drops)
        exportLock.unlock()
        let old = previous?.0
        metrics.mediaPacketsForwarded(max(0, counters.videoPacketsForwarded - (old?.videoPacketsForwarded ?? 0)),
                                      bytes: max(0, counters.videoBytesForwarded - (old?.videoBytesForwarded ?? 0)),
                                      kind: .video)
        metrics.mediaPacketsForwarded(max(0, counters.audioPacketsSent - (old?.audioPacketsSent ?? 0)),
                                      bytes: max(0, counters.audioBytesSent - (old?.audioBytesSent ?? 0)), kind: .audio)
        for (reason, total) in stats.drops {
            let delta = total - (previous?.1[reason] ?? 0)
            if delta > 0 { metrics.mediaPacketsDropped(delta, reason: Self.metricLabel(reason)) }
        }
        for _ in 0..<max(0, min(counters.keyframeRequests - (old?.keyframeRequests ?? 0), 10_000)) {
            metrics.mediaKeyframeRequested(type: "pli")
        }
        metrics.setMediaTransports(stats.transports)
        metrics.setMediaStreams(published: published, subscribed: subscribed)
    }

    private let exportLock = NSLock()
    private var lastExport: (MediaCounters.Snapshot, [String: Int])?

    /// `stunBadIntegrity` → `stun_bad_integrity` (Prometheus label values used by ParleyMetrics).
    static func metricLabel(_ reason: String) -> String {
        var out = ""
        for character in reason {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return out
    }

    /// Closes every transport and the UDP socket, then stops the event loop.
    public func shutdown() async {
        try? await onLoop { sfu in sfu.shutdown() }
        try? await sfu.socket.eventLoop.flatSubmit { self.sfu.socket.close() }.get()
        try? await group.shutdownGracefully()
    }

    /// Ids as the WSC API writes them (lowercase UUIDs): the msid stream id `<userId>/video`
    /// must match the user ids of the events, which the client compares as strings.
    static func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }

    static func key(_ userId: UUID, _ type: MediaStreamType) -> StreamKey {
        StreamKey(participantID: id(userId), name: type.rawValue)
    }

    /// Runs `body` on the SFU's event loop, mapping `SFUError` to `MediaPlaneError`.
    private func onLoop<T>(_ body: @escaping (SFU) throws -> T) async throws -> T {
        let sfu = self.sfu
        do {
            return try await sfu.eventLoop.submit { try body(sfu) }.get()
        } catch let error as SFUError {
            switch error {
            case .invalidSDP(let reason): throw MediaPlaneError.invalidSDP(reason)
            case .unknown(let reason), .transport(let reason): throw MediaPlaneError.unavailable(reason)
            }
        }
    }
}

/// Runs the media plane under swift-service-lifecycle: waits for graceful shutdown, then closes
/// transports and the UDP socket.
struct MediaPlaneService: Service {
    let plane: SFUMediaPlane

    func run() async throws {
        try? await gracefulShutdown()
        await plane.shutdown()
    }
}
