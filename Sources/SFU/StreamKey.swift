/// Identifies one published stream in a router: the publishing participant and the stream's
/// name (WSC: `video` or `screen`). Its `msidStreamID`, `"<participantID>/<name>"`, is the msid
/// stream id subscribers see (the WSC client splits it on "/", spec §3.3).
public struct StreamKey: Hashable, Sendable, CustomStringConvertible {
    public var participantID: String
    public var name: String

    public init(participantID: String, name: String) {
        self.participantID = participantID
        self.name = name
    }

    public var msidStreamID: String { "\(participantID)/\(name)" }
    public var description: String { msidStreamID }
}

/// Errors the SFU reports to the control plane.
public enum SFUError: Error, Equatable, CustomStringConvertible {
    /// The SDP could not be parsed or negotiated; the message says why (HTTP 400).
    case invalidSDP(String)
    /// The request names a session or stream that does not exist (HTTP 424/404).
    case unknown(String)
    /// The media plane could not set up a transport (OpenSSL/libsrtp failure).
    case transport(String)

    public var description: String {
        switch self {
        case .invalidSDP(let m): return m
        case .unknown(let m): return m
        case .transport(let m): return m
        }
    }
}
