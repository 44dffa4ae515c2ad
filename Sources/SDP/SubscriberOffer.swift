/// One m-section of the server's offer on a subscriber peer connection (WSC §3.3: one
/// multistream recvonly PC per participant where the server offers).
public struct SubscriberStream: Hashable, Sendable {
    public var mid: String
    public var kind: MediaKind
    /// false: the slot is disabled (port 0, mid kept, not in BUNDLE) and can be recycled later.
    public var active: Bool
    /// msid stream id; WSC clients split it on "/" → `"<userId>/video"` or `"<userId>/screen"`.
    public var msidStreamId: String
    public var msidTrackId: String
    /// SSRC the server sends with (its own, not the publisher's).
    public var ssrc: UInt32
    /// RTX SSRC, announced with `a=ssrc-group:FID` when set.
    public var rtxSSRC: UInt32?
    public var cname: String
    /// Codecs offered, with payload types and RTX payload types as they will be sent.
    public var codecs: [RTPCodec]
    /// Header extensions offered (ids as they will be sent).
    public var extensions: [RTPHeaderExtension]

    public init(mid: String, kind: MediaKind, active: Bool = true, msidStreamId: String, msidTrackId: String,
                ssrc: UInt32, rtxSSRC: UInt32? = nil, cname: String, codecs: [RTPCodec],
                extensions: [RTPHeaderExtension] = []) {
        self.mid = mid
        self.kind = kind
        self.active = active
        self.msidStreamId = msidStreamId
        self.msidTrackId = msidTrackId
        self.ssrc = ssrc
        self.rtxSSRC = rtxSSRC
        self.cname = cname
        self.codecs = codecs
        self.extensions = extensions
    }
}

/// Builds the server's offer for a subscriber peer connection.
///
/// Session: `a=ice-lite`, `a=group:BUNDLE` of the active mids, `a=extmap-allow-mixed`,
/// `a=msid-semantic:WMS *`. Each active stream: candidate port / address, ICE credentials,
/// fingerprint, `a=setup:actpass`, mid, extmaps, `a=sendonly`, `a=msid:<stream> <track>`,
/// `a=rtcp-mux`, `a=rtcp-rsize`, codecs with rtcp-fb/fmtp and rtx, `a=ssrc-group:FID` when
/// `rtxSSRC` is set, `a=ssrc:<n> cname:` / `msid:` lines, the host candidate. Inactive streams:
/// port 0, same kind and formats, `a=mid`, `a=inactive`.
///
/// - Parameter sessionVersion: `o=` version; increment it on every new offer of the same PC.
public func makeSubscriberOffer(local: LocalTransport, sessionVersion: UInt64,
                                streams: [SubscriberStream]) -> SessionDescription {
    var offer = SectionBuilder.session(local: local, version: sessionVersion)
    let activeMids = streams.filter(\.active).map(\.mid)
    if !activeMids.isEmpty { offer.add("group", SDPGroup(semantics: "BUNDLE", mids: activeMids).sdpValue) }
    offer.add("extmap-allow-mixed")
    offer.add("msid-semantic", SDPMSIDSemantic.wildcard.sdpValue)
    for stream in streams {
        let formats = SectionBuilder.formats(for: stream.codecs)
        guard stream.active else {
            var section = SectionBuilder.disabledSection(kind: stream.kind, proto: WebRTCProto.rtp, formats: formats,
                                                         mid: stream.mid)
            section.add("inactive")
            SectionBuilder.addCodecs(stream.codecs, formats: formats, to: &section)
            offer.media.append(section)
            continue
        }
        var section = SectionBuilder.liveSection(kind: stream.kind, proto: WebRTCProto.rtp, formats: formats,
                                                 mid: stream.mid, local: local, setup: .actpass)
        for ext in stream.extensions { section.add("extmap", SDPExtmap(id: ext.id, uri: ext.uri).sdpValue) }
        section.add("sendonly")
        let msid = SDPMSID(streamId: stream.msidStreamId, trackId: stream.msidTrackId)
        section.add("msid", msid.sdpValue)
        section.add("rtcp-mux")
        section.add("rtcp-rsize")
        SectionBuilder.addCodecs(stream.codecs, formats: formats, to: &section)
        SectionBuilder.addSendStream(ssrc: stream.ssrc, rtxSSRC: stream.rtxSSRC, cname: stream.cname, msid: msid,
                                     to: &section)
        SectionBuilder.addCandidate(local: local, to: &section)
        offer.media.append(section)
    }
    return offer
}

/// What the subscriber accepted for one offered stream.
public struct SubscriberMediaAnswer: Hashable, Sendable {
    public var mid: String
    /// Non-zero port (or bundled) and not inactive.
    public var accepted: Bool
    /// The subscriber's direction (normally recvonly).
    public var direction: SDPDirection
    /// Offered payload types the answer kept (codec and rtx), in answer order.
    public var payloadTypes: [UInt8]
    /// Offered extensions the answer kept.
    public var extensions: [RTPHeaderExtension]
    /// The most the subscriber wants to receive on this m-section, bits/s: `b=TIAS` (bit/s), else
    /// `b=AS` (kbit/s × 1000) of the section, else of the session (RFC 3890 §6.2, RFC 8866 §5.8);
    /// nil when the answer sets no limit (or a limit of 0).
    public var maxBitrate: UInt64? = nil
}

