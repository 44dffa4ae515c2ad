import NIOCore
import RTP
import SDP
import WebRTCTransport

/// A publisher peer connection (WSC video-out / screen-out PC): its transport and one producer
/// per accepted audio/video m-section. Maps incoming SSRCs to producers from `a=ssrc` lines,
/// then from the RFC 8843 mid header extension, then from the payload type.
/// Confined to the media event loop.
final class PublisherSession: PeerTransportDelegate {
    let key: StreamKey
    let transport: PeerTransport
    private(set) var producers: [Producer] = []
    private var producerBySSRC: [UInt32: Producer] = [:]
    /// SSRC used as "sender SSRC" in the RTCP feedback we send (RFC 4585 §6.1).
    let rtcpSSRC = UInt32.random(in: 1...UInt32.max)
    weak var router: Router?
    /// The publisher's ICE credentials and DTLS fingerprint from its last offer (ICE restart
    /// detection, BH-11).
    var remoteICE: SDP.ICECredentials?
    var remoteFingerprint: SDPFingerprint?
    private(set) var unroutablePackets = 0
    private(set) var malformedPackets = 0
    /// Transport-wide sequence numbers → TWCC feedback (draft-holmer-rmcat-transport-wide-cc-
    /// extensions-01), when the publisher negotiated the extension and `transport-cc`.
    private let twccExtensionID: UInt8?
    private var feedbackRecorder = TransportFeedbackRecorder()
    private var lastFeedback: NIODeadline = .now()
    /// TWCC feedback interval (ms); libwebrtc's receive side sends every 50–250 ms.
    static let feedbackInterval: Int64 = 50
    private(set) var feedbackPacketsSent = 0
    /// Receiver reports go out once per second (RFC 3550 §6.2 allows far more at video rates).
    static let receiverReportInterval: Int64 = 1000
    private var lastReceiverReport: NIODeadline = .now()
    private(set) var receiverReportsSent = 0

    init(key: StreamKey, transport: PeerTransport, media: [NegotiatedMedia]) {
        self.key = key
        self.transport = transport
        twccExtensionID = media.lazy.filter { m in
            m.accepted && m.codecs.contains { $0.rtcpFeedback.contains { $0.matches(.transportCC) } }
        }.compactMap { $0.extensions.id(for: HeaderExtensionURI.transportWideCC) }.first
        for m in media where m.accepted && (m.kind == .video || m.kind == .audio) {
            let producer = Producer(key: key, media: m)
            producer.session = self
            producers.append(producer)
            for ssrc in m.ssrcs { producerBySSRC[ssrc] = producer }
        }
        transport.delegate = self
    }

    /// The producer subscribers of `key` receive: the first video producer.
    var videoProducer: Producer? { producers.first { $0.kind == .video } }

    func sendRTCP(_ packet: [UInt8]) { transport.sendRTCP(packet) }

    /// Caps the publisher's video bitrate with a REMB (draft-alvestrand-rmcat-remb) when the
    /// publisher negotiated goog-remb — the room bitrate (the reference uses 400 kbit/s).
    func sendBitrateCap(_ bitsPerSecond: UInt64) {
        guard transport.state == .connected else { return }
        let ssrcs = producers.filter { p in
            p.kind == .video && p.codecs.contains { $0.rtcpFeedback.contains { $0.matches(.remb) } }
        }.flatMap(\.mediaSSRCs)
        guard !ssrcs.isEmpty else { return }
        transport.sendRTCP(RTCPBuilder.remb(senderSSRC: rtcpSSRC, bitrate: bitsPerSecond, ssrcs: ssrcs))
    }

