import NIOCore
import RTP

/// One encoding of a producer: the single stream of a non-simulcast m-section, or one rid-based
/// simulcast layer (RFC 8853). `index` ranks the layers from the lowest (0) to the highest
/// resolution. Holds what is per SSRC: the retransmission buffer, keyframe-request throttling,
/// the measured bitrate and the last sender report. Confined to the media event loop.
final class ProducerLayer {
    /// Rank: 0 is the lowest layer.
    let index: Int
    /// The rid (`a=rid`, RTP stream id header extension), nil without simulcast.
    let rid: String?
    /// The SSRC this layer arrives with, learned from the first packet carrying its rid (never from
    /// SDP line order, BH-01) or from `a=ssrc`.
    var ssrc: UInt32?

    /// Recent packets for retransmission on NACK (RFC 4585 §6.2.1), by sequence number modulo
    /// `retransmissionBufferSize`. Bounded: the oldest entry is overwritten.
    static let retransmissionBufferSize = 1024
    private var recentPackets: [(sequenceNumber: UInt16, packet: [UInt8])?] =
        Array(repeating: nil, count: ProducerLayer.retransmissionBufferSize)

    /// Minimum interval between two keyframe requests for this layer (ms).
    static let keyframeRequestInterval: Int64 = 1000
    var lastKeyframeRequest: NIODeadline?
    /// A key frame arrived after the last request: a new request need not wait for the interval.
    var keyframeSinceRequest = false

    /// Media (non-padding) packets and bytes received.
    private(set) var packetsReceived = 0
    private(set) var bytesReceived = 0
    /// Padding-only packets (bandwidth probes): never count as media (BH-18).
    private(set) var paddingPacketsReceived = 0
    /// Bitrate of the last complete measurement window, bits/s (RTP bytes incl. headers).
    private(set) var bitrate: UInt64 = 0
    private var windowBytes = 0
    private var windowStart: NIODeadline?
    /// Arrival of the last media packet; a layer without media for `activeTimeout` is inactive.
    private(set) var lastMediaAt: NIODeadline?
    static let activeTimeout: TimeAmount = .milliseconds(1500)
    /// The last sender report (RFC 3550 §6.4.1) of this layer's SSRC and when it arrived (s).
    var lastSenderReport: RTCPSenderReport?
    var lastSenderReportArrival: Double?
    /// The RTX SSRC repairing this layer (RFC 4588), from `a=ssrc-group:FID` or learned from the
    /// repaired-rtp-stream-id extension.
    var rtxSSRC: UInt32?

    /// Reception statistics for the receiver reports sent to the publisher (RFC 3550 A.3, A.8).
    private(set) var statistics: RTPReceiveStatistics
    private var unwrapper = SequenceNumberUnwrapper()
    /// Missing sequence numbers to NACK (RFC 4585 §6.2.1), each at most `maxNACKsPerPacket` times.
    private var nackTracker = NACKTracker(maxGap: 500, maxAge: 1000)
    private var nackCounts: [Int64: Int] = [:]
    static let maxNACKsPerPacket = 3
    /// Packets recovered through NACK (retransmitted by the publisher).
    private(set) var packetsRecovered = 0

    init(index: Int, rid: String?, ssrc: UInt32?, clockRate: UInt32 = 90_000) {
        self.index = index
        self.rid = rid
        self.ssrc = ssrc
        statistics = RTPReceiveStatistics(clockRate: Double(clockRate))
    }

    /// Counts one packet (media, padding or recovered) for the receiver report and the NACK list.
    /// - Returns: the sequence numbers this packet revealed as missing (to NACK now), and whether
    ///   the packet itself was one the SFU had NACKed (still missing).
    func track(_ header: RTPHeader, bytes: Int, arrival: Double, recovered: Bool) -> (missing: [UInt16], wasMissing: Bool) {
        let extended = unwrapper.unwrap(header.sequenceNumber)
        let wasMissing = !nackCounts.isEmpty && nackCounts.removeValue(forKey: extended) != nil
        // A retransmission nobody asked for repeats a packet already counted.
        if recovered && !wasMissing { return ([], false) }
        if recovered { packetsRecovered += 1 }
        statistics.record(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, arrival: arrival, bytes: bytes)
        let newlyMissing = nackTracker.record(extended)
        for number in newlyMissing { nackCounts[number] = 1 }
        return (newlyMissing.map { UInt16(truncatingIfNeeded: $0) }, wasMissing)
    }

