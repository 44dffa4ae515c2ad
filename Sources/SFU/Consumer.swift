import Logging
import RTP
import SDP

/// One subscriber's copy of one producer (mediasoup's Consumer): picks the producer layer the
/// subscriber's bandwidth allows, and rewrites SSRC, payload type, sequence numbers, timestamps
/// and VP8 PictureID/TL0PICIDX into one continuous stream for the subscriber (see
/// `ConsumerTimeline`); header-extension ids were already mapped once by the producer. Starts and switches layers only at key frames.
/// Confined to the media event loop.
final class Consumer {
    private(set) weak var producer: Producer?
    private weak var subscriber: SubscriberSession?
    let key: StreamKey
    let mid: String
    /// The SSRC the subscriber sees (announced in the server's offer).
    let ssrc: UInt32
    /// Publisher payload type → subscriber payload type.
    let payloadTypeMap: [UInt8: UInt8]
    /// The layer the consumer wants; the timeline switches to it at its next key frame.
    private(set) var targetLayer: Int
    private var timeline = ConsumerTimeline()
    /// RTX the server offered (its SSRC, subscriber PT → RTX PT) and what the answer accepted.
    var offeredRTX: (ssrc: UInt32, payloadTypes: [UInt8: UInt8])?
    private(set) var rtx: (ssrc: UInt32, payloadTypes: [UInt8: UInt8])?
    private var rtxSequence = UInt16.random(in: 1...32767)

    /// Keeps the offered RTX payload types the subscriber's answer kept (RFC 4588 §8.6).
    func acceptRTX(payloadTypes answered: Set<UInt8>) {
        guard let offered = offeredRTX else { return }
        let kept = offered.payloadTypes.filter { answered.contains($0.key) && answered.contains($0.value) }
        rtx = kept.isEmpty ? nil : (offered.ssrc, kept)
    }

    /// The subscriber's answer limit and congestion feedback (see `ReceiveBandwidth`).
    private(set) var bandwidth = ReceiveBandwidth()
    /// Receive-bandwidth limit from the subscriber's answer (`b=TIAS`/`b=AS`), bits/s.
    var answerBitrateLimit: UInt64? {
        get { bandwidth.answerLimit }
        set { bandwidth.answerLimit = newValue }
    }
    private var nowMs: Int64 = 0

    /// What was sent under each outgoing sequence number (for NACK), modulo the ring size.
    private struct SentPacket {
        var sequenceNumber: UInt16
        var layer: Int
        var inputSequenceNumber: UInt16
        var timestamp: UInt32
        var pictureID: UInt16?
        var tl0PicIdx: UInt8?
    }
    private var sent = [SentPacket?](repeating: nil, count: ProducerLayer.retransmissionBufferSize)

    /// The SFU's counters, kept here: two weak loads per packet showed in the profile.
    private let counters: MediaCounters?
    private(set) var packetsSent = 0
    private(set) var bytesSent = 0
    private(set) var packetsRetransmitted = 0
    private(set) var retransmissionsUnavailable = 0
    private(set) var paddingDropped = 0

    init(producer: Producer, subscriber: SubscriberSession, mid: String, ssrc: UInt32,
         payloadTypeMap: [UInt8: UInt8]) {
        self.producer = producer
        self.subscriber = subscriber
        self.key = producer.key
        self.mid = mid
        self.ssrc = ssrc
        self.payloadTypeMap = payloadTypeMap
        counters = subscriber.router?.counters
        targetLayer = max(0, producer.layers.count - 1)
    }

    /// The layer being forwarded, nil before the first key frame.
    var currentLayer: Int? { timeline.currentLayer }
    var layerSwitches: Int { timeline.layerSwitches }
    var waitingForKeyframe: Bool { !timeline.hasStarted }
    /// A key frame of `targetLayer` is needed (first frame, or a pending switch).
    var needsKeyframe: Bool { timeline.currentLayer != targetLayer }
    var isSubscriberConnected: Bool { subscriber?.isConnected ?? false }

    /// The effective bandwidth limit, bits/s (nil: unlimited).
    var bitrateLimit: UInt64? { bandwidth.limit(nowMs: nowMs) }

    /// Chooses the target layer from the producer's layers `(index, bitrate bits/s, active)`: the
    /// highest active layer whose bitrate fits `bitrateLimit`, else the lowest active layer.
    /// Unchanged when no layer is active.
    func selectLayer(_ layers: [(index: Int, bitrate: UInt64, active: Bool)]) {
        let active = layers.filter(\.active).sorted { $0.index < $1.index }
        guard let lowest = active.first else { return }
        var choice = lowest.index
        if let limit = bitrateLimit {
            for layer in active where layer.bitrate <= limit { choice = max(choice, layer.index) }
        } else {
            choice = active.last?.index ?? choice
        }
        if choice != targetLayer {
            subscriber?.router?.logger.debug("consumer \(key) mid \(mid): layer \(targetLayer) -> \(choice)", metadata: [
                "answerLimit": "\(answerBitrateLimit.map(String.init) ?? "-")",
                "congestionLimit": "\(bandwidth.limit(nowMs: nowMs).map(String.init) ?? "-")",
                "congestionEvents": "\(bandwidth.congestionEvents)",
                "layers": "\(layers.map { "\($0.index):\($0.bitrate)\($0.active ? "" : "(inactive)")" })",
            ])
            targetLayer = choice
            if timeline.currentLayer != choice { producer?.requestKeyframe(layer: choice) }
        }
    }

