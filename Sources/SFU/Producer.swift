import NIOCore
import RTP
import SDP

/// An incoming RTP stream from a publisher's m-section (mediasoup's Producer): the negotiated
/// codecs and header extensions, its layers (one, or one per simulcast rid) and the consumers it
/// feeds. Confined to the media event loop.
final class Producer {
    let key: StreamKey
    let mid: String
    let kind: MediaKind
    /// Codecs accepted in the publisher's answer, with the publisher's payload types.
    let codecs: [RTPCodec]
    /// Header extensions accepted in the publisher's answer (publisher's ids).
    let extensions: [RTPHeaderExtension]
    /// Layers from lowest to highest; exactly one without simulcast.
    let layers: [ProducerLayer]
    private var layerBySSRC: [UInt32: ProducerLayer] = [:]
    private var layerByRTXSSRC: [UInt32: ProducerLayer] = [:]
    /// RTX payload type → the payload type it repairs (`a=fmtp:<rtx> apt=<pt>`, RFC 4588 §8.1).
    let rtxPayloadTypes: [UInt8: UInt8]
    /// The publisher negotiated generic NACK: the SFU asks it for lost packets.
    let sendsNACK: Bool
    private(set) var rtxPaddingReceived = 0
    /// RTX packets repairing nothing the SFU had NACKed (redundant-payload probes): dropped.
    private(set) var rtxRedundantReceived = 0
    private let ridExtensionID: UInt8?
    private let repairedRidExtensionID: UInt8?
    private(set) var consumers: [Consumer] = []
    weak var session: PublisherSession?
    /// Publisher header-extension id → the id subscribers know it by
    /// (`SubscriberSession.forwardedExtensions`); other elements are stripped, once per packet,
    /// before the packet is buffered and handed to the consumers.
    let forwardedExtensionIDs: [UInt8: UInt8]
    private let extensionIDsUnchanged: Bool
    private(set) var keyframeRequestsSent = 0
    private(set) var packetsReceived = 0
    private(set) var bytesReceived = 0

    init(key: StreamKey, media: NegotiatedMedia) {
        self.key = key
        self.mid = media.mid
        self.kind = media.kind
        self.codecs = media.codecs
        self.extensions = media.extensions
        var forwarded: [UInt8: UInt8] = [:]
        for ext in media.extensions {
            if let id = SubscriberSession.forwardedExtensions[ext.uri] { forwarded[ext.id] = id }
        }
        forwardedExtensionIDs = forwarded
        extensionIDsUnchanged = forwarded.count == media.extensions.count && forwarded.allSatisfy { $0.key == $0.value }
        ridExtensionID = media.extensions.id(for: HeaderExtensionURI.rtpStreamId)
        repairedRidExtensionID = media.extensions.id(for: HeaderExtensionURI.repairedRtpStreamId)
        var rtx: [UInt8: UInt8] = [:]
        for codec in media.codecs { if let pt = codec.rtxPayloadType { rtx[pt] = codec.payloadType } }
        rtxPayloadTypes = rtx
        sendsNACK = media.kind == .video && media.codecs.contains { $0.rtcpFeedback.contains { $0.matches(.nack) } }
        let clockRate = media.codecs.first?.clockRate ?? 90_000
        if media.isSimulcast {
            layers = ProducerLayer.ranked(media.rids).enumerated().map {
                ProducerLayer(index: $0, rid: $1, ssrc: nil, clockRate: clockRate)
            }
        } else {
            let layer = ProducerLayer(index: 0, rid: nil, ssrc: media.ssrcs.first, clockRate: clockRate)
            layer.rtxSSRC = media.ssrcs.first.flatMap { media.rtxSSRCs[$0] }
            layers = [layer]
        }
        for layer in layers {
            if let ssrc = layer.ssrc { layerBySSRC[ssrc] = layer }
            if let rtx = layer.rtxSSRC { layerByRTXSSRC[rtx] = layer }
        }
    }

    /// True for a primary or RTX payload type of this producer.
    func accepts(payloadType: UInt8) -> Bool {
        mediaPayloadTypes.contains(payloadType) || rtxPayloadTypes[payloadType] != nil
    }

    var isSimulcast: Bool { layers.count > 1 || layers.first?.rid != nil }

    /// Primary (non-RTX) payload types.
    var mediaPayloadTypes: Set<UInt8> { Set(codecs.map(\.payloadType)) }

    func codec(for payloadType: UInt8) -> RTPCodec? { codecs.first { $0.payloadType == payloadType } }

    /// SSRC of the lowest layer seen so far (used where one SSRC stands for the stream, e.g. REMB).
    var mediaSSRCs: [UInt32] { layers.compactMap(\.ssrc) }

    func attach(_ consumer: Consumer) {
        consumers.append(consumer)
        requestKeyframe(layer: consumer.targetLayer)
    }