    /// Numbers still missing that may be NACKed again (each counts one more request; given up
    /// after `maxNACKsPerPacket`). At most the 64 newest.
    func sequenceNumbersToRenack() -> [UInt16] {
        var out: [UInt16] = []
        for number in nackTracker.missing.suffix(64) {
            let count = nackCounts[number, default: 1]
            if count >= ProducerLayer.maxNACKsPerPacket {
                nackTracker.forget(number)
                nackCounts.removeValue(forKey: number)
                continue
            }
            nackCounts[number] = count + 1
            out.append(UInt16(truncatingIfNeeded: number))
        }
        if nackCounts.count > 2048 { nackCounts = nackCounts.filter { nackTracker.missing.contains($0.key) } }
        return out
    }

    /// The report block about this layer for a receiver report, nil before any packet.
    func makeReportBlock(now: Double) -> RTCPReportBlock? {
        guard let ssrc, statistics.packetsReceived > 0 else { return nil }
        return statistics.makeReportBlock(ssrc: ssrc, lastSenderReportNTP: lastSenderReport?.ntpTimestamp,
                                          lastSenderReportArrival: lastSenderReportArrival, now: now)
    }

    /// Counts one received packet; stores media packets for retransmission when `buffered`.
    func record(_ packet: [UInt8], header: RTPHeader, buffered: Bool, now: NIODeadline) {
        if header.isPaddingOnly {
            paddingPacketsReceived += 1
            return
        }
        packetsReceived += 1
        bytesReceived += packet.count
        windowBytes += packet.count
        if windowStart == nil { windowStart = now }
        lastMediaAt = now
        if buffered {
            recentPackets[Int(header.sequenceNumber) % ProducerLayer.retransmissionBufferSize] =
                (header.sequenceNumber, packet)
        }
    }

    /// The stored packet with `sequenceNumber`, if it is still in the buffer.
    func storedPacket(_ sequenceNumber: UInt16) -> [UInt8]? {
        guard let entry = recentPackets[Int(sequenceNumber) % ProducerLayer.retransmissionBufferSize],
              entry.sequenceNumber == sequenceNumber else { return nil }
        return entry.packet
    }

    /// Closes the bitrate window when it is at least 500 ms old.
    func updateBitrate(now: NIODeadline) {
        guard let start = windowStart else { return }
        let elapsed = (now - start).nanoseconds
        guard elapsed >= 500_000_000 else { return }
        bitrate = UInt64(windowBytes) * 8 * 1_000_000_000 / UInt64(elapsed)
        windowBytes = 0
        windowStart = now
    }

    /// True when media arrived within `activeTimeout` of `now`.
    func isActive(now: NIODeadline) -> Bool {
        guard let last = lastMediaAt else { return false }
        return now - last < ProducerLayer.activeTimeout
    }

    /// Ranks rids from lowest to highest layer: the well-known spellings `q/h/f` (quarter, half,
    /// full) and `l/m/h` (low, mid, high), else the offer's `a=simulcast` order (which JSEP and
    /// browsers write lowest first).
    static func ranked(_ rids: [String]) -> [String] {
        let known: [[String]] = [["q", "h", "f"], ["l", "m", "h"], ["low", "mid", "high"], ["0", "1", "2"]]
        let lowered = rids.map { $0.lowercased() }
        for scheme in known where Set(lowered).isSubset(of: Set(scheme)) {
            return rids.sorted { (scheme.firstIndex(of: $0.lowercased()) ?? 0) < (scheme.firstIndex(of: $1.lowercased()) ?? 0) }
        }
        return rids
    }
}
