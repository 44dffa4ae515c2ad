/// Writing helpers shared by the publisher answer and the subscriber offer, so both produce the
/// same JSEP-shaped m-sections.
enum SectionBuilder {
    /// `o=- <id> <version> IN IP4|IP6 <address>`, `s=-`, `t=0 0`, `a=ice-lite`.
    static func session(local: LocalTransport, version: UInt64) -> SessionDescription {
        let connection = SDPConnection(address: local.candidateAddress)
        var session = SessionDescription(
            origin: SDPOrigin(sessionId: String(local.sessionId), sessionVersion: version,
                              addressType: connection.addressType, address: local.candidateAddress))
        session.add("ice-lite")
        return session
    }

    /// An m-section that carries media over the server's transport: port = candidate port,
    /// `c=` = candidate address, ICE credentials, fingerprint, setup and mid.
    static func liveSection(kind: MediaKind, proto: String, formats: [String], mid: String,
                            local: LocalTransport, setup: SDPSetupRole) -> MediaDescription {
        var section = MediaDescription(kind: kind, port: local.candidatePort, proto: proto, formats: formats,
                                       connection: SDPConnection(address: local.candidateAddress))
        section.add("ice-ufrag", local.iceUfrag)
        section.add("ice-pwd", local.icePwd)
        section.add("fingerprint", local.fingerprint.sdpValue)
        section.add("setup", setup.rawValue)
        section.add("mid", mid)
        return section
    }

    /// A rejected / disabled m-section: port 0, same kind, proto and formats (BH-06: a data
    /// channel stays `m=application 0 UDP/DTLS/SCTP webrtc-datachannel`), mid kept, never empty.
    static func disabledSection(kind: MediaKind, proto: String, formats: [String], mid: String?) -> MediaDescription {
        var section = MediaDescription(kind: kind, port: 0, proto: proto, formats: formats.isEmpty ? ["0"] : formats,
                                       connection: SDPConnection(addressType: "IP4", address: "0.0.0.0"))
        if let mid, !mid.isEmpty { section.add("mid", mid) }
        return section
    }

    /// `a=rtpmap`, `a=rtcp-fb`, `a=fmtp` for each codec, each followed by its rtx format, in
    /// the order of `formats`.
    static func addCodecs(_ codecs: [RTPCodec], formats: [String], to section: inout MediaDescription) {
        for format in formats {
            guard let pt = Lex.payloadType(format[...]) else { continue }
            if let codec = codecs.first(where: { $0.payloadType == pt }) {
                section.add("rtpmap", SDPRTPMap(payloadType: pt, encodingName: codec.name, clockRate: codec.clockRate,
                                                channels: codec.channels).sdpValue)
                for feedback in codec.rtcpFeedback {
                    section.add("rtcp-fb", SDPRTCPFeedback(payloadType: pt, feedback: feedback).sdpValue)
                }
                if !codec.parameters.isEmpty {
                    section.add("fmtp", SDPFormatParameters(payloadType: pt, parameters: codec.parameters).sdpValue)
                }
            } else if let codec = codecs.first(where: { $0.rtxPayloadType == pt }) {
                section.add("rtpmap", SDPRTPMap(payloadType: pt, encodingName: "rtx", clockRate: codec.clockRate).sdpValue)
                section.add("fmtp", "\(pt) apt=\(codec.payloadType)")
            }
        }
    }

    /// The m= format list for `codecs`: each payload type followed by its rtx payload type.
    static func formats(for codecs: [RTPCodec]) -> [String] {
        codecs.flatMap { codec in [codec.payloadType] + (codec.rtxPayloadType.map { [$0] } ?? []) }.map(String.init)
    }

    /// The single host candidate and `a=end-of-candidates` (RFC 8838 §8.2).
    static func addCandidate(local: LocalTransport, to section: inout MediaDescription) {
        let candidate = SDPCandidate(foundation: "1", component: 1, transport: "udp", priority: 2_130_706_431,
                                     address: local.candidateAddress, port: local.candidatePort, type: "host")
        section.add("candidate", candidate.sdpValue)
        section.add("end-of-candidates")
    }

    /// `a=msid` plus the RFC 5576 `a=ssrc` cname/msid lines and, with RTX, `a=ssrc-group:FID`.
    static func addSendStream(ssrc: UInt32, rtxSSRC: UInt32?, cname: String, msid: SDPMSID,
                              to section: inout MediaDescription) {
        if let rtxSSRC { section.add("ssrc-group", SDPSSRCGroup(semantics: "FID", ssrcs: [ssrc, rtxSSRC]).sdpValue) }
        for value in [ssrc] + (rtxSSRC.map { [$0] } ?? []) {
            section.add("ssrc", SDPSSRCAttribute(ssrc: value, attribute: "cname", value: cname).sdpValue)
            section.add("ssrc", SDPSSRCAttribute(ssrc: value, attribute: "msid", value: msid.sdpValue).sdpValue)
        }
    }
}
