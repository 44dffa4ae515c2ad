import Logging
import NIOCore
import SDP
import WebRTCTransport

/// All media of one meeting (mediasoup's Router): its publisher sessions by stream key and its
/// subscriber sessions by participant. Confined to the media event loop.
final class Router {
    let id: String
    private unowned let sfu: SFU
    private(set) var publishers: [StreamKey: PublisherSession] = [:]
    private(set) var subscribers: [String: SubscriberSession] = [:]
    var logger: Logger { sfu.logger }
    var counters: MediaCounters { sfu.counters }

    /// What publishers may send: rid-based simulcast (RFC 8853), transport-wide congestion
    /// control (the SFU sends TWCC feedback), REMB, NACK, PLI, FIR.
    static let publisherCapabilities = ServerCapabilities.default

    init(id: String, sfu: SFU) {
        self.id = id
        self.sfu = sfu
    }

    var isEmpty: Bool { publishers.isEmpty && subscribers.isEmpty }

    /// Answers a publisher offer. An ICE restart of the current session of `key` (new ice-ufrag or
    /// ice-pwd, same DTLS fingerprint and same m-sections; BH-11, RFC 8445 §9) keeps the transport,
    /// its DTLS association, SRTP contexts and producers, and answers with new local credentials;
    /// any other offer replaces the previous publisher session of `key`.
    func publish(key: StreamKey, offer: SessionDescription) throws -> SessionDescription {
        if let existing = publishers[key], let answer = try restartICE(existing, offer: offer) { return answer }
        let transport = PeerTransport(dtlsContext: sfu.dtlsContext)
        let negotiated: PublisherAnswer
        do {
            negotiated = try answerPublisherOffer(offer, local: sfu.localTransport(for: transport),
                                                  capabilities: Router.publisherCapabilities)
        } catch {
            throw SFUError.invalidSDP("\(error)")
        }
        guard negotiated.media.contains(where: { $0.accepted && $0.kind == .video }) else {
            throw SFUError.invalidSDP("the offer has no video m-section the server can receive (VP8, VP9, AV1 or H264)")
        }
        let role: WebRTCTransport.DTLSRole = negotiated.dtlsRole == .client ? .client : .server
        let fingerprint = negotiated.remoteFingerprint.algorithm == "sha-256" ? negotiated.remoteFingerprint.value : nil
        do {
            try transport.setRemoteDTLS(role: role, fingerprint: fingerprint)
        } catch {
            throw SFUError.transport("\(error)")
        }
        unpublish(key: key)
        sfu.socket.register(transport)
        let session = PublisherSession(key: key, transport: transport, media: negotiated.media)
        session.remoteICE = negotiated.remoteICE
        session.remoteFingerprint = negotiated.remoteFingerprint
        session.router = self
        publishers[key] = session
        logger.info("publisher \(key) in \(id): transport \(transport.id), \(session.producers.count) producer(s)")
        return negotiated.answer
    }

    /// The answer to `offer` as an ICE restart of `session`, or nil when `offer` is not one (the
    /// caller then replaces the session).
    private func restartICE(_ session: PublisherSession, offer: SessionDescription) throws -> SessionDescription? {
        guard session.transport.state != .closed, let previous = session.remoteICE,
              isICERestart(previous: previous, offer: offer) else { return nil }
        // Same peer: same fingerprint and the same mids as the running session.
        let mids = offer.media.filter { offer.isLive($0) }.compactMap(\.mid)
        guard let tag = offer.media.first(where: { offer.isLive($0) }),
              offer.fingerprints(for: tag).contains(where: { fp in session.remoteFingerprint.map { fp.matches($0) } ?? false }),
              Set(mids) == Set(session.producers.map(\.mid)) else { return nil }
        let credentials = session.transport.restartICE()
        let negotiated: PublisherAnswer
        do {
            negotiated = try answerPublisherOffer(offer, local: sfu.localTransport(for: session.transport),
                                                  capabilities: Router.publisherCapabilities)
        } catch {
            throw SFUError.invalidSDP("\(error)")
        }
        session.remoteICE = negotiated.remoteICE
        logger.info("publisher \(session.key) in \(id): ICE restart, new local ufrag \(credentials.ufrag)")
        return negotiated.answer
    }

