/// One RTCP report block (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Equatable, Sendable {
    /// SSRC of the source this block reports on.
    public var ssrc: UInt32
    /// Fraction of packets lost since the last report, fixed point /256.
    public var fractionLost: UInt8
    /// Cumulative packets lost, a signed 24-bit value (-8 388 608 ... 8 388 607; negative with duplicates).
    public var cumulativeLost: Int32
    /// Extended highest sequence number received (roll-over count << 16 | seq).
    public var highestSeq: UInt32
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received (0 if none).
    public var lsr: UInt32
    /// Delay since that SR in units of 1/65536 s.
    public var dlsr: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, highestSeq: UInt32, jitter: UInt32,
                lsr: UInt32, dlsr: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.highestSeq = highestSeq
        self.jitter = jitter
        self.lsr = lsr
        self.dlsr = dlsr
    }
}

/// RTCP SR (PT 200, RFC 3550 §6.4.1).
public struct RTCPSenderReport: Equatable, Sendable {
    public var ssrc: UInt32
    /// 64-bit NTP timestamp (seconds since 1900 << 32 | fraction).
    public var ntpTimestamp: UInt64
    /// RTP timestamp corresponding to `ntpTimestamp`, in media clock ticks.
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    /// Payload octets sent.
    public var octetCount: UInt32
    public var reports: [RTCPReportBlock]
    /// Profile-specific extension bytes after the report blocks (usually empty).
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
                reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
        self.profileExtension = profileExtension
    }
}

/// RTCP RR (PT 201, RFC 3550 §6.4.2).
public struct RTCPReceiverReport: Equatable, Sendable {
    public var ssrc: UInt32
    public var reports: [RTCPReportBlock]
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.reports = reports
        self.profileExtension = profileExtension
    }
}

/// One SDES item (RFC 3550 §6.5): type 1 CNAME, 2 NAME, … 8 PRIV.
public struct RTCPSDESItem: Equatable, Sendable {
    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// `value` decoded as UTF-8 (invalid sequences replaced).
    public var text: String { String(decoding: value, as: UTF8.self) }
}

/// One SDES chunk: an SSRC/CSRC and its items (RFC 3550 §6.5).
public struct RTCPSDESChunk: Equatable, Sendable {
    public var ssrc: UInt32
    public var items: [RTCPSDESItem]

    public init(ssrc: UInt32, items: [RTCPSDESItem]) {
        self.ssrc = ssrc
        self.items = items
    }

    /// The CNAME item (type 1) as text, if present.
    public var cname: String? { items.first { $0.type == 1 }?.text }
}

/// One packet of an RTCP compound (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3.1, RFC 3611,
/// draft-alvestrand-rmcat-remb, draft-holmer-rmcat-transport-wide-cc-extensions).
public enum RTCPPacket: Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription([RTCPSDESChunk])
    /// BYE with its SSRC/CSRC list and optional reason text.
    case bye(ssrcs: [UInt32], reason: String?)
    /// APP (PT 204): subtype (5 bits), SSRC, 4-character name, application data.
    case app(subtype: UInt8, ssrc: UInt32, name: String, data: [UInt8])
    /// XR (PT 207). Each block's `bytes` is the WHOLE block including its 4-byte block header
    /// (BT, type-specific byte, length), so unknown block types (e.g. libwebrtc's BT=42) pass through intact.
    case extendedReport(ssrc: UInt32, blocks: [(type: UInt8, bytes: [UInt8])])
    /// PSFB FMT 1 Picture Loss Indication (RFC 4585 §6.3.1).
    case pli(senderSSRC: UInt32, mediaSSRC: UInt32)
    /// PSFB FMT 4 Full Intra Request (RFC 5104 §4.3.1): per target SSRC, the command sequence number.
    case fir(senderSSRC: UInt32, entries: [(ssrc: UInt32, sequence: UInt8)])
    /// RTPFB FMT 1 generic NACK (RFC 4585 §6.2.1), PID+BLP pairs expanded to sequence numbers in order.
    case nack(senderSSRC: UInt32, mediaSSRC: UInt32, lost: [UInt16])
    /// PSFB FMT 15 "REMB": estimated total bitrate in bits/s and the SSRCs it applies to.
    case remb(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32])
    /// RTPFB FMT 15 transport-wide congestion control feedback; `raw` is the FCI (from the base
    /// sequence number on, without RTCP padding), at least 8 bytes.
    case transportCC(senderSSRC: UInt32, mediaSSRC: UInt32, raw: [UInt8])
    /// Any other packet type or feedback format; `raw` is the whole packet including its header.
    case unknown(packetType: UInt8, raw: [UInt8])

    /// RTCP packet type numbers.
    public static let typeSR: UInt8 = 200
    public static let typeRR: UInt8 = 201
    public static let typeSDES: UInt8 = 202
    public static let typeBYE: UInt8 = 203
    public static let typeAPP: UInt8 = 204
    public static let typeRTPFB: UInt8 = 205
    public static let typePSFB: UInt8 = 206
    public static let typeXR: UInt8 = 207

    /// RTP/RTCP demultiplexing on one port (RFC 5761 §4): with rtcp-mux, a packet whose second byte
    /// (M bit + payload type) is 192...223 is RTCP (payload types 64–95 are not used for RTP).
    /// Requires at least the 4-byte RTCP header.
    public static func isRTCP(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && (192...223).contains(bytes[1])
    }
}

