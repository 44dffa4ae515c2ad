// Typed read accessors. They never trap: values that do not parse (possible only in descriptions
// built by hand, since `parse` validates them) are skipped.

extension MediaDescription {
    /// `a=mid` (RFC 8843 §4), nil if absent.
    public var mid: String? { attributeValue("mid") }

    /// The explicit direction attribute of this section, nil if none (see
    /// ``SessionDescription/direction(for:)`` for the effective one).
    public var direction: SDPDirection? {
        attributes.lazy.compactMap { $0.value == nil ? SDPDirection(rawValue: $0.name) : nil }.first
    }

    /// Media-level `a=ice-ufrag`.
    public var iceUfrag: String? { attributeValue("ice-ufrag") }
    /// Media-level `a=ice-pwd`.
    public var icePwd: String? { attributeValue("ice-pwd") }
    /// Media-level `a=ice-options` tokens (e.g. "trickle", "ice2").
    public var iceOptions: [String] { attributeValues("ice-options").flatMap { Lex.fields($0).map(String.init) } }
    /// Media-level `a=fingerprint` lines (RFC 8122).
    public var fingerprints: [SDPFingerprint] { attributeValues("fingerprint").compactMap { SDPFingerprint(sdpValue: $0) } }
    /// Media-level `a=setup`.
    public var setup: SDPSetupRole? { attributeValue("setup").flatMap { SDPSetupRole(rawValue: $0) } }

    public var rtpMaps: [SDPRTPMap] { attributeValues("rtpmap").compactMap { SDPRTPMap(sdpValue: $0) } }
    public var formatParameters: [SDPFormatParameters] {
        attributeValues("fmtp").compactMap { SDPFormatParameters(sdpValue: $0) }
    }
    public var rtcpFeedback: [SDPRTCPFeedback] { attributeValues("rtcp-fb").compactMap { SDPRTCPFeedback(sdpValue: $0) } }
    /// `a=extmap` lines, including the `id/direction` form (RFC 8285 §8).
    public var extmaps: [SDPExtmap] { attributeValues("extmap").compactMap { SDPExtmap(sdpValue: $0) } }
    public var ssrcAttributes: [SDPSSRCAttribute] { attributeValues("ssrc").compactMap { SDPSSRCAttribute(sdpValue: $0) } }
    public var ssrcGroups: [SDPSSRCGroup] { attributeValues("ssrc-group").compactMap { SDPSSRCGroup(sdpValue: $0) } }
    /// Every `a=msid` line (normally one).
    public var msids: [SDPMSID] { attributeValues("msid").compactMap { SDPMSID(sdpValue: $0) } }
    public var rids: [SDPRID] { attributeValues("rid").compactMap { SDPRID(sdpValue: $0) } }
    public var simulcast: SDPSimulcast? { attributeValue("simulcast").flatMap { SDPSimulcast(sdpValue: $0) } }

    /// `a=bundle-only` (RFC 8843 §6): with port 0 and a mid in the BUNDLE group the section is live.
    public var isBundleOnly: Bool { hasAttribute("bundle-only") }
    public var isRTCPMux: Bool { hasAttribute("rtcp-mux") }
    public var isRTCPReducedSize: Bool { hasAttribute("rtcp-rsize") }
    /// Media-level `a=extmap-allow-mixed` (RFC 8285 §6; where Chrome 71-88 wrote it, BH-07).
    public var extmapAllowMixed: Bool { hasAttribute("extmap-allow-mixed") }

    /// `a=candidate` lines except mDNS `.local` ones, which are ignored and never resolved (BH-01).
    public var candidates: [SDPCandidate] {
        attributeValues("candidate").compactMap { SDPCandidate(sdpValue: $0) }.filter { !$0.isMDNS }
    }

    /// True when the section uses an RTP profile (`.../RTP/...`).
    public var isRTP: Bool { proto.contains("RTP/") }