    /// A report block about this consumer's SSRC (RFC 3550 §6.4), while the current layer runs
    /// at `currentLayerBitrate` bits/s.
    func receiveReport(_ block: RTCPReportBlock, currentLayerBitrate: UInt64?) {
        bandwidth.receiverReport(fractionLost: block.fractionLost, currentRate: currentLayerBitrate ?? 0, nowMs: nowMs)
    }

    /// A REMB (draft-alvestrand-rmcat-remb) from the subscriber naming this consumer's SSRC.
    func receiveEstimate(_ bitsPerSecond: UInt64, currentLayerBitrate: UInt64?) {
        bandwidth.estimate(bitsPerSecond, currentRate: currentLayerBitrate ?? 0, nowMs: nowMs)
    }

    /// Resends packets the subscriber reported lost (generic NACK, RFC 4585 §6.2.1) from the
    /// producer's buffer, rewritten exactly as the first time (same sequence number).
    func retransmit(_ lost: [UInt16]) {
        guard timeline.hasStarted, let producer, let subscriber, subscriber.isConnected else { return }
        for outSequence in lost.prefix(64) {
            guard let entry = sent[Int(outSequence) % sent.count], entry.sequenceNumber == outSequence,
                  let packet = producer.storedPacket(layer: entry.layer, entry.inputSequenceNumber),
                  let header = try? RTPHeader.parse(packet),
                  let payloadType = payloadTypeMap[header.payloadType] else {
                retransmissionsUnavailable += 1
                counters?.retransmissionsUnavailable += 1
                continue
            }
            if var out = rewritten(packet, header: header, payloadType: payloadType, sequenceNumber: entry.sequenceNumber,
                                   timestamp: entry.timestamp, pictureID: entry.pictureID, tl0PicIdx: entry.tl0PicIdx) {
                // The rewrite changed fixed header fields only: `header`'s offsets still describe
                // `out`; the OSN is the sequence number the subscriber saw.
                var outHeader = header
                outHeader.sequenceNumber = entry.sequenceNumber
                if let rtx, let rtxPT = rtx.payloadTypes[payloadType],
                   let wrapped = RTXPacket.wrap(out, header: outHeader, rtxPayloadType: rtxPT, rtxSSRC: rtx.ssrc,
                                                rtxSequence: rtxSequence) {
                    rtxSequence &+= 1
                    out = wrapped
                }
                packetsRetransmitted += 1
                counters?.retransmissions += 1
                counters?.videoPacketsForwarded += 1
                counters?.videoBytesForwarded += out.count
                subscriber.send(out)
            }
        }
    }

    /// Sends the publisher's sender report of `layer` translated to this consumer's SSRC and
    /// timeline, when that layer is the one being forwarded.
    func forwardSenderReport(_ report: RTCPSenderReport, layer: Int) {
        guard let offset = timeline.timestampOffset(forLayer: layer), let subscriber, subscriber.isConnected else { return }
        subscriber.sendRTCP(RTCPBuilder.senderReport(ssrc: ssrc, ntp: report.ntpTimestamp,
                                                     rtpTimestamp: report.rtpTimestamp &+ offset,
                                                     packetCount: UInt32(truncatingIfNeeded: packetsSent),
                                                     octetCount: UInt32(truncatingIfNeeded: bytesSent), reports: []))
    }

    /// Decides on and sends one packet of the producer. Packets of other layers, before the first
    /// key frame, padding-only probes, packets with an unmapped payload type and anything while
    /// the subscriber's transport is not connected are not sent.
    func forward(_ packet: [UInt8], header: RTPHeader, input: ConsumerTimeline.Input, nowMs: Int64) {
        self.nowMs = nowMs
        guard let subscriber, subscriber.isConnected else { return }
        guard let payloadType = payloadTypeMap[header.payloadType] else { return }
        switch timeline.process(input, targetLayer: targetLayer, nowMs: nowMs) {
        case .drop(let reason):
            if reason == .paddingOnly { paddingDropped += 1 }
        case .forward(let sequenceNumber, let timestamp, let pictureID, let tl0PicIdx):
            guard let out = rewritten(packet, header: header, payloadType: payloadType, sequenceNumber: sequenceNumber,
                                      timestamp: timestamp, pictureID: pictureID, tl0PicIdx: tl0PicIdx) else { return }
            sent[Int(sequenceNumber) % sent.count] = SentPacket(
                sequenceNumber: sequenceNumber, layer: input.layer, inputSequenceNumber: header.sequenceNumber,
                timestamp: timestamp, pictureID: pictureID, tl0PicIdx: tl0PicIdx)
            packetsSent += 1
            bytesSent += out.count
            counters?.videoPacketsForwarded += 1
            counters?.videoBytesForwarded += out.count
            subscriber.send(out)
        }
    }

    private func rewritten(_ packet: [UInt8], header: RTPHeader, payloadType: UInt8, sequenceNumber: UInt16,
                           timestamp: UInt32, pictureID: UInt16?, tl0PicIdx: UInt8?) -> [UInt8]? {
        var out = packet
        RTPRewriter.rewrite(&out, header: header, ssrc: ssrc, payloadType: payloadType,
                            sequenceNumber: sequenceNumber, timestamp: timestamp)
        if pictureID != nil || tl0PicIdx != nil {
            VP8PayloadDescriptor.rewrite(&out, payloadOffset: header.payloadOffset, pictureID: pictureID,
                                         tl0PicIdx: tl0PicIdx)
        }
        return out
    }

    /// The subscriber asked for a key frame (PLI/FIR) or just connected.
    func requestKeyframe() {
        producer?.requestKeyframe(layer: timeline.currentLayer ?? targetLayer)
    }

    func producerClosed() {
        producer = nil
    }

    func close() {
        producer?.detach(self)
        producer = nil
    }
}
