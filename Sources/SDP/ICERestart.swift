/// An ICE username fragment and password (RFC 8839 §5.4).
public struct ICECredentials: Hashable, Sendable {
    public var ufrag: String
    public var pwd: String

    public init(ufrag: String, pwd: String) {
        self.ufrag = ufrag
        self.pwd = pwd
    }
}

/// Tells whether `offer` restarts ICE relative to the remote credentials the server last accepted
/// (RFC 8839 §4.4.1.1.1: a change of ufrag OR pwd is a restart; w3c/webrtc-pc#2229; BH-11).
///
/// Every live m-section is checked (a per-section restart counts). A live section without
/// credentials also counts as a change.
///
/// On `true` the caller must answer with NEW local ufrag/pwd (RFC 8839 §4.4.1.2.2 — the old ones
/// must stop working) but keep DTLS and SRTP when fingerprint and setup are unchanged.
/// - Returns: false for an offer without any live m-section.
public func isICERestart(previous: ICECredentials, offer: SessionDescription) -> Bool {
    for media in offer.media where offer.isLive(media) {
        guard let credentials = offer.iceCredentials(for: media) else { return true }
        if credentials != previous { return true }
    }
    return false
}
