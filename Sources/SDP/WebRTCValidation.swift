/// Protocols a live m-section may use.
enum WebRTCProto {
    static let rtp = "UDP/TLS/RTP/SAVPF"
    static let sctp: Set<String> = ["UDP/DTLS/SCTP", "TCP/DTLS/SCTP", "DTLS/SCTP"]
}

extension SessionDescription {
    /// Checks that the description is a usable WebRTC offer (or answer) ("offer must be WebRTC"):
    ///
    /// - at least one m-section;
    /// - every live m-section (``isLive(_:)``) has a mid, ICE credentials (session or media level),
    ///   a fingerprint (session or media level), and proto `UDP/TLS/RTP/SAVPF` for audio/video or
    ///   `UDP/DTLS/SCTP` (also `TCP/DTLS/SCTP`, legacy `DTLS/SCTP`) for application;
    /// - live RTP sections carry `a=rtcp-mux` (the server multiplexes RTP and RTCP on one port).
    ///
    /// - Throws: ``SDPError/notWebRTC(reason:)`` naming the first offending m-section.
    public func validateWebRTC() throws {
        guard !media.isEmpty else { throw SDPError.notWebRTC(reason: "no m-section") }
        for (index, section) in media.enumerated() where isLive(section) {
            let name = "m-section \(index) (\(section.kind.token))"
            guard let mid = section.mid else { throw SDPError.notWebRTC(reason: "\(name) has no a=mid") }
            let label = "m-section \(index) (mid \(mid))"
            switch section.kind {
            case .audio, .video:
                guard section.proto == WebRTCProto.rtp else {
                    throw SDPError.notWebRTC(reason: "\(label) uses \(section.proto), expected \(WebRTCProto.rtp)")
                }
                guard section.isRTCPMux else { throw SDPError.notWebRTC(reason: "\(label) lacks a=rtcp-mux") }
            case .application:
                guard WebRTCProto.sctp.contains(section.proto) else {
                    throw SDPError.notWebRTC(reason: "\(label) uses \(section.proto), expected UDP/DTLS/SCTP")
                }
            case .other:
                // Unknown media kinds are answered as rejected, not refused.
                continue
            }
            guard iceCredentials(for: section) != nil else {
                throw SDPError.notWebRTC(reason: "\(label) has no a=ice-ufrag/a=ice-pwd")
            }
            guard !fingerprints(for: section).isEmpty else {
                throw SDPError.notWebRTC(reason: "\(label) has no a=fingerprint (session or media level)")
            }
        }
    }
}