    func detach(_ consumer: Consumer) {
        consumers.removeAll { $0 === consumer }
    }

    func detachAll() {
        for c in consumers { c.producerClosed() }
        consumers.removeAll()
    }

    /// The layer a packet belongs to: by SSRC once known; else by the rid header extension
    /// (simulcast), else the single layer. Packets of a simulcast stream without a known SSRC or
    /// a rid, and repaired (RTX) streams, are not routed.
    func layer(for header: RTPHeader, packet: [UInt8]) -> ProducerLayer? {
        if let layer = layerBySSRC[header.ssrc] { return layer }
        guard rtxPayloadTypes[header.payloadType] == nil else { return nil }
        if let id = repairedRidExtensionID, header.extensionValue(id: id, in: packet) != nil { return nil }
        guard isSimulcast else {
            let layer = layers[0]
            if let old = layer.ssrc { layerBySSRC.removeValue(forKey: old) }
            layer.ssrc = header.ssrc
            layerBySSRC[header.ssrc] = layer
            return layer
        }
        guard let id = ridExtensionID, let value = header.extensionValue(id: id, in: packet) else { return nil }
        let rid = String(decoding: value, as: UTF8.self)
        guard let layer = layers.first(where: { $0.rid == rid }) else { return nil }
        if let old = layer.ssrc { layerBySSRC.removeValue(forKey: old) }
        layer.ssrc = header.ssrc
        layerBySSRC[header.ssrc] = layer
        return layer
    }

    /// The layer an RTX packet repairs: by RTX SSRC once known, else by the repaired-rtp-stream-id
    /// extension (simulcast), else the single layer.
    private func repairedLayer(for header: RTPHeader, packet: [UInt8]) -> ProducerLayer? {
        if let layer = layerByRTXSSRC[header.ssrc] { return layer }
        var found: ProducerLayer?
        if let id = repairedRidExtensionID, let value = header.extensionValue(id: id, in: packet) {
            let rid = String(decoding: value, as: UTF8.self)
            found = layers.first { $0.rid == rid }
        } else if !isSimulcast {
            found = layers.first
        }
        guard let found else { return nil }
        if let old = found.rtxSSRC { layerByRTXSSRC.removeValue(forKey: old) }
        found.rtxSSRC = header.ssrc
        layerByRTXSSRC[header.ssrc] = found
        return found
    }

    /// Forwards one decrypted RTP packet to every consumer. RTX packets (RFC 4588) are unwrapped
    /// into the packet they repair; RTX padding (bandwidth probes) is counted and dropped.
    /// - Returns: false when the packet matches no layer (the caller counts the drop).
    @discardableResult
    func receive(_ packet: [UInt8], header: RTPHeader, now: NIODeadline = .now()) -> Bool {
        if let original = rtxPayloadTypes[header.payloadType] {
            guard let layer = repairedLayer(for: header, packet: packet) else { return false }
            guard !header.isPaddingOnly, header.payloadLength > 2, let ssrc = layer.ssrc,
                  let repaired = RTXPacket.unwrap(packet, header: header, originalPayloadType: original, originalSSRC: ssrc),
                  let repairedHeader = try? RTPHeader.parse(repaired) else {
                rtxPaddingReceived += 1
                return true
            }
            return receive(repaired, header: repairedHeader, layer: layer, recovered: true, now: now)
        }
        guard let layer = layer(for: header, packet: packet) else { return false }
        return receive(packet, header: header, layer: layer, recovered: false, now: now)
    }

    private func receive(_ received: [UInt8], header receivedHeader: RTPHeader, layer: ProducerLayer, recovered: Bool,
                         now: NIODeadline) -> Bool {
        packetsReceived += 1
        bytesReceived += received.count
        guard let codec = codec(for: receivedHeader.payloadType) else { return true }
        var packet = received
        var header = receivedHeader
        if header.extensionProfile != nil, !extensionIDsUnchanged {
            let map = forwardedExtensionIDs
            guard RTPRewriter.remapExtensionIDs(&packet, header: header, map: { map[$0] }) != nil,
                  let remapped = try? RTPHeader.parse(packet) else {
                session?.router?.counters.drop("rtp_bad_extension")
                return true
            }
            header = remapped
        }
        let tracked = layer.track(header, bytes: packet.count, arrival: Double(now.uptimeNanoseconds) / 1e9,
                                  recovered: recovered)
        if sendsNACK, !tracked.missing.isEmpty, let ssrc = layer.ssrc, let session {
            session.sendRTCP(RTCPBuilder.nack(senderSSRC: session.rtcpSSRC, mediaSSRC: ssrc, lost: tracked.missing))
        }
        // An RTX packet the SFU did not ask for is a redundant payload (Chrome probes bandwidth by
        // resending recent packets on RTX): forwarding it would hand subscribers a copy of a packet
        // they already have (an SRTP replay on their side).
        if recovered && !tracked.wasMissing {
            rtxRedundantReceived += 1
            return true
        }
        layer.record(packet, header: header, buffered: kind == .video, now: now)
        var input = ConsumerTimeline.Input(layer: layer.index, sequenceNumber: header.sequenceNumber,
                                           timestamp: header.timestamp, isKeyframe: false,
                                           isPaddingOnly: header.isPaddingOnly)
        if !header.isPaddingOnly {
            if codec.isVP8 {
                // One descriptor parse gives the key-frame flag and the fields the timeline rewrites.
                let payload = packet[header.payloadRange]
                if let descriptor = try? VP8PayloadDescriptor.parse(payload) {
                    input.isKeyframe = descriptor.startsKeyframe(in: payload)
                    input.pictureID = descriptor.pictureID
                    input.pictureIDModulus = descriptor.pictureIDModulus
                    input.tl0PicIdx = descriptor.tl0PicIdx
                }
            } else {
                input.isKeyframe = Producer.isKeyframe(packet, header: header, codec: codec)
            }
        }
        if input.isKeyframe { layer.keyframeSinceRequest = true }
        let nowMs = now.uptimeNanoseconds / 1_000_000
        for consumer in consumers {
            consumer.forward(packet, header: header, input: input, nowMs: Int64(nowMs))
        }
        return true
    }

