import Foundation

/// One point of the per-second timeline (plots in the HTML report).
public struct TimePoint: Sendable, Codable, Equatable {
    /// Seconds since the run started.
    public var t: Double
    public var joined: Int
    public var flowing: Int
    public var failed: Int
    public var sentBitsPerSecond: Double
    public var receivedBitsPerSecond: Double
    public var receivedPacketsPerSecond: Double
    /// Video packet loss in this interval, percent.
    public var lossPercent: Double
    public var delayP50Ms: Double?
    public var delayP95Ms: Double?
    public var serverCPUPercent: Double?
    public var serverRSSMiB: Double?
}

/// Whole-run results (issue 6 §3). Percentiles are over all participants.
public struct LoadSummary: Sendable, Codable, Equatable {
    public var participants = 0
    public var joined = 0
    public var flowing = 0
    public var failed = 0
    public var joinLatencyP50Ms: Double?
    public var joinLatencyP95Ms: Double?
    public var joinLatencyMaxMs: Double?
    public var firstFrameP50Ms: Double?
    public var firstFrameP95Ms: Double?
    public var videoPacketsSent = 0
    public var videoBytesSent = 0
    public var audioPacketsSent = 0
    public var videoPacketsReceived = 0
    public var videoBytesReceived = 0
    public var audioPacketsReceived = 0
    public var packetsExpected = 0
    public var packetsLost = 0
    public var lossPercent = 0.0
    public var jitterMeanMs = 0.0
    public var delayP50Ms: Double?
    public var delayP95Ms: Double?
    public var delayP99Ms: Double?
    public var delayMaxMs: Double?
    public var framesSent = 0
    public var framesReceived = 0
    public var framesExpected = 0
    public var incompleteFrames = 0
    public var streamsExpected = 0
    public var streamsFlowing = 0
    /// Steady window (after the ramp) used for the rates and the server cost below, seconds.
    public var steadySeconds = 0.0
    /// RTP packets (video + audio) the subscribers received per second in the steady window:
    /// packets the server forwarded and that arrived.
    public var forwardedPacketsPerSecond = 0.0
    public var serverCPUSeconds: Double?
    /// Server CPU time per forwarded packet in the steady window, µs.
    public var serverCPUMicrosPerPacket: Double?
    public var serverCPUPercentMean: Double?
    public var serverRSSMaxMiB: Double?
    /// Median ms after the REST join of each milestone (see `ParticipantSnapshot.steps`).
    public var stepMediansMs: [String: Double] = [:]
    /// Failure reasons (step: reason, numbers and ids stripped) → count.
    public var failureReasons: [String: Int] = [:]
    public var warnings: [String: Int] = [:]
}

public struct LoadReport: Sendable, Codable {
    public var tool = "parley-load"
    public var startedAt: String
    public var options: LoadOptions
    public var serverPID: Int32?
    public var interrupted = false
    public var videoLoopBitrate: Double
    public var summary: LoadSummary
    public var timeline: [TimePoint]
    public var participants: [ParticipantSnapshot]

