import AudioMixer
import Logging
import NIOCore
import SDP
import WebRTCTransport

/// The selective forwarding unit: routers (one per meeting) on one UDP media socket.
///
/// Every method must be called on `eventLoop` (the socket's loop); the control plane hops there
/// (`eventLoop.submit`). Media never leaves that loop.
public final class SFU {
    public let socket: MediaSocket
    public let dtlsContext: DTLSContext
    /// Address written in SDP host candidates (`a=candidate:… <announcedAddress> <port> typ host`).
    public let announcedAddress: String
    public var eventLoop: EventLoop { socket.eventLoop }
    let logger: Logger
    private(set) var routers: [String: Router] = [:]
    private var audioRooms: [String: AudioRoom] = [:]
    /// Receives talking changes and transport closures, on `eventLoop`.
    public var onEvent: ((SFUEvent) -> Void)?
    /// Mixer sample rate (the reference AudioBridge runs 16 kHz; 48 kHz by default here).
    public var audioSampleRate: OpusSampleRate = .hz48000
    private var ticker: RepeatedTask?
    private let sessionID = UInt64.random(in: 1...(UInt64(1) << 62))

    /// How often routers retry pending keyframe requests (ms).
    public static let tickInterval: Int64 = 250
    /// A transport without an authenticated binding request for this long is closed (RFC 7675).
    public var consentTimeout: TimeAmount = .seconds(30)
    /// REMB cap sent to every video publisher once per second, bits/s (reference: 409 600).
    public var roomBitrate: UInt64 = 400_000
    private var ticks = 0
    /// Monotonic counters for metrics.
    public let counters = MediaCounters()

