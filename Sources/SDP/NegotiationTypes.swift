/// The server's side of one peer connection, written into every SDP it produces.
public struct LocalTransport: Hashable, Sendable {
    /// Server ICE credentials (RFC 8839: ufrag ≥ 4, pwd ≥ 22 ICE characters). Must change on an
    /// ICE restart (BH-11).
    public var iceUfrag: String
    public var icePwd: String
    /// Fingerprint of the server's DTLS certificate, normally sha-256 with upper-case hex pairs.
    public var fingerprint: SDPFingerprint
    /// Address of the single host candidate (IPv4 or IPv6 literal; IPv6 when it contains ':').
    public var candidateAddress: String
    /// UDP port of the host candidate.
    public var candidatePort: UInt16
    /// `o=` session id, stable for the life of the peer connection.
    public var sessionId: UInt64
    /// `o=` version used by ``answerPublisherOffer(_:local:capabilities:)``; increment it for each
    /// new answer on the same peer connection (RFC 3264 §8).
    public var sessionVersion: UInt64

    public init(iceUfrag: String, icePwd: String, fingerprint: SDPFingerprint, candidateAddress: String,
                candidatePort: UInt16, sessionId: UInt64, sessionVersion: UInt64 = 1) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidateAddress = candidateAddress
        self.candidatePort = candidatePort
        self.sessionId = sessionId
        self.sessionVersion = sessionVersion
    }
}

/// Codecs the server can receive and forward.
public enum SupportedCodec: String, Hashable, Sendable, CaseIterable {
    /// opus/48000/2.
    case opus
    /// VP8/90000.
    case vp8
    /// H264/90000, packetization-mode=1, profile in ``ServerCapabilities/h264Profiles``.
    case h264
    /// VP9/90000, profile-id 0 or 2 (8- and 10-bit 4:2:0).
    case vp9
    /// AV1/90000, profile 0 (Main).
    case av1
}

/// A track the server itself sends on a sendrecv section of a publisher peer connection, e.g. the
/// mixed room audio on the WSC audio PC (WSC §3.5: one sendrecv audio PC answered by a mixer).
public struct ServerSendTrack: Hashable, Sendable {
    public var ssrc: UInt32
    public var cname: String
    public var streamId: String
    public var trackId: String

    public init(ssrc: UInt32, cname: String, streamId: String, trackId: String) {
        self.ssrc = ssrc
        self.cname = cname
        self.streamId = streamId
        self.trackId = trackId
    }
}

/// What ``answerPublisherOffer(_:local:capabilities:)`` accepts.
public struct ServerCapabilities: Hashable, Sendable {
    public var codecs: Set<SupportedCodec>
    /// H.264 profiles accepted (matched on profile_idc + profile_iop, never on level, BH-03).
    public var h264Profiles: Set<H264Profile>
    /// RTCP feedback kept for accepted codecs when offered.
    public var rtcpFeedback: [RTCPFeedback]
    /// Header extension URIs accepted when offered (ids are always the offer's).
    public var headerExtensions: Set<String>
    /// Accept rid-based simulcast (RFC 8853) when offered with the rtp-stream-id extension.
    public var simulcast: Bool
    /// Per kind: the track the server sends when the client offers sendrecv. Without an entry a
    /// sendrecv offer is answered recvonly.
    public var sendTracks: [MediaKind: ServerSendTrack]

    public init(codecs: Set<SupportedCodec> = Set(SupportedCodec.allCases),
                h264Profiles: Set<H264Profile> = [.constrainedBaseline, .baseline],
                rtcpFeedback: [RTCPFeedback] = [.nack, .pli, .fir, .remb, .transportCC],
                headerExtensions: Set<String> = ServerCapabilities.defaultHeaderExtensions,
                simulcast: Bool = true,
                sendTracks: [MediaKind: ServerSendTrack] = [:]) {
        self.codecs = codecs
        self.h264Profiles = h264Profiles
        self.rtcpFeedback = rtcpFeedback
        self.headerExtensions = headerExtensions
        self.simulcast = simulcast
        self.sendTracks = sendTracks
    }

