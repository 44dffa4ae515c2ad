/// One RTCP feedback message type (RFC 4585 §4.2), e.g. `nack`, `nack pli`, `ccm fir`,
/// `goog-remb`, `transport-cc`.
public struct RTCPFeedback: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var parameter: String?

    public init(type: String, parameter: String? = nil) {
        self.type = type
        self.parameter = parameter
    }

    public static let nack = RTCPFeedback(type: "nack")
    /// Picture Loss Indication (RFC 4585 §6.3.1).
    public static let pli = RTCPFeedback(type: "nack", parameter: "pli")
    /// Full Intra Request (RFC 5104 §3.5.1).
    public static let fir = RTCPFeedback(type: "ccm", parameter: "fir")
    /// Receiver Estimated Max Bitrate (draft-alvestrand-rmcat-remb).
    public static let remb = RTCPFeedback(type: "goog-remb")
    /// Transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01).
    public static let transportCC = RTCPFeedback(type: "transport-cc")

    /// `type[ parameter]` as written after the payload type.
    public var sdpText: String { parameter.map { "\(type) \($0)" } ?? type }
    public var description: String { sdpText }

    /// Case-insensitive comparison (`NACK PLI` == `nack pli`).
    public func matches(_ other: RTCPFeedback) -> Bool {
        type.lowercased() == other.type.lowercased() && parameter?.lowercased() == other.parameter?.lowercased()
    }
}

/// A negotiated RTP payload format: what one `a=rtpmap`, its `a=fmtp`, its `a=rtcp-fb` lines and
/// its retransmission format (RFC 4588 `rtx` with `apt=`) say together.
public struct RTPCodec: Hashable, Sendable {
    /// 0...127, exactly as offered (never renumbered, RFC 3264 §6.1).
    public var payloadType: UInt8
    /// Encoding name as written ("opus", "VP8", "H264").
    public var name: String
    /// Hz: 48000 for Opus, 90000 for video.
    public var clockRate: UInt32
    /// Audio channels (2 for Opus), nil when not written.
    public var channels: UInt8?
    /// fmtp parameters in order (e.g. `packetization-mode=1`, `profile-level-id=42e01f`).
    public var parameters: [SDPParameter]
    public var rtcpFeedback: [RTCPFeedback]
    /// Payload type of the associated `rtx` format, if any.
    public var rtxPayloadType: UInt8?

    public init(payloadType: UInt8, name: String, clockRate: UInt32, channels: UInt8? = nil,
                parameters: [SDPParameter] = [], rtcpFeedback: [RTCPFeedback] = [], rtxPayloadType: UInt8? = nil) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.rtcpFeedback = rtcpFeedback
        self.rtxPayloadType = rtxPayloadType
    }

    /// Lower-cased encoding name, for comparisons.
    public var normalizedName: String { name.lowercased() }

    /// True for Opus/48000/2.
    public var isOpus: Bool { normalizedName == "opus" && clockRate == 48000 && (channels ?? 1) == 2 }
    public var isVP8: Bool { normalizedName == "vp8" && clockRate == 90000 }
    public var isH264: Bool { normalizedName == "h264" && clockRate == 90000 }
    public var isVP9: Bool { normalizedName == "vp9" && clockRate == 90000 }
    public var isAV1: Bool { normalizedName == "av1" && clockRate == 90000 }

    /// `profile-id` of a VP9 codec (draft-ietf-payload-vp9 §6; 0 when absent), nil when not a number.
    public var vp9ProfileID: Int? { Int(parameters.value(of: "profile-id") ?? "0") }

    /// `profile` of an AV1 codec (AV1 RTP payload §7.2; 0 "Main" when absent), nil when not a number.
    public var av1Profile: Int? { Int(parameters.value(of: "profile") ?? "0") }

    /// The H.264 profile/level, for H264 codecs (RFC 6184 §8.1 default when absent).
    public var h264ProfileLevelID: H264ProfileLevelID? {
        guard isH264 else { return nil }
        guard let text = parameters.value(of: "profile-level-id") else { return .rfcDefault }
        return H264ProfileLevelID(hex: text)
    }

    /// `packetization-mode` of an H264 codec (0 when absent, RFC 6184 §8.1).
    public var h264PacketizationMode: Int {
        Int(parameters.value(of: "packetization-mode") ?? "0") ?? -1
    }

    /// Same media format (name, clock rate, channels, fmtp) ignoring payload type and feedback:
    /// what RFC 8843 §9.1 requires for a payload type shared by bundled sections.
    func sameFormat(as other: RTPCodec) -> Bool {
        normalizedName == other.normalizedName && clockRate == other.clockRate
            && (channels ?? 1) == (other.channels ?? 1)
            && Set(parameters.map { "\($0.name.lowercased())=\($0.value ?? "")" })
                == Set(other.parameters.map { "\($0.name.lowercased())=\($0.value ?? "")" })
    }
}

/// A negotiated RTP header extension (RFC 8285): local identifier and URI.
public struct RTPHeaderExtension: Hashable, Sendable {
    /// 1...14 (one-byte form) or 1...255 (two-byte form).
    public var id: UInt8
    public var uri: String

    public init(id: UInt8, uri: String) {
        self.id = id
        self.uri = uri
    }
}

/// URIs of the header extensions the server understands.
public enum HeaderExtensionURI {
    public static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let rtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    public static let repairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    public static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportWideCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let audioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    public static let videoOrientation = "urn:3gpp:video-orientation"
    public static let dependencyDescriptor =
        "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
}

extension Array where Element == RTPHeaderExtension {
    /// The id negotiated for `uri`, nil if not negotiated.
    public func id(for uri: String) -> UInt8? {
        first { $0.uri == uri }?.id
    }
}
