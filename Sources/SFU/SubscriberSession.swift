import RTP
import SDP
import WebRTCTransport

/// A subscriber peer connection (WSC video-in PC, spec §2.7/§3.3): the server offers one m-line
/// per subscribed stream; mids are never reused for another stream, freed m-lines become
/// `port 0` slots that are recycled for later streams. Payload types are chosen per peer
/// connection (a codec keeps its number across m-lines, a number never means two codecs).
/// Confined to the media event loop.
final class SubscriberSession: PeerTransportDelegate {
    struct Slot {
        var stream: SubscriberStream
        var consumer: Consumer?
        var key: StreamKey?
    }

    let participantID: String
    let transport: PeerTransport
    weak var router: Router?
    private(set) var slots: [Slot] = []
    private var nextMid = 0
    private(set) var sessionVersion: UInt64 = 0
    private var consumerBySSRC: [UInt32: Consumer] = [:]
    private var payloadTypeByCodec: [String: UInt8] = [:]
    private var codecByPayloadType: [UInt8: String] = [:]
    private var remoteDTLSInstalled = false
    private(set) var keyframeRequestsFromSubscriber = 0
    let cname: String

    /// Header extensions forwarded to subscribers, with the ids the server offers for them.
    static let forwardedExtensions: [String: UInt8] = [
        HeaderExtensionURI.audioLevel: 1,
        HeaderExtensionURI.absSendTime: 2,
        HeaderExtensionURI.videoOrientation: 3,
    ]

    init(participantID: String, transport: PeerTransport) {
        self.participantID = participantID
        self.transport = transport
        self.cname = "parley-\(transport.id)"
        transport.delegate = self
    }

    var isConnected: Bool { transport.state == .connected }
    var streams: [SubscriberStream] { slots.map(\.stream) }
    var subscribedKeys: [StreamKey] { slots.compactMap { $0.consumer == nil ? nil : $0.key } }

    func send(_ packet: [UInt8]) { transport.sendRTP(packet) }
    func sendRTCP(_ packet: [UInt8]) { transport.sendRTCP(packet) }

    /// Applies subscription changes. Returns the streams now offered (slot order = m-line order).
    func update(subscribe: [Producer], unsubscribe: [StreamKey]) -> [SubscriberStream] {
        for key in Set(unsubscribe) {
            for i in slots.indices where slots[i].key == key && slots[i].consumer != nil {
                release(slot: i)
            }
        }
        for producer in subscribe where !subscribedKeys.contains(producer.key) {
            add(producer)
        }
        sessionVersion += 1
        return streams
    }

    /// Reads the subscriber's answer: installs the remote DTLS parameters on first use.
    /// - Throws: `SFUError.invalidSDP` when the answer does not match the last offer.
    func applyAnswer(_ answer: SessionDescription) throws {
        let info: SubscriberAnswerInfo
        do {
            info = try parseSubscriberAnswer(answer, offered: streams)
        } catch {
            throw SFUError.invalidSDP("\(error)")
        }
        if !remoteDTLSInstalled {
            let role: WebRTCTransport.DTLSRole = info.dtlsRole == .client ? .client : .server
            let fingerprint = info.remoteFingerprint.algorithm == "sha-256" ? info.remoteFingerprint.value : nil
            do {
                try transport.setRemoteDTLS(role: role, fingerprint: fingerprint)
            } catch {
                throw SFUError.transport("\(error)")
            }
            remoteDTLSInstalled = true
        }
        for media in info.media {
            for slot in slots where slot.stream.mid == media.mid {
                slot.consumer?.answerBitrateLimit = media.maxBitrate
                slot.consumer?.acceptRTX(payloadTypes: Set(media.payloadTypes))
            }
        }
    }

    /// Removes every consumer of `key` (its producer went away).
    func producerRemoved(_ key: StreamKey) {
        for i in slots.indices where slots[i].key == key && slots[i].consumer != nil { release(slot: i) }
    }

    func close() {
        for i in slots.indices { slots[i].consumer?.close() }
        transport.delegate = nil
        transport.close(reason: "subscriber left")
    }

