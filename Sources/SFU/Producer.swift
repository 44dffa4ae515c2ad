import NIOCore
import RTP
import SDP

/// An incoming RTP stream from a publisher's m-section (mediasoup's Producer): the negotiated
/// codecs and header extensions, the SSRCs it uses, and the consumers it feeds.
/// Confined to the media event loop.
final class Producer {
    let key: StreamKey
    let mid: String
    let kind: MediaKind
    /// Codecs accepted in the publisher's answer, with the publisher's payload types.
    let codecs: [RTPCodec]
    /// Header extensions accepted in the publisher's answer (publisher's ids).
    let extensions: [RTPHeaderExtension]
    /// Media SSRCs seen or announced (a=ssrc); the latest one receives keyframe requests.
    private(set) var mediaSSRC: UInt32?
    private(set) var consumers: [Consumer] = []
    weak var session: PublisherSession?

    /// Minimum interval between two keyframe requests for this stream (ms).
    static let keyframeRequestInterval: Int64 = 1000
    private var lastKeyframeRequest: NIODeadline?
    /// A key frame arrived after the last request: a new request need not wait for the interval
    /// (the key frame may have reached no consumer that was ready for it).
    private var keyframeSinceRequest = false
    private(set) var keyframeRequestsSent = 0
    private(set) var packetsReceived = 0
    private(set) var bytesReceived = 0
    /// Recent packets for retransmission on NACK (RFC 4585 §6.2.1), by sequence number modulo
    /// `retransmissionBufferSize`. Bounded: the oldest entry is overwritten.
    static let retransmissionBufferSize = 1024
    private var recentPackets: [(sequenceNumber: UInt16, packet: [UInt8])?] =
        Array(repeating: nil, count: Producer.retransmissionBufferSize)
    /// The last sender report (RFC 3550 §6.4.1) of the media SSRC: NTP time ↔ RTP time.
    private(set) var lastSenderReport: RTCPSenderReport?

    init(key: StreamKey, media: NegotiatedMedia) {
        self.key = key
        self.mid = media.mid
        self.kind = media.kind
        self.codecs = media.codecs
        self.extensions = media.extensions
        self.mediaSSRC = media.ssrcs.first
    }

    /// Primary (non-RTX) payload types.
    var mediaPayloadTypes: Set<UInt8> { Set(codecs.map(\.payloadType)) }

    func codec(for payloadType: UInt8) -> RTPCodec? { codecs.first { $0.payloadType == payloadType } }

    func attach(_ consumer: Consumer) {
        consumers.append(consumer)
        requestKeyframe()
    }

    func detach(_ consumer: Consumer) {
        consumers.removeAll { $0 === consumer }
    }

    func detachAll() {
        for c in consumers { c.producerClosed() }
        consumers.removeAll()
    }

    /// Forwards one decrypted RTP packet to every consumer.
    func receive(_ packet: [UInt8], header: RTPHeader) {
        packetsReceived += 1
        bytesReceived += packet.count
        if mediaSSRC != header.ssrc { mediaSSRC = header.ssrc }
        guard let codec = codec(for: header.payloadType) else { return }
        if kind == .video {
            recentPackets[Int(header.sequenceNumber) % Producer.retransmissionBufferSize] = (header.sequenceNumber, packet)
        }
        let keyframe = Producer.isKeyframe(packet, header: header, codec: codec)
        if keyframe { keyframeSinceRequest = true }
        for consumer in consumers { consumer.forward(packet, header: header, isKeyframe: keyframe) }
    }

    /// The stored packet with `sequenceNumber`, if it is still in the buffer.
    func storedPacket(_ sequenceNumber: UInt16) -> [UInt8]? {
        guard let entry = recentPackets[Int(sequenceNumber) % Producer.retransmissionBufferSize],
              entry.sequenceNumber == sequenceNumber else { return nil }
        return entry.packet
    }

    /// A sender report from the publisher for our media SSRC: every consumer sends its own SR
    /// with the same NTP time and its own RTP timeline, so receivers keep lip sync.
    func receiveSenderReport(_ report: RTCPSenderReport) {
        guard report.ssrc == mediaSSRC else { return }
        lastSenderReport = report
        for consumer in consumers { consumer.forwardSenderReport(report) }
    }

    /// Sends a PLI (RFC 4585 §6.3.1) to the publisher, at most once per `keyframeRequestInterval`
    /// while a requested key frame is still on its way. Returns true when a request went out.
    @discardableResult
    func requestKeyframe(now: NIODeadline = .now()) -> Bool {
        guard kind == .video, let ssrc = mediaSSRC, let session else { return false }
        if let last = lastKeyframeRequest, !keyframeSinceRequest,
           now - last < .milliseconds(Producer.keyframeRequestInterval) { return false }
        lastKeyframeRequest = now
        keyframeSinceRequest = false
        keyframeRequestsSent += 1
        session.router?.counters.keyframeRequests += 1
        session.sendRTCP(RTCPBuilder.pli(senderSSRC: session.rtcpSSRC, mediaSSRC: ssrc))
        return true
    }

    /// True when the packet starts a frame a decoder can begin with (VP8 key frame, H264 IDR/SPS;
    /// every audio packet).
    static func isKeyframe(_ packet: [UInt8], header: RTPHeader, codec: RTPCodec) -> Bool {
        guard header.payloadOffset + header.payloadLength <= packet.count else { return false }
        let payload = packet[header.payloadRange]
        if codec.isVP8 { return VP8PayloadDescriptor.isKeyframe(payload: payload) }
        if codec.isH264 { return H264Payload.isKeyframe(payload: payload) }
        return codec.clockRate != 90000
    }
}
