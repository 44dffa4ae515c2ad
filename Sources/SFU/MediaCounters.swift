/// Cumulative media counters of one SFU (monotonic: they survive closed transports), for
/// `/metrics`. Confined to the media event loop.
public final class MediaCounters {
    /// RTP packets and bytes sent to subscribers (video forwarding; retransmissions included).
    public internal(set) var videoPacketsForwarded = 0
    public internal(set) var videoBytesForwarded = 0
    /// Mixed audio packets and bytes sent to listeners.
    public internal(set) var audioPacketsSent = 0
    public internal(set) var audioBytesSent = 0
    /// NACKed packets resent, and NACKed packets no longer in the buffer.
    public internal(set) var retransmissions = 0
    public internal(set) var retransmissionsUnavailable = 0
    /// PLIs sent to publishers.
    public internal(set) var keyframeRequests = 0
    /// Packets not forwarded, per reason (RTP that matches no stream, malformed RTP…).
    public internal(set) var drops: [String: Int] = [:]

    init() {}

    func drop(_ reason: String) { drops[reason, default: 0] += 1 }
}

extension MediaCounters {
    /// A copy of the counters, safe to hand to another thread.
    public struct Snapshot: Sendable, Equatable {
        public var videoPacketsForwarded = 0, videoBytesForwarded = 0, audioPacketsSent = 0, audioBytesSent = 0
        public var retransmissions = 0, retransmissionsUnavailable = 0, keyframeRequests = 0
    }

    public static func snapshot(of c: MediaCounters) -> Snapshot {
        Snapshot(videoPacketsForwarded: c.videoPacketsForwarded, videoBytesForwarded: c.videoBytesForwarded,
                 audioPacketsSent: c.audioPacketsSent, audioBytesSent: c.audioBytesSent,
                 retransmissions: c.retransmissions, retransmissionsUnavailable: c.retransmissionsUnavailable,
                 keyframeRequests: c.keyframeRequests)
    }
}
