import NIOConcurrencyHelpers
import RTP
import WebRTCClient

/// Numbers of one simulated participant at one moment (cumulative since its start). Times are
/// seconds since the run started; nil when the event has not happened.
public struct ParticipantSnapshot: Sendable, Codable, Equatable {
    public var index: Int
    public var meeting: Int
    public var userId: String
    public var publisher: Bool
    public var joinStartedAt: Double?
    public var joinedAt: Double?
    public var mediaFlowingAt: Double?
    public var firstFrameAt: Double?
    public var failedStep: String?
    public var failure: String?
    public var warnings: [String] = []
    public var videoPacketsSent = 0
    public var videoBytesSent = 0
    public var framesSent = 0
    public var audioPacketsSent = 0
    public var audioBytesSent = 0
    public var videoPacketsReceived = 0
    public var videoBytesReceived = 0
    public var audioPacketsReceived = 0
    public var audioBytesReceived = 0
    /// RFC 3550 over every received video SSRC.
    public var packetsExpected = 0
    public var packetsLost = 0
    /// Mean interarrival jitter over received video streams, ms.
    public var jitterMs = 0.0
    public var framesReceived = 0
    /// Frames the publishers sent between the first and last frame received from each (by stamp).
    public var framesExpected = 0
    public var incompleteFrames = 0
    public var streamsExpected = 0
    /// Streams with a packet in the last 2 s.
    public var streamsFlowing = 0
    public var keyframeRequestsReceived = 0
    /// Milestones after the REST join started, ms: "joined", "published" (answer received),
    /// "publisher connected", "subscribe offered", "subscribe answered", "subscriber connected",
    /// "first packet", "first frame" (first occurrence of each).
    public var steps: [String: Double] = [:]
    public var delay = DelayHistogram()

    /// Join latency: REST join → media flowing, ms. Media flowing: the first video packet sent
    /// (publishers), else the first video packet received (audio only when no video is expected).
    public var joinLatencyMs: Double? {
        guard let a = joinStartedAt, let b = mediaFlowingAt else { return nil }
        return (b - a) * 1000
    }
    /// REST join → first complete video frame, ms.
    public var timeToFirstFrameMs: Double? {
        guard let a = joinStartedAt, let b = firstFrameAt else { return nil }
        return (b - a) * 1000
    }
    public var lossFraction: Double { packetsExpected > 0 ? Double(packetsLost) / Double(packetsExpected) : 0 }
    /// True when not failed and every expected stream (and own sending, for publishers) flows.
    public var isFlowing: Bool {
        failure == nil && mediaFlowingAt != nil && streamsFlowing >= streamsExpected && (!publisher || videoPacketsSent > 0)
    }
}

/// Thread-safe accumulator behind a `ParticipantSnapshot`: media callbacks (event loop) and the
/// signaling task write, the sampler reads. Per-SSRC state is bounded to `maxStreams`.
final class ParticipantStats: @unchecked Sendable {
    static let maxStreams = 256
    private let lock = NIOLock()
    private var snapshotValue: ParticipantSnapshot
    private var streams: [UInt32: StreamState] = [:]
    private var publishers: [UInt32: (first: UInt32, last: UInt32, count: Int)] = [:]
    private var interval = DelayHistogram()
    let runStart: Double

    struct StreamState {
        var statistics = RTPReceiveStatistics(clockRate: 90_000)
        var assembler = VP8FrameAssembler()
        var lastArrival = 0.0
    }

    /// False when this participant has no video to receive (then received audio marks media flowing).
    let expectsVideo: Bool

    init(index: Int, meeting: Int, userId: String, publisher: Bool, expectsVideo: Bool, runStart: Double) {
        snapshotValue = ParticipantSnapshot(index: index, meeting: meeting, userId: userId, publisher: publisher)
        self.expectsVideo = expectsVideo
        self.runStart = runStart
    }

    func update(_ body: (inout ParticipantSnapshot) -> Void) { lock.withLock { body(&snapshotValue) } }

    func mark(_ keyPath: WritableKeyPath<ParticipantSnapshot, Double?>, at time: Double = ClientClock.now()) {
        lock.withLock { if snapshotValue[keyPath: keyPath] == nil { snapshotValue[keyPath: keyPath] = time - runStart } }
    }

    /// Records milestone `name` (first time only), relative to the join start.
    func step(_ name: String, at time: Double = ClientClock.now()) {
        lock.withLock {
            guard snapshotValue.steps[name] == nil, snapshotValue.steps.count < 32,
                  let start = snapshotValue.joinStartedAt else { return }
            snapshotValue.steps[name] = (time - runStart - start) * 1000
        }
    }