    /// JSON with sorted keys, pretty-printed.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// Summary arithmetic over participant snapshots. Pure.
public enum SummaryBuilder {
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    /// A failure reason with UUIDs and long numbers (ids, ports, byte counts ≥ 4 digits) blanked,
    /// so equal causes group together; short numbers such as HTTP statuses stay.
    public static func reasonClass(_ text: String) -> String {
        var out = ""
        var word = ""
        func flush() {
            if UUID(uuidString: word) != nil {
                out += "<id>"
            } else if word.count >= 4, word.allSatisfy(\.isNumber) {
                out += "#"
            } else {
                out += word
            }
            word = ""
        }
        for ch in text.prefix(240) {
            if ch.isLetter || ch.isNumber || ch == "-" {
                word.append(ch)
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }

    public static func summarize(_ participants: [ParticipantSnapshot]) -> LoadSummary {
        var s = LoadSummary()
        s.participants = participants.count
        var joins: [Double] = [], firsts: [Double] = [], jitter: [Double] = []
        var delay = DelayHistogram()
        for p in participants {
            if p.joinedAt != nil { s.joined += 1 }
            if p.isFlowing { s.flowing += 1 }
            if let step = p.failedStep, let reason = p.failure {
                s.failed += 1
                s.failureReasons["\(step): \(reasonClass(reason))", default: 0] += 1
            }
            for w in p.warnings { s.warnings[reasonClass(w), default: 0] += 1 }
            if let j = p.joinLatencyMs { joins.append(j) }
            if let f = p.timeToFirstFrameMs { firsts.append(f) }
            if p.videoPacketsReceived > 0 { jitter.append(p.jitterMs) }
            s.videoPacketsSent += p.videoPacketsSent
            s.videoBytesSent += p.videoBytesSent
            s.audioPacketsSent += p.audioPacketsSent
            s.videoPacketsReceived += p.videoPacketsReceived
            s.videoBytesReceived += p.videoBytesReceived
            s.audioPacketsReceived += p.audioPacketsReceived
            s.packetsExpected += p.packetsExpected
            s.packetsLost += p.packetsLost
            s.framesSent += p.framesSent
            s.framesReceived += p.framesReceived
            s.framesExpected += p.framesExpected
            s.incompleteFrames += p.incompleteFrames
            s.streamsExpected += p.streamsExpected
            s.streamsFlowing += min(p.streamsFlowing, p.streamsExpected)
            delay.merge(p.delay)
        }
        var steps: [String: [Double]] = [:]
        for p in participants { for (k, v) in p.steps { steps[k, default: []].append(v) } }
        for (k, v) in steps { s.stepMediansMs[k] = percentile(v, 0.5) }
        s.joinLatencyP50Ms = percentile(joins, 0.5)
        s.joinLatencyP95Ms = percentile(joins, 0.95)
        s.joinLatencyMaxMs = joins.max()
        s.firstFrameP50Ms = percentile(firsts, 0.5)
        s.firstFrameP95Ms = percentile(firsts, 0.95)
        s.lossPercent = s.packetsExpected > 0 ? 100 * Double(s.packetsLost) / Double(s.packetsExpected) : 0
        s.jitterMeanMs = jitter.isEmpty ? 0 : jitter.reduce(0, +) / Double(jitter.count)
        s.delayP50Ms = delay.percentile(0.5)
        s.delayP95Ms = delay.percentile(0.95)
        s.delayP99Ms = delay.percentile(0.99)
        s.delayMaxMs = delay.total > 0 ? delay.maximum : nil
        return s
    }
}

extension LoadReport {
    static let stepOrder = ["joined", "published", "publisher ICE", "publisher connected", "subscribe offered",
                            "subscribe answered", "subscriber ICE", "subscriber connected", "first packet", "first frame"]

    /// The human-readable summary table printed at the end of a run.
    public func summaryTable() -> String {
        let s = summary
        func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0) } ?? "-" }
        func n(_ v: Int) -> String { String(v) }
        var rows: [(String, String)] = [
            ("target", "\(options.target.rawValue) \(options.target == .parley ? options.server : options.janusURL)"),
            ("meetings × participants (publishers)", "\(options.meetings) × \(options.participants) (\(options.publishers))"),
            ("participants joined / flowing / failed", "\(s.joined) / \(s.flowing) / \(s.failed) of \(s.participants)"),
            ("streams flowing / expected", "\(s.streamsFlowing) / \(s.streamsExpected)"),
            ("join latency p50 / p95 / max", "\(ms(s.joinLatencyP50Ms)) / \(ms(s.joinLatencyP95Ms)) / \(ms(s.joinLatencyMaxMs))"),
            ("time to first frame p50 / p95", "\(ms(s.firstFrameP50Ms)) / \(ms(s.firstFrameP95Ms))"),
            ("join milestones (median ms)", Self.stepOrder.compactMap { k in s.stepMediansMs[k].map { "\(k) \(Int($0))" } }.joined(separator: ", ")),
            ("video packets sent / received", "\(n(s.videoPacketsSent)) / \(n(s.videoPacketsReceived))"),
            ("video bytes sent / received", "\(n(s.videoBytesSent)) / \(n(s.videoBytesReceived))"),
            ("audio packets sent / received", "\(n(s.audioPacketsSent)) / \(n(s.audioPacketsReceived))"),
            ("loss (RFC 3550, video)", String(format: "%.3f %% (%d of %d)", s.lossPercent, s.packetsLost, s.packetsExpected)),
            ("jitter (RFC 3550, mean)", String(format: "%.2f ms", s.jitterMeanMs)),
            ("end-to-end delay p50 / p95 / p99", "\(ms(s.delayP50Ms)) / \(ms(s.delayP95Ms)) / \(ms(s.delayP99Ms))"),
            ("frames sent / received / expected", "\(s.framesSent) / \(s.framesReceived) / \(s.framesExpected) (incomplete \(s.incompleteFrames))"),
            ("forwarded packets/s (steady \(String(format: "%.0f", s.steadySeconds)) s)", String(format: "%.0f", s.forwardedPacketsPerSecond)),
        ]
        if let cpu = s.serverCPUSeconds {
            rows.append(("server CPU (steady)", String(format: "%.2f s, mean %.1f %% of a core", cpu, s.serverCPUPercentMean ?? 0)))
            rows.append(("server CPU per forwarded packet", s.serverCPUMicrosPerPacket.map { String(format: "%.2f µs", $0) } ?? "-"))
            rows.append(("server RSS max", s.serverRSSMaxMiB.map { String(format: "%.1f MiB", $0) } ?? "-"))
        } else {
            rows.append(("server CPU / memory", "not sampled (server not local or pid unknown)"))
        }
        for (reason, count) in s.failureReasons.sorted(by: { $0.value > $1.value }).prefix(10) {
            rows.append(("failed ×\(count)", reason))
        }
        for (warning, count) in s.warnings.sorted(by: { $0.value > $1.value }).prefix(5) {
            rows.append(("warning ×\(count)", warning))
        }
        let width = rows.map { $0.0.count }.max() ?? 0
        var out = interrupted ? "parley-load summary (interrupted)\n" : "parley-load summary\n"
        for (k, v) in rows { out += k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v + "\n" }
        return out
    }
}
