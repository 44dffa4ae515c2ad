import SDP

/// Our side of one peer connection as written into our SDP: ICE credentials, DTLS fingerprint
/// and the host candidate (RFC 8839, RFC 8122, RFC 8842).
public struct LocalPeerParameters: Sendable, Equatable {
    public var iceUfrag: String
    public var icePassword: String
    /// SHA-256 fingerprint of our DTLS certificate, uppercase colon-separated hex.
    public var fingerprint: String
    /// Host candidate address and UDP port (the socket the peer connection uses).
    public var address: String
    public var port: UInt16
    /// RTCP CNAME (RFC 7022).
    public var cname: String

    public init(iceUfrag: String, icePassword: String, fingerprint: String, address: String, port: UInt16, cname: String) {
        self.iceUfrag = iceUfrag
        self.icePassword = icePassword
        self.fingerprint = fingerprint
        self.address = address
        self.port = port
        self.cname = cname
    }
}

/// The remote side's transport parameters, read from its offer or answer.
public struct RemoteTransportParameters: Sendable, Equatable {
    public var iceUfrag: String
    public var icePassword: String
    /// `sha-256` fingerprint value (uppercase), or the strongest other one offered.
    public var fingerprint: String
    public var fingerprintAlgorithm: String
    public var setup: SDPSetupRole
    /// First UDP IPv4/IPv6 host-or-other candidate, in SDP order.
    public var candidateAddress: String
    public var candidatePort: UInt16
    public var iceLite: Bool
}

/// A receiving m-section of a remote offer (or a sending one of a remote answer): which SSRC will
/// carry which publisher's stream.
public struct RemoteMediaStream: Sendable, Equatable {
    public var mid: String
    public var kind: MediaKind
    /// First primary SSRC announced with `a=ssrc`, if any (Parley and Janus both announce it).
    public var ssrc: UInt32?
    /// msid stream id (`<userId>/video` for WSC servers; Janus writes its own labels).
    public var msidStreamId: String?
    /// The codec we use on this section (VP8 for video, Opus for audio), nil when rejected.
    public var payloadType: UInt8?
    public var clockRate: UInt32
}

/// Why a remote description cannot be used by the client.
public enum ClientSDPError: Error, Equatable, CustomStringConvertible {
    case unparsable(String)
    case missing(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .unparsable(let m): return "remote SDP does not parse: \(m)"
        case .missing(let m): return "remote SDP has no \(m)"
        case .unsupported(let m): return "remote SDP unsupported: \(m)"
        }
    }
}

/// Writes the client's offers and answers as SDP text (JSEP-style, RFC 8829) and reads the
/// server's. Only what a load client needs: one VP8 send section, one Opus sendrecv section,
/// and recvonly answers to multistream subscriber offers.
public enum ClientSDP {
    public static let vp8PayloadType: UInt8 = 96
    public static let opusPayloadType: UInt8 = 111
    public static let midExtensionID: UInt8 = 4