    /// The section's payload formats assembled from rtpmap/fmtp/rtcp-fb, in m= line order.
    /// `rtx` formats are not listed: each appears as ``RTPCodec/rtxPayloadType`` of the codec its
    /// `apt=` names. Static payload types without rtpmap get their RFC 3551 mapping (0, 8, 9, 13).
    public var codecs: [RTPCodec] {
        guard isRTP else { return [] }
        var maps: [UInt8: SDPRTPMap] = [:]
        for map in rtpMaps where maps[map.payloadType] == nil { maps[map.payloadType] = map }
        var fmtps: [UInt8: [SDPParameter]] = [:]
        for fmtp in formatParameters where fmtps[fmtp.payloadType] == nil { fmtps[fmtp.payloadType] = fmtp.parameters }
        let feedback = rtcpFeedback
        var codecs: [RTPCodec] = []
        var rtxByApt: [UInt8: UInt8] = [:]
        for format in formats {
            guard let pt = Lex.payloadType(format[...]),
                  let map = maps[pt] ?? MediaDescription.staticPayloadTypes[pt] else { continue }
            let parameters = fmtps[pt] ?? []
            if map.encodingName.lowercased() == "rtx" {
                if let apt = parameters.value(of: "apt").flatMap({ Lex.payloadType($0[...]) }), rtxByApt[apt] == nil {
                    rtxByApt[apt] = pt
                }
                continue
            }
            var fb: [RTCPFeedback] = []
            var seen: Set<String> = []
            for entry in feedback where entry.payloadType == nil || entry.payloadType == pt {
                if seen.insert(entry.feedback.sdpText.lowercased()).inserted { fb.append(entry.feedback) }
            }
            codecs.append(RTPCodec(payloadType: pt, name: map.encodingName, clockRate: map.clockRate,
                                   channels: map.channels, parameters: parameters, rtcpFeedback: fb))
        }
        for index in codecs.indices { codecs[index].rtxPayloadType = rtxByApt[codecs[index].payloadType] }
        return codecs
    }

    private static let staticPayloadTypes: [UInt8: SDPRTPMap] = [
        0: SDPRTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000),
        8: SDPRTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000),
        9: SDPRTPMap(payloadType: 9, encodingName: "G722", clockRate: 8000),
        13: SDPRTPMap(payloadType: 13, encodingName: "CN", clockRate: 8000),
    ]

    /// RTX SSRC of each primary SSRC, from `a=ssrc-group:FID <primary> <rtx>` (RFC 4588 §8.3).
    public var rtxSSRCs: [UInt32: UInt32] {
        var mapping: [UInt32: UInt32] = [:]
        for group in ssrcGroups where group.semantics == "FID" && group.ssrcs.count == 2 {
            mapping[group.ssrcs[0]] = group.ssrcs[1]
        }
        return mapping
    }

    /// Media SSRCs announced by `a=ssrc`, without RTX/FEC repair SSRCs; in `a=ssrc-group:SIM`
    /// order when present. Empty for rid-based simulcast (SSRCs are then learned from RTP, BH-01).
    public var primarySSRCs: [UInt32] {
        var repair: Set<UInt32> = []
        var simulcastOrder: [UInt32] = []
        for group in ssrcGroups {
            if group.semantics == "FID" || group.semantics == "FEC-FR", group.ssrcs.count >= 2 {
                repair.formUnion(group.ssrcs.dropFirst())
            } else if group.semantics == "SIM", simulcastOrder.isEmpty {
                simulcastOrder = group.ssrcs
            }
        }
        var result: [UInt32] = []
        var seen: Set<UInt32> = repair
        for ssrc in simulcastOrder + ssrcAttributes.map(\.ssrc) where seen.insert(ssrc).inserted {
            result.append(ssrc)
        }
        return result
    }

    /// CNAME of the first primary SSRC (RFC 5576 `cname`), nil if none is announced.
    public var cname: String? {
        let attributes = ssrcAttributes
        for ssrc in primarySSRCs {
            if let value = attributes.first(where: { $0.ssrc == ssrc && $0.attribute == "cname" })?.value { return value }
        }
        return attributes.first(where: { $0.attribute == "cname" })?.value
    }

    /// The section's msid: the first `a=msid`, else the legacy `a=ssrc:<n> msid:` of a primary SSRC.
    public var effectiveMSID: SDPMSID? {
        if let msid = msids.first { return msid }
        for attribute in ssrcAttributes where attribute.attribute == "msid" {
            if let value = attribute.value, let msid = SDPMSID(sdpValue: value) { return msid }
        }
        return nil
    }
}

