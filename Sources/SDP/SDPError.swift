/// Every error thrown by the SDP target.
///
/// `description` is a human-readable sentence meant to be returned verbatim to the client
/// (the server answers HTTP 400 with it, WSC §3.4/§3.5).
public enum SDPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not valid SDP (RFC 8866 §5/§9) or a known attribute is malformed or duplicated.
    /// `line` is 1-based.
    case syntax(line: Int, reason: String)
    /// The text exceeds a parser bound (size, number of m-sections, ...). Nothing was parsed.
    case limitExceeded(reason: String)
    /// The description parsed but is not a WebRTC offer/answer this server can use
    /// (no fingerprint, no ICE credentials, wrong transport protocol ...).
    case notWebRTC(reason: String)
    /// Negotiation failed although the description is WebRTC (inconsistent DTLS role,
    /// answer not matching the offer, ...).
    case negotiation(reason: String)

    /// The reason without the case prefix.
    public var reason: String {
        switch self {
        case .syntax(let line, let reason): return "line \(line): \(reason)"
        case .limitExceeded(let reason), .notWebRTC(let reason), .negotiation(let reason): return reason
        }
    }

    public var description: String {
        switch self {
        case .syntax: return "invalid SDP: \(reason)"
        case .limitExceeded: return "SDP rejected: \(reason)"
        case .notWebRTC: return "offer must be WebRTC: \(reason)"
        case .negotiation: return "SDP negotiation failed: \(reason)"
        }
    }
}

/// Bounds enforced by ``SessionDescription/parse(_:)``. Anything above is rejected with
/// ``SDPError/limitExceeded(reason:)`` before it can cost memory or time.
public enum SDPLimits {
    /// Maximum size of the SDP text in UTF-8 bytes (64 KiB).
    public static let maxBytes = 64 * 1024
    /// Maximum number of `m=` sections.
    public static let maxMediaSections = 64
    /// Maximum length of one identifier (mid, rid, msid ids, ufrag, pwd, cname), in bytes.
    public static let maxIdentifierLength = 256
}
