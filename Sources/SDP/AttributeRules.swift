/// Validation of the attributes WebRTC relies on, applied line by line while parsing one scope
/// (the session level or one m-section). Returns a reason for the first problem, nil if fine.
/// Attributes not listed here are accepted verbatim.
struct AttributeRules {
    /// True inside an RTP m-section: rtpmap/fmtp/rtcp-fb payload types are then checked.
    let isRTP: Bool

    /// Attributes that may appear once per scope.
    private static let singletons: Set<String> = [
        "mid", "ice-ufrag", "ice-pwd", "setup", "simulcast", "msid-semantic", "sctp-port", "max-message-size",
    ]

    private var seen: Set<String> = []
    private var direction: String?
    private var rtpmapPTs: Set<UInt8> = []
    private var fmtpPTs: Set<UInt8> = []
    private var extmapIDs: Set<UInt8> = []
    private var ridIDs: Set<String> = []
    private var msids: Set<String> = []
    private var bundledMids: Set<String> = []

    init(isRTP: Bool) {
        self.isRTP = isRTP
    }

    mutating func check(_ attribute: SDPAttribute) -> String? {
        let name = attribute.name
        let value = attribute.value ?? ""
        if AttributeRules.singletons.contains(name) {
            guard !seen.contains(name) else { return "duplicate a=\(name)" }
            seen.insert(name)
        }
        switch name {
        case "mid":
            guard Lex.isIdentifier(value[...]) else { return "malformed a=mid '\(value)'" }
        case "ice-ufrag":
            guard (4...SDPLimits.maxIdentifierLength).contains(value.utf8.count), Lex.isICEChars(value[...]) else {
                return "a=ice-ufrag must be 4...256 ICE characters (RFC 8839 §5.4)"
            }
        case "ice-pwd":
            guard (22...SDPLimits.maxIdentifierLength).contains(value.utf8.count), Lex.isICEChars(value[...]) else {
                return "a=ice-pwd must be 22...256 ICE characters (RFC 8839 §5.4)"
            }
        case "ice-options":
            let options = Lex.fields(value)
            guard !options.isEmpty, options.allSatisfy({ Lex.isToken($0) }) else { return "malformed a=ice-options" }
        case "fingerprint":
            guard SDPFingerprint(sdpValue: value) != nil else {
                return "malformed a=fingerprint (expected '<hash> <hex:hex:...>' of the hash's length)"
            }
        case "setup":
            guard SDPSetupRole(rawValue: value) != nil else { return "a=setup must be actpass, active, passive or holdconn" }
        case "sendrecv", "sendonly", "recvonly", "inactive":
            guard attribute.value == nil else { return "a=\(name) takes no value" }
            if let direction { return "a=\(name) conflicts with earlier a=\(direction)" }
            direction = name
        case "rtpmap":
            guard let map = SDPRTPMap(sdpValue: value) else {
                return "malformed a=rtpmap (expected '<pt 0-127> <name>/<clock rate>[/<channels>]')"
            }
            guard rtpmapPTs.insert(map.payloadType).inserted else { return "duplicate a=rtpmap for payload type \(map.payloadType)" }
        case "fmtp" where isRTP:
            guard let fmtp = SDPFormatParameters(sdpValue: value) else { return "malformed a=fmtp (expected '<pt 0-127> <parameters>')" }
            guard fmtpPTs.insert(fmtp.payloadType).inserted else { return "duplicate a=fmtp for payload type \(fmtp.payloadType)" }
        case "rtcp-fb" where isRTP:
            guard SDPRTCPFeedback(sdpValue: value) != nil else { return "malformed a=rtcp-fb (expected '<pt|*> <type> [<param>]')" }
        case "extmap":
            guard let extmap = SDPExtmap(sdpValue: value) else {
                return "malformed a=extmap (expected '<id 1-255>[/<direction>] <uri>')"
            }
            guard extmapIDs.insert(extmap.id).inserted else { return "duplicate a=extmap id \(extmap.id)" }
        case "ssrc":
            guard SDPSSRCAttribute(sdpValue: value) != nil || AttributeRules.isOutOfRangeSSRCLine(value, group: false) else {
                return "malformed a=ssrc (expected '<ssrc> <attribute>[:<value>]')"
            }
        case "ssrc-group":
            guard SDPSSRCGroup(sdpValue: value) != nil || AttributeRules.isOutOfRangeSSRCLine(value, group: true) else {
                return "malformed a=ssrc-group (expected '<semantics> <ssrc>...', FID with exactly 2 SSRCs)"
            }
        case "msid":
            guard SDPMSID(sdpValue: value) != nil else { return "malformed a=msid (expected '<stream id> [<track id>]')" }
            guard msids.insert(Lex.fields(value).joined(separator: " ")).inserted else { return "duplicate a=msid:\(value)" }
        case "msid-semantic":
            guard SDPMSIDSemantic(sdpValue: value) != nil else { return "malformed a=msid-semantic" }
        case "rid":
            guard let rid = SDPRID(sdpValue: value) else { return "malformed a=rid (expected '<id> send|recv [<restrictions>]')" }
            guard ridIDs.insert(rid.id).inserted else { return "duplicate a=rid:\(rid.id)" }
        case "simulcast":
            guard SDPSimulcast(sdpValue: value) != nil else { return "malformed a=simulcast (expected 'send|recv <rid>;<rid>...')" }
        case "group":
            guard let group = SDPGroup(sdpValue: value) else { return "malformed a=group" }
            if group.semantics == "BUNDLE" {
                for mid in group.mids {
                    guard bundledMids.insert(mid).inserted else { return "mid \(mid) appears twice in BUNDLE groups" }
                }
            }
        case "candidate":
            guard SDPCandidate(sdpValue: value) != nil else { return "malformed a=candidate (RFC 8839 §5.1)" }
        default:
            break
        }
        return nil
    }

    /// An a=ssrc / a=ssrc-group line that is well formed except for an SSRC above 2^32-1 (but
    /// below 2^64). The BH-07 case offer carries `4444444444`; such lines are kept verbatim and
    /// ignored by the typed accessors instead of failing the whole offer, since an SFU learns
    /// SSRCs from RTP (mid/rid extensions) anyway. Larger numbers are still rejected.
    static func isOutOfRangeSSRCLine(_ value: String, group: Bool) -> Bool {
        let parts = Lex.fields(value)
        func isNumber(_ part: Substring) -> Bool { Lex.unsigned(part, as: UInt64.self) != nil }
        if group {
            guard parts.count >= 2, parts.count <= 65, Lex.isToken(parts[0]) else { return false }
            if parts[0] == "FID" && parts.count != 3 { return false }
            return parts.dropFirst().allSatisfy(isNumber)
        }
        guard parts.count >= 2, isNumber(parts[0]) else { return false }
        let (name, _) = Lex.splitOnce(parts[1], ":")
        return Lex.isToken(name)
    }
}
