import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import WebRTCClient
import WebRTCTransport

/// Set from a signal handler (Ctrl-C) or a test to end the run early; the run still tears down
/// and reports.
public final class StopSignal: @unchecked Sendable {
    private let flag = NIOLockedValueBox(false)
    public init() {}
    public func stop() { flag.withLockedValue { $0 = true } }
    public var isStopped: Bool { flag.withLockedValue { $0 } }
}

/// Runs one load test (issue 6): users and media loops are prepared, every meeting's
/// participants connect their event channel, the owner creates and starts the meeting, then the
/// participants join at `ramp` per second, publish and subscribe; the run measures for
/// `duration` seconds after the last join, leaves, and returns the report. Every wait is bounded.
public final class LoadRunner: @unchecked Sendable {
    public let options: LoadOptions
    let output: @Sendable (String) -> Void
    let progress: @Sendable (String) -> Void

    /// - Parameters:
    ///   - output: receives whole lines (start-up messages).
    ///   - progress: receives the progress line once per `progressInterval`.
    public init(options: LoadOptions, output: @escaping @Sendable (String) -> Void,
                progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.output = output
        self.progress = progress
    }

    /// - Throws: `LoadOptions.ValidationError` for unusable options, `VP8EncoderError` /
    ///   `OpusCodecError` / `DTLSError` when the media set-up fails. Per-participant failures are
    ///   in the report, never thrown.
    public func run(stop: StopSignal) async throws -> LoadReport {
        try options.validate()
        let startedAt = ISO8601DateFormatter().string(from: Date())
        let total = options.meetings * options.participants
        let users = try TokenMinter.users(count: total, secret: options.tokenSecret, file: options.tokenFile, prefix: "load")
        output("encoding the VP8 test pattern (\(options.videoWidth)x\(options.videoHeight), \(options.videoBitrate / 1000) kbit/s)…")
        let video = try VideoLoop.make(width: options.videoWidth, height: options.videoHeight, bitrate: options.videoBitrate,
                                       framesPerSecond: options.framesPerSecond)
        let audio = options.audio ? try AudioLoop.make(toneHz: options.audioToneHz > 0 ? options.audioToneHz : nil) : nil
        let certificate = try DTLSCertificate(commonName: "parley-load")
        let dtls = try DTLSContext(certificate: certificate)
        let threads = options.threads > 0 ? options.threads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)

        let endpointURL = options.target == .parley ? options.server : options.janusURL
        guard let endpoint = HTTPEndpoint(url: endpointURL) else { throw LoadOptions.ValidationError(message: "bad URL \(endpointURL)") }
        let factory: MeetingSignalingFactory = options.target == .parley
            ? WSCMeetingFactory(endpoint: endpoint, group: group)
            : JanusMeetingFactory(endpoint: endpoint, group: group, participantsPerMeeting: options.participants,
                                  bitrate: options.videoBitrate)
        var serverPID = options.serverPID
        if serverPID == nil, LoadOptions.isLoopback(endpoint.host) { serverPID = ServerProbe.pidListening(onTCPPort: endpoint.port) }

        let runStart = ClientClock.now()
        let context = RunContext(options: options, video: video, audio: audio, dtlsContext: dtls, runStart: runStart)
        var rosters: [MeetingRoster] = []
        var participants: [SimulatedParticipant] = []
        var publisherCount = 0
        for m in 0..<options.meetings {
            let roster = MeetingRoster()
            rosters.append(roster)
            for j in 0..<options.participants {
                let index = m * options.participants + j
                let user = users[index]
                var ref: PublisherRef?
                if j < options.publishers {
                    ref = PublisherRef(index: publisherCount, userId: user.id, feedId: UInt64(j + 1))
                    publisherCount += 1
                }
                let signaling = factory.participant(user: user, meeting: m, isOwner: j == 0)
                participants.append(SimulatedParticipant(index: index, meeting: m, user: user, publisherRef: ref,
                                                         signaling: signaling, eventLoop: group.next(),
                                                         context: context, roster: roster))
            }
        }