    func fail(step: String, reason: String) {
        lock.withLock {
            guard snapshotValue.failure == nil else { return }
            snapshotValue.failedStep = step
            snapshotValue.failure = reason
        }
    }

    func warn(_ text: String) { lock.withLock { if snapshotValue.warnings.count < 8 { snapshotValue.warnings.append(text) } } }

    var hasFailed: Bool { lock.withLock { snapshotValue.failure != nil } }

    func recordVideoSent(packets: Int, bytes: Int) {
        lock.withLock {
            snapshotValue.videoPacketsSent += packets
            snapshotValue.videoBytesSent += bytes
            snapshotValue.framesSent += 1
        }
    }

    func recordAudioSent(bytes: Int) {
        lock.withLock {
            snapshotValue.audioPacketsSent += 1
            snapshotValue.audioBytesSent += bytes
        }
    }

    func recordAudioReceived(bytes: Int, arrival: Double) {
        lock.withLock {
            snapshotValue.audioPacketsReceived += 1
            snapshotValue.audioBytesReceived += bytes
            if snapshotValue.mediaFlowingAt == nil, !expectsVideo, !snapshotValue.publisher {
                snapshotValue.mediaFlowingAt = arrival - runStart
            }
        }
    }

    /// A received video RTP packet (already SRTP-unprotected).
    func recordVideo(packet: [UInt8], arrival: Double) {
        guard let header = try? RTPHeader.parse(packet), !header.isPaddingOnly else { return }
        lock.withLock {
            snapshotValue.videoPacketsReceived += 1
            snapshotValue.videoBytesReceived += packet.count
            if snapshotValue.mediaFlowingAt == nil, !snapshotValue.publisher { snapshotValue.mediaFlowingAt = arrival - runStart }
            if snapshotValue.steps["first packet"] == nil, let start = snapshotValue.joinStartedAt {
                snapshotValue.steps["first packet"] = (arrival - runStart - start) * 1000
            }
            if streams[header.ssrc] == nil {
                guard streams.count < Self.maxStreams else { return }
                streams[header.ssrc] = StreamState()
            }
            guard var state = streams[header.ssrc] else { return }
            state.lastArrival = arrival
            state.statistics.record(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                                    arrival: arrival, bytes: packet.count)
            let payload = packet[header.payloadRange]
            if let frame = state.assembler.insert(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                                                  marker: header.marker, payload: payload) {
                snapshotValue.framesReceived += 1
                if snapshotValue.firstFrameAt == nil {
                    snapshotValue.firstFrameAt = arrival - runStart
                    if let start = snapshotValue.joinStartedAt { snapshotValue.steps["first frame"] = (arrival - runStart - start) * 1000 }
                }
                if let stamp = FrameStamp.read(from: frame.data) {
                    let ms = (arrival * 1e6 - Double(stamp.sendTimeMicros)) / 1000
                    snapshotValue.delay.record(ms)
                    interval.record(ms)
                    var entry = publishers[stamp.publisherIndex] ?? (stamp.frameNumber, stamp.frameNumber, 0)
                    if stamp.frameNumber &- entry.first > 0x8000_0000 { entry.first = stamp.frameNumber }
                    if stamp.frameNumber &- entry.last < 0x8000_0000 { entry.last = stamp.frameNumber }
                    entry.count += 1
                    publishers[stamp.publisherIndex] = entry
                }
            }
            streams[header.ssrc] = state
        }
    }

    /// The current numbers; `now` decides which streams count as flowing.
    func snapshot(now: Double = ClientClock.now()) -> ParticipantSnapshot {
        lock.withLock {
            var s = snapshotValue
            var expected = 0, lost = 0, jitter = 0.0, incomplete = 0, flowing = 0
            for state in streams.values {
                expected += state.statistics.expected
                lost += state.statistics.lost
                jitter += state.statistics.jitterMilliseconds
                incomplete += state.assembler.incompleteFrames
                if now - state.lastArrival < 2 { flowing += 1 }
            }
            s.packetsExpected = expected
            s.packetsLost = lost
            s.jitterMs = streams.isEmpty ? 0 : jitter / Double(streams.count)
            s.incompleteFrames = incomplete
            s.streamsFlowing = flowing
            s.framesExpected = publishers.values.reduce(0) { $0 + Int($1.last &- $1.first) + 1 }
            return s
        }
    }

    /// Delays recorded since the previous call (for the per-second plot).
    func takeIntervalDelays() -> DelayHistogram {
        lock.withLock {
            let h = interval
            interval = DelayHistogram()
            return h
        }
    }
}
