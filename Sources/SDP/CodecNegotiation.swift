/// Payload-type and extension-id bookkeeping across the bundled m-sections of one answer:
/// a value may be used by several sections only for the same format / URI (RFC 8843 §9.1, §9.2).
struct BundleRegistry {
    /// Payload type → format key ("vp8/90000/1;..." or "rtx/90000;apt=96").
    private var payloadTypes: [UInt8: String] = [:]
    /// Extension id → URI.
    private var extensionIDs: [UInt8: String] = [:]

    /// True if `pt` is free or already means `key`; records it.
    mutating func claim(payloadType pt: UInt8, key: String) -> Bool {
        if let existing = payloadTypes[pt] { return existing == key }
        payloadTypes[pt] = key
        return true
    }

    /// True if `pt` is free or already means `key`, without recording it.
    func canClaim(payloadType pt: UInt8, key: String) -> Bool {
        payloadTypes[pt].map { $0 == key } ?? true
    }

    mutating func claim(extensionID id: UInt8, uri: String) -> Bool {
        if let existing = extensionIDs[id] { return existing == uri }
        extensionIDs[id] = uri
        return true
    }

    static func formatKey(_ codec: RTPCodec) -> String {
        let parameters = codec.parameters.map { "\($0.name.lowercased())=\($0.value ?? "")" }.sorted()
        return "\(codec.normalizedName)/\(codec.clockRate)/\(codec.channels ?? 1);" + parameters.joined(separator: ";")
    }

    static func rtxKey(clockRate: UInt32, apt: UInt8) -> String { "rtx/\(clockRate);apt=\(apt)" }
}

/// The rules deciding what of one offered m-section the server accepts.
enum CodecNegotiation {
    /// Why a codec is not acceptable, nil when it is.
    static func rejectionReason(_ codec: RTPCodec, kind: MediaKind, capabilities: ServerCapabilities) -> String? {
        switch kind {
        case .audio:
            guard codec.isOpus, capabilities.codecs.contains(.opus) else { return "unsupported audio codec" }
        case .video:
            if codec.isVP8 {
                guard capabilities.codecs.contains(.vp8) else { return "VP8 disabled" }
            } else if codec.isH264 {
                guard capabilities.codecs.contains(.h264) else { return "H264 disabled" }
                guard codec.h264PacketizationMode == 1 else { return "H264 packetization-mode must be 1" }
                // Level is never compared (BH-03): level-asymmetry-allowed or not, the SFU only forwards.
                guard let profile = codec.h264ProfileLevelID?.profile, capabilities.h264Profiles.contains(profile) else {
                    return "H264 profile not supported"
                }
            } else if codec.isVP9 {
                guard capabilities.codecs.contains(.vp9) else { return "VP9 disabled" }
                guard let profile = codec.vp9ProfileID, [0, 2].contains(profile) else { return "VP9 profile not supported" }
            } else if codec.isAV1 {
                guard capabilities.codecs.contains(.av1) else { return "AV1 disabled" }
                guard codec.av1Profile == 0 else { return "AV1 profile not supported" }
            } else {
                return "unsupported video codec"
            }
        default:
            return "unsupported media kind"
        }
        return nil
    }

    /// Accepted codecs of `section` in offer order, keeping the offer's payload types; RTX kept
    /// when its `apt` codec is accepted. Feedback is filtered to `capabilities.rtcpFeedback`.
    static func codecs(of section: MediaDescription, capabilities: ServerCapabilities,
                       registry: inout BundleRegistry) -> [RTPCodec] {
        var accepted: [RTPCodec] = []
        for offered in section.codecs {
            guard rejectionReason(offered, kind: section.kind, capabilities: capabilities) == nil else { continue }
            guard registry.claim(payloadType: offered.payloadType, key: BundleRegistry.formatKey(offered)) else { continue }
            var codec = offered
            codec.rtcpFeedback = offered.rtcpFeedback.filter { fb in capabilities.rtcpFeedback.contains { $0.matches(fb) } }
            if let rtx = offered.rtxPayloadType {
                let key = BundleRegistry.rtxKey(clockRate: offered.clockRate, apt: offered.payloadType)
                codec.rtxPayloadType = registry.claim(payloadType: rtx, key: key) ? rtx : nil
            }
            accepted.append(codec)
        }
        return accepted
    }

    /// Accepted header extensions of `section` with the offer's ids (RFC 8285 §6).
    static func extensions(of section: MediaDescription, capabilities: ServerCapabilities,
                           registry: inout BundleRegistry) -> [SDPExtmap] {
        var accepted: [SDPExtmap] = []
        for extmap in section.extmaps where capabilities.headerExtensions.contains(extmap.uri) {
            guard !accepted.contains(where: { $0.uri == extmap.uri }) else { continue }
            guard registry.claim(extensionID: extmap.id, uri: extmap.uri) else { continue }
            // The answer mirrors an explicit direction (sendonly → recvonly) and drops extension attributes.
            accepted.append(SDPExtmap(id: extmap.id, direction: extmap.direction?.reversed, uri: extmap.uri))
        }
        return accepted
    }

    /// Accepted simulcast layers: the offer's `a=simulcast` send streams whose rids are declared
    /// `send` and usable with an accepted codec. Empty (declined) unless the section is video,
    /// simulcast is enabled, and the rtp-stream-id extension was accepted (BH-01: Chrome rejects
    /// simulcast without it).
    static func simulcastStreams(of section: MediaDescription, codecs: [RTPCodec], extensions: [SDPExtmap],
                                 capabilities: ServerCapabilities) -> [[SDPSimulcast.Stream]] {
        guard section.kind == .video, capabilities.simulcast,
              extensions.contains(where: { $0.uri == HeaderExtensionURI.rtpStreamId }),
              let simulcast = section.simulcast, !simulcast.send.isEmpty else { return [] }
        let acceptedPTs = Set(codecs.map(\.payloadType))
        var usable: Set<String> = []
        for rid in section.rids where rid.direction == .send {
            if rid.payloadTypes.isEmpty || rid.payloadTypes.contains(where: acceptedPTs.contains) { usable.insert(rid.id) }
        }
        let streams = simulcast.send.map { $0.filter { usable.contains($0.rid) } }.filter { !$0.isEmpty }
        return streams
    }
}