    func unpublish(key: StreamKey) {
        guard let session = publishers.removeValue(forKey: key) else { return }
        for subscriber in subscribers.values { subscriber.producerRemoved(key) }
        session.close()
    }

    /// Applies subscription changes for `participantID` and returns the new server offer and
    /// the (stream, mid) pairs now subscribed. Unknown stream keys are ignored (the publisher may
    /// not have published yet); `subscribe` of an already subscribed key is a no-op.
    func updateSubscriptions(participantID: String, subscribe: [StreamKey], unsubscribe: [StreamKey])
        -> (offer: SessionDescription, streams: [(StreamKey, String)]) {
        let session: SubscriberSession
        if let existing = subscribers[participantID] {
            session = existing
        } else {
            let transport = PeerTransport(dtlsContext: sfu.dtlsContext)
            sfu.socket.register(transport)
            session = SubscriberSession(participantID: participantID, transport: transport)
            session.router = self
            subscribers[participantID] = session
        }
        let producers = subscribe.compactMap { publishers[$0]?.videoProducer }
        let streams = session.update(subscribe: producers, unsubscribe: unsubscribe)
        let offer = makeSubscriberOffer(local: sfu.localTransport(for: session.transport),
                                        sessionVersion: session.sessionVersion, streams: streams)
        let subscribed = session.slots.compactMap { slot in slot.key.map { ($0, slot.stream.mid) } }
        return (offer, subscribed)
    }

    func applySubscriberAnswer(participantID: String, answer: SessionDescription) throws {
        guard let session = subscribers[participantID] else {
            throw SFUError.unknown("no subscription offer was made to \(participantID)")
        }
        try session.applyAnswer(answer)
    }

    func removeParticipant(_ participantID: String) {
        for key in publishers.keys where key.participantID == participantID { unpublish(key: key) }
        if let session = subscribers.removeValue(forKey: participantID) { session.close() }
    }

    func close() {
        for key in Array(publishers.keys) { unpublish(key: key) }
        for session in subscribers.values { session.close() }
        subscribers.removeAll()
    }

    /// Periodic work (every `SFU.tickInterval`): layer bitrates and choices, keyframe requests
    /// for consumers still waiting for one.
    func tick(now: NIODeadline = .now()) {
        for session in publishers.values {
            for producer in session.producers { producer.tick(now: now) }
            session.sendTransportFeedback(now: now)
            session.sendReceiverReport(now: now)
        }
    }

    func sendBitrateCaps(_ bitsPerSecond: UInt64) {
        for session in publishers.values { session.sendBitrateCap(bitsPerSecond) }
    }

    func publisherTransportClosed(_ session: PublisherSession, reason: String) {
        guard publishers[session.key] === session else { return }
        logger.info("publisher \(session.key) transport closed: \(reason)")
        publishers.removeValue(forKey: session.key)
        for subscriber in subscribers.values { subscriber.producerRemoved(session.key) }
        for p in session.producers { p.detachAll() }
        sfu.emit(.transportClosed(roomID: id, participantID: session.key.participantID, kind: session.key.name,
                                  reason: SFU.closeReason(session.transport, reason)))
    }

    func subscriberTransportClosed(_ session: SubscriberSession, reason: String) {
        guard subscribers[session.participantID] === session else { return }
        logger.info("subscriber \(session.participantID) transport closed: \(reason)")
        subscribers.removeValue(forKey: session.participantID)
        for slot in session.slots { slot.consumer?.close() }
        sfu.emit(.transportClosed(roomID: id, participantID: session.participantID, kind: "subscriber",
                                  reason: SFU.closeReason(session.transport, reason)))
    }
}