    /// Opus, VP8, VP9 (profiles 0, 2), AV1 (Main), H264 (Constrained Baseline / Baseline,
    /// packetization-mode 1), each with its RTX; nack, PLI, FIR,
    /// REMB, transport-cc, the default extensions, simulcast on, nothing sent.
    public static let `default` = ServerCapabilities()

    public static let defaultHeaderExtensions: Set<String> = [
        HeaderExtensionURI.mid, HeaderExtensionURI.rtpStreamId, HeaderExtensionURI.repairedRtpStreamId,
        HeaderExtensionURI.absSendTime, HeaderExtensionURI.transportWideCC, HeaderExtensionURI.audioLevel,
        HeaderExtensionURI.videoOrientation, HeaderExtensionURI.dependencyDescriptor,
    ]

    /// The track sent on a sendrecv section of `kind`, if configured.
    public func sendTrack(for kind: MediaKind) -> ServerSendTrack? { sendTracks[kind] }
}

/// The outcome for one m-section of a publisher offer.
public struct NegotiatedMedia: Hashable, Sendable {
    /// The offer's mid ("" only for a rejected section that had none).
    public var mid: String
    public var kind: MediaKind
    public var accepted: Bool
    /// Why the section was rejected (for logs), nil when accepted.
    public var rejectionReason: String?
    /// Direction written in the answer, from the server's point of view (`.recvonly`: the server
    /// receives the client's media).
    public var direction: SDPDirection
    /// Accepted codecs with the offer's payload types, in offer order; `rtxPayloadType` set when
    /// the offer's RTX for that codec was accepted too.
    public var codecs: [RTPCodec]
    /// Accepted header extensions with the offer's ids.
    public var extensions: [RTPHeaderExtension]
    /// Primary (media) SSRCs the client announced; empty for rid-based simulcast.
    public var ssrcs: [UInt32]
    /// Primary SSRC → RTX SSRC (`a=ssrc-group:FID`).
    public var rtxSSRCs: [UInt32: UInt32]
    /// Accepted simulcast rids in the offer's `a=simulcast` order (empty: no simulcast).
    public var rids: [String]
    public var msid: SDPMSID?
    public var cname: String?
    /// SSRC the server sends on this section (``ServerCapabilities/sendTracks``), else nil.
    public var localSSRC: UInt32?

    public init(mid: String, kind: MediaKind, accepted: Bool, rejectionReason: String? = nil,
                direction: SDPDirection, codecs: [RTPCodec] = [], extensions: [RTPHeaderExtension] = [],
                ssrcs: [UInt32] = [], rtxSSRCs: [UInt32: UInt32] = [:], rids: [String] = [],
                msid: SDPMSID? = nil, cname: String? = nil, localSSRC: UInt32? = nil) {
        self.mid = mid
        self.kind = kind
        self.accepted = accepted
        self.rejectionReason = rejectionReason
        self.direction = direction
        self.codecs = codecs
        self.extensions = extensions
        self.ssrcs = ssrcs
        self.rtxSSRCs = rtxSSRCs
        self.rids = rids
        self.msid = msid
        self.cname = cname
        self.localSSRC = localSSRC
    }

    /// True when simulcast layers were accepted.
    public var isSimulcast: Bool { !rids.isEmpty }
}

/// Result of ``answerPublisherOffer(_:local:capabilities:)``.
public struct PublisherAnswer: Hashable, Sendable {
    /// The answer to send back (write with ``SessionDescription/serialized()``).
    public var answer: SessionDescription
    /// One entry per offered m-section, in offer order.
    public var media: [NegotiatedMedia]
    /// The client's ICE credentials (STUN checks from it use `<serverUfrag>:<remoteUfrag>`).
    public var remoteICE: ICECredentials
    /// The fingerprint the client's DTLS certificate must match (strongest offered hash).
    public var remoteFingerprint: SDPFingerprint
    /// The client's `a=setup` (absent is treated as `active`, RFC 4145 §4).
    public var remoteSetup: SDPSetupRole
    /// The role the server must play: `.server` for actpass/active offers, `.client` for passive.
    public var dtlsRole: DTLSRole
    /// True when the answer carries `a=extmap-allow-mixed` (two-byte header extensions allowed).
    public var extmapAllowMixed: Bool
}