    private func add(_ producer: Producer) {
        let codecs = producer.codecs.map { codec -> RTPCodec in
            var c = codec
            c.payloadType = payloadType(for: codec)
            // RTX (RFC 4588) for video: NACKed packets go out on their own SSRC and sequence
            // numbers, so the subscriber's loss statistics stay right.
            c.rtxPayloadType = producer.kind == .video ? rtxPayloadType(for: c.payloadType) : nil
            c.rtcpFeedback = [.nack, .pli, .fir]
            return c
        }
        var ptMap: [UInt8: UInt8] = [:]
        for (from, to) in zip(producer.codecs, codecs) { ptMap[from.payloadType] = to.payloadType }
        var rtxMap: [UInt8: UInt8] = [:]
        for codec in codecs { if let rtx = codec.rtxPayloadType { rtxMap[codec.payloadType] = rtx } }
        let extensions = producer.extensions.compactMap { ext in
            SubscriberSession.forwardedExtensions[ext.uri].map { RTPHeaderExtension(id: $0, uri: ext.uri) }
        }
        let mid = String(nextMid)
        nextMid += 1
        let ssrc = freshSSRC()
        let rtxSSRC = rtxMap.isEmpty ? nil : freshSSRC(excluding: ssrc)
        let stream = SubscriberStream(mid: mid, kind: producer.kind, active: true,
                                      msidStreamId: producer.key.msidStreamID,
                                      msidTrackId: "\(producer.key.msidStreamID)/\(mid)",
                                      ssrc: ssrc, rtxSSRC: rtxSSRC, cname: cname, codecs: codecs, extensions: extensions)
        let consumer = Consumer(producer: producer, subscriber: self, mid: mid, ssrc: ssrc,
                                payloadTypeMap: ptMap)
        consumer.offeredRTX = rtxSSRC.map { (ssrc: $0, payloadTypes: rtxMap) }
        consumerBySSRC[ssrc] = consumer
        let slot = Slot(stream: stream, consumer: consumer, key: producer.key)
        if let free = slots.firstIndex(where: { !$0.stream.active && $0.stream.kind == producer.kind }) {
            slots[free] = slot
        } else {
            slots.append(slot)
        }
        producer.attach(consumer)
    }

    private func freshSSRC(excluding other: UInt32? = nil) -> UInt32 {
        var ssrc = UInt32.random(in: 1...UInt32.max)
        while consumerBySSRC[ssrc] != nil || ssrc == other || slots.contains(where: { $0.stream.rtxSSRC == ssrc }) {
            ssrc = UInt32.random(in: 1...UInt32.max)
        }
        return ssrc
    }

    /// The RTX payload type for media payload type `pt` in this peer connection (one per `apt`).
    private func rtxPayloadType(for pt: UInt8) -> UInt8 {
        payloadType(for: RTPCodec(payloadType: pt, name: "rtx", clockRate: 90_000,
                                  parameters: [SDPParameter("apt", String(pt))]))
    }

    private func release(slot i: Int) {
        if let consumer = slots[i].consumer {
            consumer.close()
            consumerBySSRC.removeValue(forKey: consumer.ssrc)
        }
        slots[i].consumer = nil
        slots[i].key = nil
        slots[i].stream.active = false
    }

    /// A payload type for `codec` in this peer connection: the one it already has here, else the
    /// publisher's number when free, else the first free dynamic number (96–127, then 35–63).
    private func payloadType(for codec: RTPCodec) -> UInt8 {
        let identity = "\(codec.normalizedName)/\(codec.clockRate)/\(codec.channels ?? 1)/"
            + codec.parameters.map { "\($0.name.lowercased())=\($0.value ?? "")" }.sorted().joined(separator: ";")
        if let pt = payloadTypeByCodec[identity] { return pt }
        let candidates = [codec.payloadType] + Array(96...127) + Array(35...63)
        let pt = candidates.first { codecByPayloadType[$0] == nil } ?? codec.payloadType
        payloadTypeByCodec[identity] = pt
        codecByPayloadType[pt] = identity
        return pt
    }

    // MARK: PeerTransportDelegate

    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) {}

    func transport(_ transport: PeerTransport, didReceiveRTCP packet: [UInt8]) {
        for item in RTCPPacket.parseCompoundLenient(packet).packets {
            switch item {
            case .pli(_, let mediaSSRC):
                keyframeRequestsFromSubscriber += 1
                consumerBySSRC[mediaSSRC]?.requestKeyframe()
            case .nack(_, let mediaSSRC, let lost):
                consumerBySSRC[mediaSSRC]?.retransmit(lost)
            case .fir(_, let entries):
                keyframeRequestsFromSubscriber += 1
                for entry in entries { consumerBySSRC[entry.ssrc]?.requestKeyframe() }
            case .receiverReport(let report):
                receiveReportBlocks(report.reports)
            case .senderReport(let report):
                receiveReportBlocks(report.reports)
            case .remb(_, let bitrate, let ssrcs):
                // One estimate for the whole transport: split evenly over the named streams.
                let named = ssrcs.compactMap { consumerBySSRC[$0] }
                for consumer in named {
                    consumer.receiveEstimate(bitrate / UInt64(max(1, named.count)),
                                             currentLayerBitrate: currentLayerBitrate(of: consumer))
                }
            default:
                break
            }
        }
    }

    private func receiveReportBlocks(_ blocks: [RTCPReportBlock]) {
        for block in blocks {
            guard let consumer = consumerBySSRC[block.ssrc] else { continue }
            consumer.receiveReport(block, currentLayerBitrate: currentLayerBitrate(of: consumer))
        }
    }

    private func currentLayerBitrate(of consumer: Consumer) -> UInt64? {
        guard let index = consumer.currentLayer, let layers = consumer.producer?.layers,
              layers.indices.contains(index) else { return nil }
        return layers[index].bitrate
    }

    func transportDidConnect(_ transport: PeerTransport) {
        for slot in slots { slot.consumer?.requestKeyframe() }
    }

    func transportDidClose(_ transport: PeerTransport, reason: String) {
        router?.subscriberTransportClosed(self, reason: reason)
    }
}