    /// A receiver report (RFC 3550 §6.4.2) about every layer received, at most once per
    /// `receiverReportInterval`: loss and jitter for the publisher's statistics and its
    /// bandwidth estimate, and the LSR/DLSR it needs for the round-trip time.
    func sendReceiverReport(now: NIODeadline) {
        guard transport.state == .connected, now - lastReceiverReport >= .milliseconds(PublisherSession.receiverReportInterval)
        else { return }
        lastReceiverReport = now
        let seconds = Double(now.uptimeNanoseconds) / 1e9
        let blocks = producers.flatMap { p in p.layers.compactMap { $0.makeReportBlock(now: seconds) } }
        guard !blocks.isEmpty else { return }
        for chunk in stride(from: 0, to: blocks.count, by: 31) {
            transport.sendRTCP(RTCPBuilder.receiverReport(ssrc: rtcpSSRC, reports: Array(blocks[chunk..<min(chunk + 31, blocks.count)])))
        }
        receiverReportsSent += 1
    }

    /// Sends the TWCC feedback recorded since the last one (also called from the router's tick,
    /// so a publisher that paused still gets its last arrivals reported).
    func sendTransportFeedback(now: NIODeadline = .now()) {
        guard twccExtensionID != nil, transport.state == .connected else { return }
        lastFeedback = now
        let mediaSSRC = producers.lazy.flatMap(\.mediaSSRCs).first ?? 0
        for packet in feedbackRecorder.makeFeedback(senderSSRC: rtcpSSRC, mediaSSRC: mediaSSRC) {
            feedbackPacketsSent += 1
            transport.sendRTCP(packet)
        }
    }

    func close() {
        for p in producers { p.detachAll() }
        transport.delegate = nil
        transport.close(reason: "unpublished")
    }

    // MARK: PeerTransportDelegate

    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) {
        guard let header = try? RTPHeader.parse(packet) else {
            malformedPackets += 1
            router?.counters.drop("rtp_malformed")
            return
        }
        let now = NIODeadline.now()
        if let id = twccExtensionID, let wide = header.transportWideSequence(id: id, in: packet) {
            // Every authenticated packet counts, probes and RTX included: the sender's bandwidth
            // estimate needs their arrival times.
            feedbackRecorder.record(wideSequence: wide, arrivalMicros: Int64(now.uptimeNanoseconds / 1000))
            if now - lastFeedback >= .milliseconds(PublisherSession.feedbackInterval) { sendTransportFeedback(now: now) }
        }
        guard let producer = producer(for: header, packet: packet) else {
            unroutablePackets += 1
            router?.counters.drop("rtp_unknown_stream")
            return
        }
        if !producer.receive(packet, header: header, now: now) {
            unroutablePackets += 1
            router?.counters.drop("rtp_unknown_layer")
        }
    }

    func transport(_ transport: PeerTransport, didReceiveRTCP packet: [UInt8]) {
        for item in RTCPPacket.parseCompoundLenient(packet).packets {
            if case .senderReport(let report) = item {
                for p in producers { p.receiveSenderReport(report) }
            }
        }
    }

    func transportDidConnect(_ transport: PeerTransport) {
        for p in producers {
            for consumer in p.consumers { p.requestKeyframe(layer: consumer.targetLayer) }
        }
    }

    func transportDidClose(_ transport: PeerTransport, reason: String) {
        router?.publisherTransportClosed(self, reason: reason)
    }

    private func producer(for header: RTPHeader, packet: [UInt8]) -> Producer? {
        if let p = producerBySSRC[header.ssrc] { return p }
        var found: Producer?
        for p in producers {
            if let id = p.extensions.id(for: HeaderExtensionURI.mid),
               let value = header.extensionValue(id: id, in: packet),
               String(decoding: value, as: UTF8.self) == p.mid {
                found = p
                break
            }
        }
        if found == nil {
            let candidates = producers.filter { $0.accepts(payloadType: header.payloadType) }
            if candidates.count == 1 { found = candidates[0] }
        }
        if let found, found.accepts(payloadType: header.payloadType) {
            producerBySSRC[header.ssrc] = found
            return found
        }
        return nil
    }
}
