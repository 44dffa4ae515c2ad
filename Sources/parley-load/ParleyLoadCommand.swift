import ArgumentParser
import Dispatch
import Foundation
import ParleyLoad

/// `parley-load`: simulated WebRTC participants against Parley (WSC API) or a Janus VideoRoom.
/// Thin: parses options into `LoadOptions`, wires Ctrl-C to `StopSignal`, prints and writes the report.
@main
struct ParleyLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-load",
        abstract: "Simulate WebRTC meeting participants (real ICE/DTLS/SRTP, VP8 + Opus) and measure the server.",
        discussion: """
        Only loopback servers unless --allow-remote names the host. Ctrl-C leaves the meetings and still \
        prints and writes the report; a second Ctrl-C exits at once.
        """)

    @Option(help: "Target server: parley (WSC API) or janus (VideoRoom over Janus' HTTP API).")
    var target: String = "parley"
    @Option(help: "Number of meetings.") var meetings: Int = 1
    @Option(help: "Participants per meeting.") var participants: Int = 10
    @Option(help: "Participants per meeting that send video.") var publishers: Int = 2
    @Option(help: "Publishers each participant subscribes to (default: all).") var subscribe: Int?
    @Flag(help: "Also send Opus audio (50 packets/s) through the audio flow.") var audio = false
    @Option(help: "Audio tone in Hz with --audio; 0 sends silence.") var audioTone: Double = 440
    @Option(help: "Video bitrate in bit/s (accepts k/M suffixes).") var videoBitrate: String = "300k"
    @Option(help: "Video size WxH.") var videoSize: String = "320x240"
    @Option(help: "Video frames per second.") var fps: Int = 30
    @Option(help: "Seconds measured after the last join.") var duration: Double = 30
    @Option(help: "Joins per second over all meetings.") var ramp: Double = 5
    @Option(help: "Parley base URL.") var server: String = "http://127.0.0.1:10000"
    @Option(help: "Janus HTTP API URL.") var janusURL: String = "http://127.0.0.1:8088/janus"
    @Option(help: "HS256 secret to mint Parley tokens (≥ 32 bytes); or set PARLEY_TOKEN_SECRET.") var tokenSecret: String?
    @Option(help: "File with one token per line (instead of --token-secret).") var tokenFile: String?
    @Option(help: "Allow this non-loopback host as server.") var allowRemote: String?
    @Option(help: "PID of the server process to sample (default: found from the port when local).") var serverPid: Int32?
    @Option(help: "Write the JSON report here.") var report: String?
    @Option(help: "Write the HTML report (inline SVG plots) here.") var html: String?
    @Option(help: "Seconds from join until media must flow.") var joinTimeout: Double = 20
    @Option(help: "Media event-loop threads (0 = one per core).") var threads: Int = 0
    @Flag(help: "No progress line.") var quiet = false

    func run() async throws {
        var options = LoadOptions()
        guard let t = LoadTarget(rawValue: target) else { throw ValidationError("--target must be parley or janus") }
        options.target = t
        options.meetings = meetings
        options.participants = participants
        options.publishers = publishers
        options.subscribe = subscribe
        options.audio = audio
        options.audioToneHz = audioTone
        guard let bitrate = Self.parseBitrate(videoBitrate) else { throw ValidationError("--video-bitrate \(videoBitrate): use e.g. 300000, 300k or 1.5M") }
        options.videoBitrate = bitrate
        let size = videoSize.lowercased().split(separator: "x")
        guard size.count == 2, let w = Int(size[0]), let h = Int(size[1]) else { throw ValidationError("--video-size must be WxH, e.g. 320x240") }
        options.videoWidth = w
        options.videoHeight = h
        options.framesPerSecond = fps
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be 1…60") }
        options.duration = duration
        options.ramp = ramp
        options.server = server
        options.janusURL = janusURL
        options.tokenSecret = tokenSecret ?? ProcessInfo.processInfo.environment["PARLEY_TOKEN_SECRET"]
        options.tokenFile = tokenFile
        options.allowRemote = allowRemote
        options.serverPID = serverPid
        options.reportPath = report
        options.htmlPath = html
        options.joinTimeout = joinTimeout
        options.threads = threads
        options.progressInterval = quiet ? 0 : 1
        do { try options.validate() } catch let e as LoadOptions.ValidationError { throw ValidationError(e.message) }

        let stop = StopSignal()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let interrupts = InterruptCounter()
        source.setEventHandler {
            if interrupts.increment() > 1 { Foundation.exit(130) }
            FileHandle.standardError.write(Data("\ninterrupt: stopping (Ctrl-C again to exit at once)\n".utf8))
            stop.stop()
        }
        source.resume()

        let isTTY = isatty(STDERR_FILENO) == 1
        let runner = LoadRunner(options: options, output: { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }, progress: { line in
            FileHandle.standardError.write(Data((isTTY ? "\r\u{1B}[K" + line : line + "\n").utf8))
        })
        let result = try await runner.run(stop: stop)
        if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
        print(result.summaryTable(), terminator: "")
        if let report {
            try result.json().write(to: URL(fileURLWithPath: report))
            print("JSON report: \(report)")
        }
        if let html {
            try Data(HTMLReport.render(result).utf8).write(to: URL(fileURLWithPath: html))
            print("HTML report: \(html)")
        }
        source.cancel()
    }

    /// "300000", "300k", "1.5M" → bits/s.
    static func parseBitrate(_ text: String) -> Int? {
        let lower = text.lowercased()
        var multiplier = 1.0
        var number = Substring(lower)
        if lower.hasSuffix("k") { multiplier = 1e3; number = number.dropLast() } else if lower.hasSuffix("m") { multiplier = 1e6; number = number.dropLast() }
        guard let value = Double(number), value.isFinite, value > 0, value * multiplier < 1e9 else { return nil }
        return Int(value * multiplier)
    }
}

final class InterruptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() -> Int { lock.withLock { count += 1; return count } }
}