/// The receive-bandwidth limit of `section` in bits/s (TIAS, else AS), falling back to the
/// session's `bandwidths`; nil when none is given or it is 0.
public func bandwidthLimit(of section: MediaDescription, session: [SDPBandwidth]) -> UInt64? {
    func limit(_ list: [SDPBandwidth]) -> UInt64? {
        if let tias = list.first(where: { $0.type.uppercased() == "TIAS" }), tias.value > 0 { return UInt64(tias.value) }
        if let asValue = list.first(where: { $0.type.uppercased() == "AS" }), asValue.value > 0 {
            return UInt64(asValue.value) * 1000
        }
        return nil
    }
    return limit(section.bandwidths) ?? limit(session)
}

/// Result of ``parseSubscriberAnswer(_:offered:)``.
public struct SubscriberAnswerInfo: Hashable, Sendable {
    public var remoteICE: ICECredentials
    public var remoteFingerprint: SDPFingerprint
    public var remoteSetup: SDPSetupRole
    /// `.server` when the subscriber answered `active`, `.client` when it answered `passive`.
    public var dtlsRole: DTLSRole
    /// The answer has `a=extmap-allow-mixed` (two-byte extensions may be sent).
    public var extmapAllowMixed: Bool
    /// One entry per offered stream, in offer order.
    public var media: [SubscriberMediaAnswer]
}

/// Reads the subscriber's answer to ``makeSubscriberOffer(local:sessionVersion:streams:)``.
///
/// - Throws: ``SDPError/negotiation(reason:)`` when the m-section count or a mid differs from the
///   offer (RFC 3264 §6), or the answer's setup is not active/passive (RFC 5763 §5);
///   ``SDPError/notWebRTC(reason:)`` when an accepted section lacks ICE credentials or a fingerprint.
public func parseSubscriberAnswer(_ answer: SessionDescription,
                                  offered: [SubscriberStream]) throws -> SubscriberAnswerInfo {
    guard answer.media.count == offered.count else {
        throw SDPError.negotiation(reason: "answer has \(answer.media.count) m-sections, the offer had \(offered.count)")
    }
    var results: [SubscriberMediaAnswer] = []
    var transport: MediaDescription?
    let bundle = answer.bundleGroup
    for (section, stream) in zip(answer.media, offered) {
        if let mid = section.mid, mid != stream.mid {
            throw SDPError.negotiation(reason: "answer m-section for mid \(stream.mid) carries mid \(mid)")
        }
        let direction = answer.direction(for: section)
        let inBundle = bundle.map { $0.mids.contains(stream.mid) } ?? true
        let accepted = stream.active && section.port != 0 && inBundle && direction != .inactive
        var payloadTypes: [UInt8] = []
        var extensions: [RTPHeaderExtension] = []
        if accepted {
            if transport == nil { transport = section }
            let offeredPTs = Set(stream.codecs.flatMap { [$0.payloadType] + ($0.rtxPayloadType.map { [$0] } ?? []) })
            payloadTypes = section.formats.compactMap { Lex.payloadType($0[...]) }.filter { offeredPTs.contains($0) }
            extensions = section.extmaps.compactMap { extmap in
                stream.extensions.first { $0.id == extmap.id && $0.uri == extmap.uri }
            }
        }
        results.append(SubscriberMediaAnswer(mid: stream.mid, accepted: accepted, direction: direction,
                                             payloadTypes: payloadTypes, extensions: extensions,
                                             maxBitrate: bandwidthLimit(of: section, session: answer.bandwidths)))
    }
    guard let transport else {
        throw SDPError.negotiation(reason: "the answer accepted no stream")
    }
    guard let ice = answer.iceCredentials(for: transport) else {
        throw SDPError.notWebRTC(reason: "answer has no a=ice-ufrag/a=ice-pwd")
    }
    guard let fingerprint = answer.fingerprints(for: transport).filter({ $0.strength != nil })
        .max(by: { ($0.strength ?? 0) < ($1.strength ?? 0) }) else {
        throw SDPError.notWebRTC(reason: "answer has no a=fingerprint with a supported hash")
    }
    let setup = answer.setup(for: transport) ?? .active
    let role: DTLSRole
    switch setup {
    case .active: role = .server
    case .passive: role = .client
    case .actpass, .holdconn:
        throw SDPError.negotiation(reason: "answer a=setup:\(setup.rawValue) is invalid (must be active or passive)")
    }
    return SubscriberAnswerInfo(remoteICE: ice, remoteFingerprint: fingerprint, remoteSetup: setup, dtlsRole: role,
                                extmapAllowMixed: answer.extmapAllowMixedAnywhere, media: results)
}