    public init(socket: MediaSocket, dtlsContext: DTLSContext, announcedAddress: String, logger: Logger) {
        SRTPContext.initializeLibrary()
        self.socket = socket
        self.dtlsContext = dtlsContext
        self.announcedAddress = announcedAddress
        self.logger = logger
        ticker = socket.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(SFU.tickInterval),
                                                       delay: .milliseconds(SFU.tickInterval)) { [weak self] _ in
            self?.tick()
        }
    }

    /// Answers a publisher's SDP offer for stream `key` in room `roomID`.
    /// - Returns: the SDP answer (ice-lite, BUNDLE, one host candidate).
    /// - Throws: `SFUError.invalidSDP` with the reason for unparseable / non-WebRTC offers or
    ///   offers without a receivable video section; `SFUError.transport` on OpenSSL failure.
    public func publish(roomID: String, key: StreamKey, offer: String) throws -> String {
        let parsed: SessionDescription
        do { parsed = try SessionDescription.parse(offer) } catch { throw SFUError.invalidSDP("\(error)") }
        return try router(roomID).publish(key: key, offer: parsed).serialized()
    }

    /// Stops forwarding stream `key` at once and closes its transport.
    public func unpublish(roomID: String, key: StreamKey) {
        routers[roomID]?.unpublish(key: key)
        dropRouterIfEmpty(roomID)
    }

    /// Updates what `participantID` receives; returns the server's new offer for its subscriber
    /// peer connection and the subscribed (stream, mid) pairs.
    public func updateSubscriptions(roomID: String, participantID: String, subscribe: [StreamKey],
                                    unsubscribe: [StreamKey]) -> (offer: String, streams: [(StreamKey, String)]) {
        let result = router(roomID).updateSubscriptions(participantID: participantID, subscribe: subscribe,
                                                        unsubscribe: unsubscribe)
        return (result.offer.serialized(), result.streams)
    }

    /// Applies the subscriber's SDP answer to the last offer.
    /// - Throws: `SFUError.invalidSDP` (unparseable / mismatched answer), `SFUError.unknown`.
    public func applySubscriberAnswer(roomID: String, participantID: String, answer: String) throws {
        let parsed: SessionDescription
        do { parsed = try SessionDescription.parse(answer) } catch { throw SFUError.invalidSDP("\(error)") }
        guard let router = routers[roomID] else { throw SFUError.unknown("no media session for room \(roomID)") }
        try router.applySubscriberAnswer(participantID: participantID, answer: parsed)
    }

    /// Answers a participant's audio offer (one sendrecv Opus m-section, WSC §3.5): their
    /// microphone joins the room's mixer, muted until `setAudioEnabled(true)`; the answer's send
    /// stream carries the mix of everyone else.
    /// - Throws: `SFUError.invalidSDP` (unparseable, not WebRTC, no Opus), `SFUError.transport`.
    public func audioOffer(roomID: String, participantID: String, offer: String) throws -> String {
        let parsed: SessionDescription
        do { parsed = try SessionDescription.parse(offer) } catch { throw SFUError.invalidSDP("\(error)") }
        let room = try audioRoom(roomID)
        do {
            return try room.offer(participantID: participantID, offer: parsed).serialized()
        } catch {
            if room.isEmpty { audioRooms.removeValue(forKey: roomID)?.close() }
            throw error
        }
    }

    /// Unmutes (true) or mutes (false) the participant's microphone in the mix; remembered if
    /// the audio offer comes later.
    public func setAudioEnabled(roomID: String, participantID: String, enabled: Bool) {
        guard let room = try? audioRoom(roomID) else { return }
        room.setEnabled(participantID: participantID, enabled: enabled)
    }

    /// Closes every transport of `participantID` in `roomID`.
    public func removeParticipant(roomID: String, participantID: String) {
        routers[roomID]?.removeParticipant(participantID)
        dropRouterIfEmpty(roomID)
        if let room = audioRooms[roomID] {
            room.forget(participantID: participantID)
            if room.isEmpty { audioRooms.removeValue(forKey: roomID)?.close() }
        }
    }

    /// Closes the room's router, its mixer and all their transports.
    public func closeRoom(roomID: String) {
        routers.removeValue(forKey: roomID)?.close()
        audioRooms.removeValue(forKey: roomID)?.close()
    }

    func emit(_ event: SFUEvent) { onEvent?(event) }

    /// The reason reported for a closed transport: consent expiry of a transport that never
    /// received an authenticated binding request is "ICE never connected" (the peer never
    /// appeared; its participant does not leave for that), else `reason` unchanged.
    static func closeReason(_ transport: PeerTransport, _ reason: String) -> String {
        guard transport.lastConsentAt == nil, reason.hasPrefix("ICE consent expired") else { return reason }
        return "ICE never connected (no binding request within the consent timeout)"
    }

    private func audioRoom(_ roomID: String) throws -> AudioRoom {
        if let room = audioRooms[roomID] { return room }
        let room = try AudioRoom(id: roomID, sfu: self, sampleRate: audioSampleRate)
        audioRooms[roomID] = room
        return room
    }

    public func shutdown() {
        ticker?.cancel()
        for router in routers.values { router.close() }
        routers.removeAll()
        for room in audioRooms.values { room.close() }
        audioRooms.removeAll()
    }

    /// Counters for benchmarks and metrics.
    public func statistics() -> SFUStatistics {
        var s = SFUStatistics()
        s.rooms = routers.count
        s.audioRooms = audioRooms.count
        for room in audioRooms.values {
            s.audioFramesMixed += room.framesMixed
            for session in room.sessions.values {
                s.audioPacketsReceived += session.packetsReceived
                s.audioPacketsSent += session.packetsSent
            }
        }
        for router in routers.values {
            for session in router.subscribers.values { s.subscribedStreams += session.subscribedKeys.count }
        }
        s.transports = socket.transportCount
        s.datagramsReceived = socket.datagramsReceived
        s.datagramsSent = socket.datagramsSent
        s.drops = Dictionary(uniqueKeysWithValues: socket.drops.map { ($0.key.rawValue, $0.value) })
        s.drops.merge(counters.drops) { $0 + $1 }
        for router in routers.values {
            for session in router.publishers.values {
                for p in session.producers {
                    s.packetsReceived += p.packetsReceived
                    s.keyframeRequestsSent += p.keyframeRequestsSent
                    s.publishedStreams += 1
                    for c in p.consumers { s.packetsForwarded += c.packetsSent }
                }
            }
        }
        return s
    }

    func localTransport(for transport: PeerTransport) -> LocalTransport {
        LocalTransport(iceUfrag: transport.localUfrag, icePwd: transport.localPassword,
                       fingerprint: SDPFingerprint(algorithm: "sha-256", value: dtlsContext.certificate.sha256Fingerprint),
                       candidateAddress: announcedAddress, candidatePort: UInt16(socket.localAddress.port ?? 0),
                       sessionId: sessionID)
    }

    private func router(_ roomID: String) -> Router {
        if let r = routers[roomID] { return r }
        let r = Router(id: roomID, sfu: self)
        routers[roomID] = r
        return r
    }

    private func dropRouterIfEmpty(_ roomID: String) {
        if let r = routers[roomID], r.isEmpty { routers.removeValue(forKey: roomID) }
    }

    private func tick() {
        ticks += 1
        for router in routers.values { router.tick() }
        if ticks % Int(1000 / SFU.tickInterval) == 0 {
            socket.expireConsent(timeout: consentTimeout)
            for router in routers.values { router.sendBitrateCaps(roomBitrate) }
        }
    }
}

/// What the SFU reports upward (delivered on its event loop).
public enum SFUEvent: Sendable, Equatable {
    /// Talking detection changed (RFC 6464 levels with hysteresis); `false` also on mute/leave.
    case talking(roomID: String, participantID: String, isTalking: Bool)
    /// A transport ended on its own (DTLS failure or close, consent lost); `kind` is
    /// "audio", "video", "screen" or "subscriber".
    case transportClosed(roomID: String, participantID: String, kind: String, reason: String)
}

/// Snapshot of SFU counters.
public struct SFUStatistics: Sendable, Equatable {
    public var rooms = 0
    public var audioRooms = 0
    public var audioFramesMixed = 0
    public var audioPacketsReceived = 0
    public var audioPacketsSent = 0
    public var transports = 0
    public var datagramsReceived = 0
    public var datagramsSent = 0
    public var packetsReceived = 0
    public var packetsForwarded = 0
    public var publishedStreams = 0
    public var subscribedStreams = 0
    public var keyframeRequestsSent = 0
    public var drops: [String: Int] = [:]

    public init() {}
}