    /// Offer for a sendonly VP8 publisher PC (WSC VideoOutConnection, spec §3.1): one `video`
    /// m-section, mid "0", `a=setup:actpass`, rtcp-mux, nack/pli/fir feedback, the sdes:mid
    /// extension, `a=ssrc` cname/msid lines and our host candidate.
    public static func videoPublisherOffer(local: LocalPeerParameters, ssrc: UInt32, streamId: String,
                                           trackId: String, sessionId: UInt64) -> String {
        var lines = sessionLines(local: local, sessionId: sessionId, mids: ["0"], msidStream: streamId)
        lines += [
            "m=video 9 UDP/TLS/RTP/SAVPF \(vp8PayloadType)",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
        ]
        lines += transportLines(local: local, setup: "actpass")
        lines += [
            "a=mid:0",
            "a=extmap:\(midExtensionID) \(HeaderExtensionURI.mid)",
            "a=sendonly",
            "a=msid:\(streamId) \(trackId)",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:\(vp8PayloadType) VP8/90000",
            "a=rtcp-fb:\(vp8PayloadType) nack",
            "a=rtcp-fb:\(vp8PayloadType) nack pli",
            "a=rtcp-fb:\(vp8PayloadType) ccm fir",
            "a=ssrc:\(ssrc) cname:\(local.cname)",
            "a=ssrc:\(ssrc) msid:\(streamId) \(trackId)",
        ]
        lines += candidateLines(local: local)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Offer for the sendrecv Opus PC (WSC BidirectionalConnectionAudioInOut, spec §3.5).
    public static func audioOffer(local: LocalPeerParameters, ssrc: UInt32, streamId: String, trackId: String,
                                  sessionId: UInt64) -> String {
        var lines = sessionLines(local: local, sessionId: sessionId, mids: ["0"], msidStream: streamId)
        lines += [
            "m=audio 9 UDP/TLS/RTP/SAVPF \(opusPayloadType)",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
        ]
        lines += transportLines(local: local, setup: "actpass")
        lines += [
            "a=mid:0",
            "a=extmap:\(midExtensionID) \(HeaderExtensionURI.mid)",
            "a=sendrecv",
            "a=msid:\(streamId) \(trackId)",
            "a=rtcp-mux",
            "a=rtpmap:\(opusPayloadType) opus/48000/2",
            "a=fmtp:\(opusPayloadType) minptime=10;useinbandfec=1",
            "a=ssrc:\(ssrc) cname:\(local.cname)",
            "a=ssrc:\(ssrc) msid:\(streamId) \(trackId)",
        ]
        lines += candidateLines(local: local)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Parses a remote SDP text.
    /// - Throws: `ClientSDPError.unparsable` with the parser's reason.
    public static func parse(_ text: String) throws -> SessionDescription {
        do { return try SessionDescription.parse(text) } catch { throw ClientSDPError.unparsable("\(error)") }
    }

    /// Transport parameters of the remote description, from its first live section.
    /// - Throws: `ClientSDPError.missing` without ICE credentials, fingerprint or a UDP candidate.
    public static func remoteTransport(_ sdp: SessionDescription) throws -> RemoteTransportParameters {
        guard let tag = sdp.media.first(where: { sdp.isLive($0) && $0.port != 0 }) ?? sdp.media.first(where: { sdp.isLive($0) }) else {
            throw ClientSDPError.missing("live m-section")
        }
        guard let ice = sdp.iceCredentials(for: tag) else { throw ClientSDPError.missing("a=ice-ufrag/a=ice-pwd") }
        let fingerprints = sdp.fingerprints(for: tag)
        guard let fingerprint = fingerprints.first(where: { $0.algorithm == "sha-256" }) ?? fingerprints.first else {
            throw ClientSDPError.missing("a=fingerprint")
        }
        var candidate: SDPCandidate?
        for section in sdp.media where candidate == nil {
            candidate = section.candidates.first { $0.transport.lowercased() == "udp" && $0.component == 1 }
        }
        guard let candidate else { throw ClientSDPError.missing("UDP a=candidate") }
        return RemoteTransportParameters(iceUfrag: ice.ufrag, icePassword: ice.pwd,
                                         fingerprint: fingerprint.value.uppercased(),
                                         fingerprintAlgorithm: fingerprint.algorithm,
                                         setup: sdp.setup(for: tag) ?? .actpass,
                                         candidateAddress: candidate.address, candidatePort: candidate.port,
                                         iceLite: sdp.isICELite(for: tag))
    }

    /// The streams of a remote description with the codec we use for each (VP8 / Opus); a section
    /// without that codec, or not live, gets `payloadType` nil.
    public static func remoteStreams(_ sdp: SessionDescription) -> [RemoteMediaStream] {
        sdp.media.enumerated().map { index, section in
            let mid = section.mid ?? String(index)
            let codec = section.codecs.first { $0.isVP8 || $0.isOpus }
            let usable = sdp.isLive(section) && section.port != 0 && sdp.direction(for: section) != .inactive
            return RemoteMediaStream(mid: mid, kind: section.kind, ssrc: section.primarySSRCs.first,
                                     msidStreamId: section.effectiveMSID?.streamId,
                                     payloadType: usable ? codec?.payloadType : nil,
                                     clockRate: codec?.clockRate ?? 90_000)
        }
    }

    /// Answer to a remote offer whose live sections we receive (WSC subscriber PC, spec §3.3):
    /// each usable section is answered recvonly with its VP8 or Opus codec only, `a=setup:active`
    /// (we are the DTLS client), no header extensions; the others are rejected with port 0 and
    /// the same mid. Sections are BUNDLEd on our single candidate.
    /// - Throws: `ClientSDPError.unsupported` when no section can be received.
    public static func receiverAnswer(to offer: SessionDescription, local: LocalPeerParameters,
                                      sessionId: UInt64, version: UInt64) throws -> String {
        let streams = remoteStreams(offer)
        let accepted = streams.filter { $0.payloadType != nil }.map(\.mid)
        guard !accepted.isEmpty else { throw ClientSDPError.unsupported("no live VP8 or Opus section to receive") }
        var lines = [
            "v=0",
            "o=- \(sessionId) \(version) IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE " + accepted.joined(separator: " "),
            "a=msid-semantic: WMS",
        ]
        for (index, section) in offer.media.enumerated() {
            let stream = streams[index]
            guard let pt = stream.payloadType, let codec = section.codecs.first(where: { $0.payloadType == pt }) else {
                lines.append("m=\(section.kind.token) 0 \(section.proto) " + section.formats.joined(separator: " "))
                lines.append("c=IN IP4 0.0.0.0")
                lines.append("a=mid:\(stream.mid)")
                lines.append("a=inactive")
                continue
            }
            lines.append("m=\(section.kind.token) 9 \(section.proto) \(pt)")
            lines.append("c=IN IP4 0.0.0.0")
            lines.append("a=rtcp:9 IN IP4 0.0.0.0")
            lines += transportLines(local: local, setup: "active")
            lines.append("a=mid:\(stream.mid)")
            lines.append("a=recvonly")
            lines.append("a=rtcp-mux")
            if section.isRTCPReducedSize { lines.append("a=rtcp-rsize") }
            let channels = codec.channels.map { "/\($0)" } ?? ""
            lines.append("a=rtpmap:\(pt) \(codec.name)/\(codec.clockRate)\(channels)")
            if codec.isOpus { lines.append("a=fmtp:\(pt) minptime=10;useinbandfec=1") }
            if codec.isVP8 {
                lines.append("a=rtcp-fb:\(pt) nack")
                lines.append("a=rtcp-fb:\(pt) nack pli")
            }
            lines += candidateLines(local: local)
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func sessionLines(local: LocalPeerParameters, sessionId: UInt64, mids: [String],
                                     msidStream: String) -> [String] {
        [
            "v=0",
            "o=- \(sessionId) 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE " + mids.joined(separator: " "),
            "a=msid-semantic: WMS \(msidStream)",
        ]
    }

    private static func transportLines(local: LocalPeerParameters, setup: String) -> [String] {
        [
            "a=ice-ufrag:\(local.iceUfrag)",
            "a=ice-pwd:\(local.icePassword)",
            "a=fingerprint:sha-256 \(local.fingerprint)",
            "a=setup:\(setup)",
        ]
    }

    private static func candidateLines(local: LocalPeerParameters) -> [String] {
        ["a=candidate:1 1 udp 2130706431 \(local.address) \(local.port) typ host", "a=end-of-candidates"]
    }
}