    /// The stored packet `sequenceNumber` of layer `index`, if still buffered.
    func storedPacket(layer index: Int, _ sequenceNumber: UInt16) -> [UInt8]? {
        guard layers.indices.contains(index) else { return nil }
        return layers[index].storedPacket(sequenceNumber)
    }

    /// A sender report from the publisher: consumers currently on that layer send their own SR
    /// with the same NTP time and their own RTP timeline, so receivers keep lip sync.
    func receiveSenderReport(_ report: RTCPSenderReport) {
        guard let layer = layerBySSRC[report.ssrc] else { return }
        layer.lastSenderReport = report
        layer.lastSenderReportArrival = Double(NIODeadline.now().uptimeNanoseconds) / 1e9
        for consumer in consumers { consumer.forwardSenderReport(report, layer: layer.index) }
    }

    /// Sends a PLI (RFC 4585 §6.3.1) for layer `index` to the publisher, at most once per
    /// `ProducerLayer.keyframeRequestInterval` while a requested key frame is still on its way.
    /// Returns true when a request went out.
    @discardableResult
    func requestKeyframe(layer index: Int, now: NIODeadline = .now()) -> Bool {
        guard kind == .video, layers.indices.contains(index), let session else { return false }
        let layer = layers[index]
        guard let ssrc = layer.ssrc else { return false }
        if let last = layer.lastKeyframeRequest, !layer.keyframeSinceRequest,
           now - last < .milliseconds(ProducerLayer.keyframeRequestInterval) { return false }
        layer.lastKeyframeRequest = now
        layer.keyframeSinceRequest = false
        keyframeRequestsSent += 1
        session.router?.counters.keyframeRequests += 1
        session.sendRTCP(RTCPBuilder.pli(senderSSRC: session.rtcpSSRC, mediaSSRC: ssrc))
        return true
    }

    /// Periodic work: NACK retries, layer bitrates, then each consumer's layer choice and pending
    /// key frames.
    func tick(now: NIODeadline) {
        if sendsNACK, let session {
            for layer in layers {
                guard let ssrc = layer.ssrc else { continue }
                let again = layer.sequenceNumbersToRenack()
                if !again.isEmpty {
                    session.sendRTCP(RTCPBuilder.nack(senderSSRC: session.rtcpSSRC, mediaSSRC: ssrc, lost: again))
                }
            }
        }
        for layer in layers { layer.updateBitrate(now: now) }
        let status = layers.map { ($0.index, $0.bitrate, $0.isActive(now: now)) }
        for consumer in consumers {
            consumer.selectLayer(status)
            if consumer.needsKeyframe && consumer.isSubscriberConnected {
                requestKeyframe(layer: consumer.targetLayer, now: now)
            }
        }
    }

    /// True when the packet starts a frame a decoder can begin with (VP8/VP9 key frame, AV1 new
    /// coded video sequence, H264 IDR/SPS; every audio packet).
    static func isKeyframe(_ packet: [UInt8], header: RTPHeader, codec: RTPCodec) -> Bool {
        guard header.payloadOffset + header.payloadLength <= packet.count else { return false }
        let payload = packet[header.payloadRange]
        if codec.isVP8 { return VP8PayloadDescriptor.isKeyframe(payload: payload) }
        if codec.isH264 { return H264Payload.isKeyframe(payload: payload) }
        if codec.isVP9 { return VP9PayloadDescriptor.isKeyframe(payload: payload) }
        if codec.isAV1 { return AV1AggregationHeader.isKeyframe(payload: payload) }
        return codec.clockRate != 90000
    }
}