/// Why an RTCP compound (or one packet in it) was rejected. `offset` is the packet's start in the compound.
public enum RTCPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No bytes, or fewer than 4 bytes left for a packet header.
    case tooShort(offset: Int, available: Int)
    /// Version field is not 2 (e.g. trailing zero words, BH-23).
    case badVersion(offset: Int, version: UInt8)
    /// The packet's length field runs past the datagram (BH-23).
    case lengthOverrun(offset: Int, declared: Int, available: Int)
    /// P bit set on a packet that is not the last one of the compound (RFC 3550 §6.4.1).
    case paddingNotLast(offset: Int)
    /// Padding count 0 or larger than the packet body.
    case badPadding(offset: Int, paddingLength: Int)
    /// RC/SC/FCI count needs more bytes than THIS packet's length gives (BH-23 packet 2).
    case countOverrun(offset: Int, packetType: UInt8, count: Int, needed: Int, available: Int)
    /// The packet body is shorter than its fixed part.
    case truncatedBody(offset: Int, packetType: UInt8, needed: Int, available: Int)
    /// An SDES item runs past the packet, or a chunk has no null terminator.
    case badSDES(offset: Int, chunk: Int)
    /// BYE reason length runs past the packet.
    case badByeReason(offset: Int)
    /// An XR block length runs past the packet.
    case badXRBlock(offset: Int, blockOffset: Int)

    public var description: String {
        switch self {
        case .tooShort(let offset, let available):
            return "RTCP at offset \(offset): \(available) bytes, a header needs 4"
        case .badVersion(let offset, let version):
            return "RTCP at offset \(offset): version \(version), expected 2"
        case .lengthOverrun(let offset, let declared, let available):
            return "RTCP at offset \(offset): length field says \(declared) bytes, \(available) left in the datagram"
        case .paddingNotLast(let offset):
            return "RTCP at offset \(offset): P bit set on a packet that is not last in the compound"
        case .badPadding(let offset, let paddingLength):
            return "RTCP at offset \(offset): padding count \(paddingLength) invalid"
        case .countOverrun(let offset, let packetType, let count, let needed, let available):
            return "RTCP \(packetType) at offset \(offset): count \(count) needs \(needed) bytes, packet has \(available)"
        case .truncatedBody(let offset, let packetType, let needed, let available):
            return "RTCP \(packetType) at offset \(offset): needs \(needed) bytes, packet has \(available)"
        case .badSDES(let offset, let chunk):
            return "RTCP SDES at offset \(offset): chunk \(chunk) overruns the packet or lacks its terminator"
        case .badByeReason(let offset):
            return "RTCP BYE at offset \(offset): reason length overruns the packet"
        case .badXRBlock(let offset, let blockOffset):
            return "RTCP XR at offset \(offset): block at \(blockOffset) overruns the packet"
        }
    }
}