        let sampler = Sampler(participants: participants, serverPID: serverPID, runStart: runStart)
        let samplerTask = Task { [options, progress] in
            // One sample per second; bounded by the longest possible run (ramp + duration + slack).
            for _ in 0..<Int(LoadOptions.maxDuration * 2 + Double(total) / options.ramp + 600) where !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(1e9))
                let point = sampler.sample()
                if options.progressInterval > 0 { progress(sampler.progressLine(point)) }
            }
        }

        // 1. Event channels (bounded concurrency), then each meeting's room/meeting/start.
        output("connecting \(total) participants to \(options.target.rawValue) at \(endpointURL)…")
        await forEachConcurrently(participants, limit: 16, stop: stop) { p in
            do { try await p.signaling.connect() } catch { p.record(error, step: "connect") }
        }
        for m in 0..<options.meetings where !stop.isStopped {
            let members = participants.filter { $0.meeting == m }
            guard let owner = members.first else { continue }
            guard !owner.stats.hasFailed else {
                for p in members { p.stats.fail(step: "meeting", reason: "owner could not connect") }
                continue
            }
            do {
                try await factory.createMeeting(m, owner: owner.signaling,
                                                members: members.dropFirst().filter { !$0.stats.hasFailed }.map(\.user))
            } catch {
                for p in members { p.record(error, step: "meeting") }
            }
        }

        // 2. Ramp: round-robin over meetings, `ramp` joins per second.
        let order = (0..<options.participants).flatMap { j in (0..<options.meetings).map { $0 * options.participants + j } }
        var joinTasks: [Task<Void, Never>] = []
        let interval = 1 / options.ramp
        for (n, i) in order.enumerated() {
            if stop.isStopped { break }
            let p = participants[i]
            if p.stats.hasFailed { continue }
            await sleep(until: runStart + Double(n) * interval, stop: stop)
            if stop.isStopped { break }
            joinTasks.append(Task { await p.joinAndPublish() })
        }
        let rampEnd = ClientClock.now()
        // Join timeouts: a participant not flowing `joinTimeout` s after its join counts as failed.
        let steadyStart = rampEnd + min(2, options.duration / 4)
        sampler.markSteadyStart(at: steadyStart)
        await sleep(until: rampEnd + options.duration, stop: stop)
        let now = ClientClock.now()
        for p in participants {
            let snap = p.stats.snapshot(now: now)
            if snap.failure == nil, let started = snap.joinStartedAt, snap.mediaFlowingAt == nil,
               now - runStart - started > options.joinTimeout {
                p.stats.fail(step: "media", reason: "no media flowing \(Int(options.joinTimeout)) s after join")
            }
        }
        let snapshots = participants.map { $0.stats.snapshot(now: now) }
        samplerTask.cancel()
        sampler.markSteadyEnd(receivedPackets: snapshots.reduce(0) { $0 + $1.videoPacketsReceived + $1.audioPacketsReceived })

        // 3. Leave and close, bounded.
        output(stop.isStopped ? "interrupted: leaving meetings…" : "leaving meetings…")
        for roster in rosters { await roster.close() }
        for task in joinTasks { task.cancel() }
        await forEachConcurrently(participants, limit: 32, stop: StopSignal()) { await $0.stop() }
        await factory.teardown()
        try? await group.shutdownGracefully()

        var summary = SummaryBuilder.summarize(snapshots)
        sampler.fill(&summary)
        var reported = options
        if reported.tokenSecret != nil { reported.tokenSecret = "<redacted>" }   // never write the secret to a report
        return LoadReport(startedAt: startedAt, options: reported, serverPID: serverPID, interrupted: stop.isStopped,
                          videoLoopBitrate: video.meanBitrate, summary: summary, timeline: sampler.timeline,
                          participants: snapshots)
    }

    private func sleep(until deadline: Double, stop: StopSignal) async {
        var guardCount = 0
        while !stop.isStopped, ClientClock.now() < deadline, guardCount < 10_000_000 {
            let left = deadline - ClientClock.now()
            try? await Task.sleep(nanoseconds: UInt64(max(0.001, min(0.1, left)) * 1e9))
            guardCount += 1
        }
    }

    private func forEachConcurrently(_ items: [SimulatedParticipant], limit: Int, stop: StopSignal,
                                     _ body: @escaping @Sendable (SimulatedParticipant) async -> Void) async {
        var index = 0
        while index < items.count, !stop.isStopped {
            let batch = items[index..<min(items.count, index + limit)]
            await withTaskGroup(of: Void.self) { group in
                for item in batch { group.addTask { await body(item) } }
            }
            index += limit
        }
    }
}

/// Once-per-second sampling of participant counters and the server process.
final class Sampler: @unchecked Sendable {
    let participants: [SimulatedParticipant]
    let serverPID: Int32?
    let runStart: Double
    private let lock = NIOLock()
    private(set) var timeline: [TimePoint] = []
    private var previous: (time: Double, sent: Int, received: Int, packets: Int, expected: Int, lost: Int)?
    private var previousServer: (time: Double, sample: ProcessSample)?
    private var steadyStartAt: Double?
    private var steadyStart: (time: Double, packets: Int, server: ProcessSample?)?
    private var steadyEnd: (time: Double, packets: Int, server: ProcessSample?)?
    private var maxRSS = 0

