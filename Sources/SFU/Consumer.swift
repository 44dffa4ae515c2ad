import RTP
import SDP

/// One subscriber's copy of one producer (mediasoup's Consumer): rewrites SSRC, payload type,
/// sequence numbers, timestamps and header-extension ids for the subscriber's negotiated values
/// and sends through the subscriber's transport. Starts at a key frame so the decoder never
/// sees a delta frame first. Confined to the media event loop.
final class Consumer {
    private(set) weak var producer: Producer?
    private weak var subscriber: SubscriberSession?
    let key: StreamKey
    let mid: String
    /// The SSRC the subscriber sees (announced in the server's offer).
    let ssrc: UInt32
    /// Publisher payload type → subscriber payload type.
    let payloadTypeMap: [UInt8: UInt8]
    /// Publisher header-extension id → subscriber id; elements not in the map are stripped.
    let extensionIDMap: [UInt8: UInt8]

    private(set) var waitingForKeyframe = true
    private var counters: MediaCounters? { subscriber?.router?.counters }
    private var sequenceOffset: UInt16 = 0
    private var timestampOffset: UInt32 = 0
    private let initialSequence = UInt16.random(in: 0...UInt16.max)
    private let initialTimestamp = UInt32.random(in: 0...UInt32.max)
    private(set) var packetsSent = 0
    private(set) var bytesSent = 0
    private(set) var packetsRetransmitted = 0
    private(set) var retransmissionsUnavailable = 0

    init(producer: Producer, subscriber: SubscriberSession, mid: String, ssrc: UInt32,
         payloadTypeMap: [UInt8: UInt8], extensionIDMap: [UInt8: UInt8]) {
        self.producer = producer
        self.subscriber = subscriber
        self.key = producer.key
        self.mid = mid
        self.ssrc = ssrc
        self.payloadTypeMap = payloadTypeMap
        self.extensionIDMap = extensionIDMap
    }

    /// Resends packets the subscriber reported lost (generic NACK, RFC 4585 §6.2.1) from the
    /// producer's buffer, rewritten exactly as the first time (same sequence number).
    func retransmit(_ lost: [UInt16]) {
        guard !waitingForKeyframe, let producer, let subscriber, subscriber.isConnected else { return }
        for outSequence in lost.prefix(64) {
            guard let packet = producer.storedPacket(outSequence &- sequenceOffset),
                  let header = try? RTPHeader.parse(packet),
                  let payloadType = payloadTypeMap[header.payloadType] else {
                retransmissionsUnavailable += 1
                counters?.retransmissionsUnavailable += 1
                continue
            }
            if let out = rewritten(packet, header: header, payloadType: payloadType) {
                packetsRetransmitted += 1
                counters?.retransmissions += 1
                counters?.videoPacketsForwarded += 1
                counters?.videoBytesForwarded += out.count
                subscriber.send(out)
            }
        }
    }

    /// Sends the publisher's sender report translated to this consumer's SSRC and timeline.
    func forwardSenderReport(_ report: RTCPSenderReport) {
        guard !waitingForKeyframe, let subscriber, subscriber.isConnected else { return }
        subscriber.sendRTCP(RTCPBuilder.senderReport(ssrc: ssrc, ntp: report.ntpTimestamp,
                                                     rtpTimestamp: report.rtpTimestamp &+ timestampOffset,
                                                     packetCount: UInt32(truncatingIfNeeded: packetsSent),
                                                     octetCount: UInt32(truncatingIfNeeded: bytesSent), reports: []))
    }

    /// Rewrites and sends one packet. Packets before the first key frame, with an unmapped
    /// payload type, or while the subscriber's transport is not connected are skipped.
    func forward(_ packet: [UInt8], header: RTPHeader, isKeyframe: Bool) {
        guard let subscriber, subscriber.isConnected else { return }
        guard let payloadType = payloadTypeMap[header.payloadType] else { return }
        if waitingForKeyframe {
            guard isKeyframe else { return }
            waitingForKeyframe = false
            sequenceOffset = initialSequence &- header.sequenceNumber
            timestampOffset = initialTimestamp &- header.timestamp
        }
        guard let out = rewritten(packet, header: header, payloadType: payloadType) else { return }
        packetsSent += 1
        bytesSent += out.count
        counters?.videoPacketsForwarded += 1
        counters?.videoBytesForwarded += out.count
        subscriber.send(out)
    }

    private func rewritten(_ packet: [UInt8], header: RTPHeader, payloadType: UInt8) -> [UInt8]? {
        var out = packet
        RTPRewriter.rewrite(&out, header: header, ssrc: ssrc, payloadType: payloadType,
                            sequenceNumber: header.sequenceNumber &+ sequenceOffset,
                            timestamp: header.timestamp &+ timestampOffset)
        if header.extensionProfile != nil {
            let map = extensionIDMap
            guard RTPRewriter.remapExtensionIDs(&out, header: header, map: { map[$0] }) != nil else { return nil }
        }
        return out
    }

    var isSubscriberConnected: Bool { subscriber?.isConnected ?? false }

    /// The subscriber asked for a key frame (PLI/FIR) or just connected.
    func requestKeyframe() {
        producer?.requestKeyframe()
    }

    func producerClosed() {
        producer = nil
    }

    func close() {
        producer?.detach(self)
        producer = nil
    }
}