extension SessionDescription {
    /// Every `a=group` (RFC 5888).
    public var groups: [SDPGroup] { attributeValues("group").compactMap { SDPGroup(sdpValue: $0) } }

    /// The first `a=group:BUNDLE` (RFC 8843), nil if none.
    public var bundleGroup: SDPGroup? { groups.first { $0.semantics == "BUNDLE" } }

    /// `a=msid-semantic`; ``SDPMSIDSemantic/wildcard`` when absent (BH-09).
    public var msidSemantic: SDPMSIDSemantic {
        attributeValue("msid-semantic").flatMap { SDPMSIDSemantic(sdpValue: $0) } ?? .wildcard
    }

    /// Session-level `a=ice-lite` (RFC 8839 §5.3).
    public var iceLite: Bool { hasAttribute("ice-lite") }

    /// `a=extmap-allow-mixed` at session level or in any m-section (BH-07).
    public var extmapAllowMixedAnywhere: Bool {
        hasAttribute("extmap-allow-mixed") || media.contains { $0.extmapAllowMixed }
    }

    /// The m-section whose `a=mid` is `mid`.
    public func media(withMid mid: String) -> MediaDescription? {
        media.first { $0.mid == mid }
    }

    /// ICE credentials for `media`: media-level attributes win over session-level ones.
    public func iceCredentials(for media: MediaDescription) -> ICECredentials? {
        guard let ufrag = media.iceUfrag ?? attributeValue("ice-ufrag"),
              let pwd = media.icePwd ?? attributeValue("ice-pwd") else { return nil }
        return ICECredentials(ufrag: ufrag, pwd: pwd)
    }

    /// `a=ice-options` for `media` (media level wins).
    public func iceOptions(for media: MediaDescription) -> [String] {
        let local = media.iceOptions
        if !local.isEmpty { return local }
        return attributeValues("ice-options").flatMap { Lex.fields($0).map(String.init) }
    }

    /// True if `a=ice-lite` is at session level or in `media`.
    public func isICELite(for media: MediaDescription) -> Bool {
        iceLite || media.hasAttribute("ice-lite")
    }

    /// Fingerprints for `media` (media level wins over session level, RFC 8122 §5).
    public func fingerprints(for media: MediaDescription) -> [SDPFingerprint] {
        let local = media.fingerprints
        if !local.isEmpty { return local }
        return attributeValues("fingerprint").compactMap { SDPFingerprint(sdpValue: $0) }
    }

    /// `a=setup` for `media` (media level wins), nil if absent at both levels.
    public func setup(for media: MediaDescription) -> SDPSetupRole? {
        media.setup ?? attributeValue("setup").flatMap { SDPSetupRole(rawValue: $0) }
    }

    /// Effective direction: media attribute, else session attribute, else sendrecv (RFC 8866 §6.7).
    public func direction(for media: MediaDescription) -> SDPDirection {
        if let direction = media.direction { return direction }
        return attributes.lazy.compactMap { $0.value == nil ? SDPDirection(rawValue: $0.name) : nil }.first ?? .sendrecv
    }

    /// True if `media` is live: non-zero port, or port 0 with `a=bundle-only` and a mid in a
    /// BUNDLE group (RFC 8843 §6, BH-04).
    public func isLive(_ media: MediaDescription) -> Bool {
        if media.port != 0 { return true }
        guard media.isBundleOnly, let mid = media.mid else { return false }
        return groups.contains { $0.semantics == "BUNDLE" && $0.mids.contains(mid) }
    }
}
