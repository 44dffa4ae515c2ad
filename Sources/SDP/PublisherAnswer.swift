/// Answers an offer from a client that sends media to the server (WSC §3.4 video/screen PCs,
/// §3.5 audio PC; WHIP-style).
///
/// Rules (RFC 3264 §6.1, RFC 8285, RFC 8843, RFC 8853, JSEP):
/// - payload types and extmap ids are the offer's, never renumbered (BH-01); codecs stay in offer
///   order; a payload type or extension id meaning different things in two bundled sections is
///   refused in the later section;
/// - codecs: Opus/48000/2, VP8, H264 with packetization-mode=1 and a profile in
///   `capabilities.h264Profiles` (profile_idc+iop, never level — BH-03), each with its RTX;
///   RED, ULPFEC, CN, telephone-event, G.711... are left out;
/// - sections are accepted only inside the (first) BUNDLE group; a port-0 `a=bundle-only` section
///   whose mid is in the group is live (BH-04); without a group only the first live section is;
/// - data channels and unknown kinds are rejected as port 0 with kind, proto and formats kept
///   (BH-06), mid kept, mid left out of the answer's BUNDLE group;
/// - session level: `a=ice-lite`, `a=group:BUNDLE` of accepted mids (offer order), and
///   `a=extmap-allow-mixed` when the offer has it anywhere (BH-07);
/// - each accepted section: the host candidate + `a=end-of-candidates`, `a=rtcp-mux`,
///   `a=rtcp-rsize` if offered, setup `passive` for actpass/active and `active` for passive (BH-08),
///   direction recvonly (sendrecv if `capabilities.sendTracks` has the kind), accepted rids as
///   `a=rid:<id> recv` + `a=simulcast:recv ...` (BH-01).
///
/// - Throws: ``SDPError/notWebRTC(reason:)`` (see ``SessionDescription/validateWebRTC()``, or no
///   fingerprint with a supported hash); ``SDPError/negotiation(reason:)`` for `a=setup:holdconn`
///   or when no m-section can be accepted.
public func answerPublisherOffer(_ offer: SessionDescription, local: LocalTransport,
                                 capabilities: ServerCapabilities = .default) throws -> PublisherAnswer {
    try offer.validateWebRTC()

    // 1. Which sections may use the server's single transport.
    let bundle = offer.bundleGroup
    var eligibility: [String?] = []   // nil = eligible, else rejection reason
    var unbundledTaken = false
    for section in offer.media {
        eligibility.append(transportRejection(section, offer: offer, bundle: bundle,
                                              unbundledTaken: &unbundledTaken))
    }
    let eligible = offer.media.indices.filter { eligibility[$0] == nil }
    let tagIndex = bundle.flatMap { group in
        group.mids.lazy.compactMap { mid in eligible.first { offer.media[$0].mid == mid } }.first
    } ?? eligible.first
    guard let tagIndex else {
        throw nothingAccepted(offer, reasons: eligibility)
    }

    // 2. Transport parameters from the BUNDLE-tag section (media level wins over session level).
    let tag = offer.media[tagIndex]
    guard let remoteICE = offer.iceCredentials(for: tag) else {
        throw SDPError.notWebRTC(reason: "no a=ice-ufrag/a=ice-pwd")
    }
    let fingerprints = offer.fingerprints(for: tag)
    guard let remoteFingerprint = fingerprints.filter({ $0.strength != nil })
        .max(by: { ($0.strength ?? 0) < ($1.strength ?? 0) }) else {
        throw SDPError.notWebRTC(reason: "no a=fingerprint with sha-256, sha-384, sha-512 or sha-1")
    }
    let remoteSetup = offer.setup(for: tag) ?? .active
    let answerSetup: SDPSetupRole
    let dtlsRole: DTLSRole
    switch remoteSetup {
    case .actpass, .active: (answerSetup, dtlsRole) = (.passive, .server)
    case .passive: (answerSetup, dtlsRole) = (.active, .client)
    case .holdconn: throw SDPError.negotiation(reason: "a=setup:holdconn is not supported")
    }

    // 3. Per-section negotiation.
    var answer = SectionBuilder.session(local: local, version: local.sessionVersion)
    var registry = BundleRegistry()
    var negotiated: [NegotiatedMedia] = []
    var sendingKinds: Set<MediaKind> = []
    for (index, section) in offer.media.enumerated() {
        let mid = section.mid ?? ""
        var rejection = eligibility[index]
        var codecs: [RTPCodec] = []
        var extensions: [SDPExtmap] = []
        if rejection == nil {
            codecs = CodecNegotiation.codecs(of: section, capabilities: capabilities, registry: &registry)
            if codecs.isEmpty { rejection = "no supported codec offered" }
        }
        if let rejection {
            answer.media.append(SectionBuilder.disabledSection(kind: section.kind, proto: section.proto,
                                                               formats: section.formats, mid: section.mid))
            negotiated.append(NegotiatedMedia(mid: mid, kind: section.kind, accepted: false,
                                              rejectionReason: rejection, direction: .inactive))
            continue
        }
        extensions = CodecNegotiation.extensions(of: section, capabilities: capabilities, registry: &registry)
        let simulcast = CodecNegotiation.simulcastStreams(of: section, codecs: codecs, extensions: extensions,
                                                          capabilities: capabilities)
        var sendTrack: ServerSendTrack?
        let offered = offer.direction(for: section)
        if offered.receives, !sendingKinds.contains(section.kind), let track = capabilities.sendTrack(for: section.kind) {
            sendTrack = track
            sendingKinds.insert(section.kind)
        }
        let direction: SDPDirection
        switch offered {
        case .sendonly: direction = .recvonly
        case .sendrecv: direction = sendTrack == nil ? .recvonly : .sendrecv
        case .recvonly: direction = sendTrack == nil ? .inactive : .sendonly
        case .inactive: direction = .inactive
        }

        let acceptedPTs = Set(SectionBuilder.formats(for: codecs))
        let formats = section.formats.filter { acceptedPTs.contains($0) }
        var out = SectionBuilder.liveSection(kind: section.kind, proto: section.proto, formats: formats, mid: mid,
                                             local: local, setup: answerSetup)
        for extmap in extensions { out.add("extmap", extmap.sdpValue) }
        out.add(direction.rawValue)
        if let sendTrack { out.add("msid", SDPMSID(streamId: sendTrack.streamId, trackId: sendTrack.trackId).sdpValue) }
        out.add("rtcp-mux")
        if section.isRTCPReducedSize { out.add("rtcp-rsize") }
        SectionBuilder.addCodecs(codecs, formats: formats, to: &out)
        if let sendTrack {
            SectionBuilder.addSendStream(ssrc: sendTrack.ssrc, rtxSSRC: nil, cname: sendTrack.cname,
                                         msid: SDPMSID(streamId: sendTrack.streamId, trackId: sendTrack.trackId), to: &out)
        }
        let rids = simulcast.flatMap { $0.map(\.rid) }
        for rid in rids { out.add("rid", SDPRID(id: rid, direction: .recv).sdpValue) }
        if !simulcast.isEmpty { out.add("simulcast", SDPSimulcast(receive: simulcast).sdpValue) }
        SectionBuilder.addCandidate(local: local, to: &out)
        answer.media.append(out)

        negotiated.append(NegotiatedMedia(
            mid: mid, kind: section.kind, accepted: true, direction: direction, codecs: codecs,
            extensions: extensions.map { RTPHeaderExtension(id: $0.id, uri: $0.uri) },
            ssrcs: section.primarySSRCs, rtxSSRCs: section.rtxSSRCs, rids: rids,
            msid: section.effectiveMSID, cname: section.cname, localSSRC: sendTrack?.ssrc))
    }

    // 4. Session-level attributes that depend on the outcome.
    let acceptedMids = Set(negotiated.filter(\.accepted).map(\.mid))
    guard !acceptedMids.isEmpty else { throw nothingAccepted(offer, reasons: negotiated.map(\.rejectionReason)) }
    if let bundle {
        let mids = bundle.mids.filter { acceptedMids.contains($0) }
        if !mids.isEmpty { answer.add("group", SDPGroup(semantics: "BUNDLE", mids: mids).sdpValue) }
    }
    let allowMixed = offer.extmapAllowMixedAnywhere
    if allowMixed { answer.add("extmap-allow-mixed") }
    if !sendingKinds.isEmpty { answer.add("msid-semantic", SDPMSIDSemantic.wildcard.sdpValue) }

    return PublisherAnswer(answer: answer, media: negotiated, remoteICE: remoteICE,
                           remoteFingerprint: remoteFingerprint, remoteSetup: remoteSetup, dtlsRole: dtlsRole,
                           extmapAllowMixed: allowMixed)
}

/// Why `section` cannot use the server's transport, nil if it can.
private func transportRejection(_ section: MediaDescription, offer: SessionDescription, bundle: SDPGroup?,
                                unbundledTaken: inout Bool) -> String? {
    guard offer.isLive(section) else {
        return section.port == 0 ? "rejected by the offerer (port 0)" : "not live"
    }
    switch section.kind {
    case .audio, .video: break
    case .application: return "data channels are not supported"
    case .other(let token): return "media kind \(token) is not supported"
    }
    guard let mid = section.mid else { return "no mid" }
    if let bundle {
        guard bundle.mids.contains(mid) else { return "not in the BUNDLE group" }
    } else {
        if unbundledTaken { return "offer has no BUNDLE group; only one m-section per transport" }
        unbundledTaken = true
    }
    return nil
}

private func nothingAccepted(_ offer: SessionDescription, reasons: [String?]) -> SDPError {
    let list = zip(offer.media, reasons).map { "mid \($0.mid ?? "?"): \($1 ?? "accepted")" }
    return SDPError.negotiation(reason: "no m-section can be accepted (\(list.joined(separator: "; ")))")
}