    init(participants: [SimulatedParticipant], serverPID: Int32?, runStart: Double) {
        self.participants = participants
        self.serverPID = serverPID
        self.runStart = runStart
    }

    func markSteadyStart(at time: Double) { lock.withLock { steadyStartAt = time } }

    /// Ends the steady window now; `receivedPackets` is the total received by all participants.
    func markSteadyEnd(receivedPackets: Int) {
        let server = serverPID.flatMap { ServerProbe.sample(pid: $0) }
        lock.withLock { steadyEnd = (ClientClock.now(), receivedPackets, server) }
    }

    @discardableResult
    func sample() -> TimePoint {
        let now = ClientClock.now()
        var joined = 0, flowing = 0, failed = 0, sent = 0, received = 0, packets = 0, expected = 0, lost = 0
        var delays = DelayHistogram()
        for p in participants {
            let s = p.stats.snapshot(now: now)
            if s.joinedAt != nil { joined += 1 }
            if s.isFlowing { flowing += 1 }
            if s.failure != nil { failed += 1 }
            sent += s.videoBytesSent + s.audioBytesSent
            received += s.videoBytesReceived + s.audioBytesReceived
            packets += s.videoPacketsReceived + s.audioPacketsReceived
            expected += s.packetsExpected
            lost += s.packetsLost
            delays.merge(p.stats.takeIntervalDelays())
        }
        let server = serverPID.flatMap { ServerProbe.sample(pid: $0) }
        return lock.withLock {
            var point = TimePoint(t: now - runStart, joined: joined, flowing: flowing, failed: failed,
                                  sentBitsPerSecond: 0, receivedBitsPerSecond: 0, receivedPacketsPerSecond: 0,
                                  lossPercent: 0, delayP50Ms: delays.percentile(0.5), delayP95Ms: delays.percentile(0.95))
            if let prev = previous, now > prev.time {
                let dt = now - prev.time
                point.sentBitsPerSecond = Double(sent - prev.sent) * 8 / dt
                point.receivedBitsPerSecond = Double(received - prev.received) * 8 / dt
                point.receivedPacketsPerSecond = Double(packets - prev.packets) / dt
                let e = expected - prev.expected, l = lost - prev.lost
                point.lossPercent = e > 0 ? max(0, 100 * Double(l) / Double(e)) : 0
            }
            previous = (now, sent, received, packets, expected, lost)
            if let server {
                maxRSS = max(maxRSS, server.rssBytes)
                point.serverRSSMiB = Double(server.rssBytes) / 1_048_576
                if let prev = previousServer, now > prev.time {
                    point.serverCPUPercent = 100 * (server.cpuSeconds - prev.sample.cpuSeconds) / (now - prev.time)
                }
                previousServer = (now, server)
            }
            if let start = steadyStartAt, steadyStart == nil, now >= start {
                steadyStart = (now, packets, server)
            }
            timeline.append(point)
            return point
        }
    }

    func progressLine(_ p: TimePoint) -> String {
        var line = String(format: "[%6.1fs] joined %d/%d  flowing %d  failed %d  sent %.2f Mbit/s  recv %.2f Mbit/s  loss %.2f%%",
                          p.t, p.joined, participants.count, p.flowing, p.failed,
                          p.sentBitsPerSecond / 1e6, p.receivedBitsPerSecond / 1e6, p.lossPercent)
        if let d = p.delayP50Ms { line += String(format: "  delay p50 %.1f ms", d) }
        if let c = p.serverCPUPercent { line += String(format: "  server %.0f%% CPU", c) }
        if let r = p.serverRSSMiB { line += String(format: " %.0f MiB", r) }
        return line
    }

    /// Adds the steady-window rates and server cost to `summary`.
    func fill(_ summary: inout LoadSummary) {
        lock.withLock {
            if maxRSS > 0 { summary.serverRSSMaxMiB = Double(maxRSS) / 1_048_576 }
            guard let start = steadyStart, let end = steadyEnd, end.time > start.time else { return }
            let seconds = end.time - start.time
            summary.steadySeconds = seconds
            let forwarded = end.packets - start.packets
            summary.forwardedPacketsPerSecond = Double(forwarded) / seconds
            if let a = start.server, let b = end.server {
                let cpu = b.cpuSeconds - a.cpuSeconds
                summary.serverCPUSeconds = cpu
                summary.serverCPUPercentMean = 100 * cpu / seconds
                if forwarded > 0 { summary.serverCPUMicrosPerPacket = cpu * 1e6 / Double(forwarded) }
            }
        }
    }
}
