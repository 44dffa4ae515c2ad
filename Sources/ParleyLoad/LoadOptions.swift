import Foundation

/// Which server the load runs against.
public enum LoadTarget: String, Sendable, CaseIterable, Codable {
    /// Parley's WSC meeting API (REST + WebSocket `/events`).
    case parley
    /// A Janus VideoRoom over Janus' HTTP API.
    case janus
}

/// Everything a run needs, validated (`validate()`), independent of the command-line parser.
public struct LoadOptions: Sendable, Codable, Equatable {
    public var target: LoadTarget = .parley
    public var meetings = 1
    /// Participants per meeting.
    public var participants = 10
    /// Participants per meeting that send video (the first ones).
    public var publishers = 2
    /// Publishers each participant subscribes to (nil = all).
    public var subscribe: Int?
    public var audio = false
    /// Audio tone frequency in Hz; 0 sends encoded silence.
    public var audioToneHz: Double = 440
    /// Target video bitrate in bits/s.
    public var videoBitrate = 300_000
    public var videoWidth = 320
    public var videoHeight = 240
    public var framesPerSecond = 30
    /// Measured duration after the last join, seconds.
    public var duration: Double = 30
    /// Joins per second over all meetings.
    public var ramp: Double = 5
    /// Parley's HTTP base URL.
    public var server = "http://127.0.0.1:10000"
    public var janusURL = "http://127.0.0.1:8088/janus"
    public var tokenSecret: String?
    /// File with one token per line (used instead of minting with `tokenSecret`).
    public var tokenFile: String?
    /// Host allowed besides loopback (`--allow-remote`).
    public var allowRemote: String?
    /// PID of the server to sample from /proc (auto-detected from the port when local).
    public var serverPID: Int32?
    public var reportPath: String?
    public var htmlPath: String?
    /// Seconds a participant may take from join to media flowing before it counts as failed.
    public var joinTimeout: Double = 20
    /// Event-loop threads for media (0 = one per core).
    public var threads = 0
    /// Print the progress line every this many seconds (0 = never).
    public var progressInterval: Double = 1

    public init() {}

    /// Upper bounds that keep a run bounded (issue 6 §5).
    public static let maxParticipantsTotal = 2_000
    public static let maxDuration: Double = 3_600

    /// Why options are unusable: a usage error, printed with the option name.
    public struct ValidationError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Checks ranges and the loopback rule: `server`/`janusURL` must name 127.0.0.0/8, ::1 or
    /// localhost, or exactly the `allowRemote` host.
    /// - Throws: `ValidationError` naming the offending option.
    public func validate() throws {
        func fail(_ m: String) throws -> Never { throw ValidationError(message: m) }
        if meetings < 1 || meetings > 500 { try fail("--meetings must be 1…500, not \(meetings)") }
        if participants < 1 || participants > 500 { try fail("--participants must be 1…500, not \(participants)") }
        if meetings * participants > Self.maxParticipantsTotal {
            try fail("--meetings × --participants = \(meetings * participants) exceeds \(Self.maxParticipantsTotal)")
        }
        if publishers < 0 || publishers > participants { try fail("--publishers must be 0…--participants (\(participants)), not \(publishers)") }
        if let subscribe, subscribe < 0 { try fail("--subscribe must be ≥ 0, not \(subscribe)") }
        if videoBitrate < 50_000 || videoBitrate > 20_000_000 { try fail("--video-bitrate must be 50000…20000000 bit/s, not \(videoBitrate)") }
        if !(duration > 0 && duration <= Self.maxDuration) { try fail("--duration must be in (0, \(Int(Self.maxDuration))] s, not \(duration)") }
        if !(ramp > 0 && ramp <= 1000) { try fail("--ramp must be in (0, 1000] joins/s, not \(ramp)") }
        if !(joinTimeout > 0 && joinTimeout <= 300) { try fail("--join-timeout must be in (0, 300] s") }
        if threads < 0 || threads > 64 { try fail("--threads must be 0…64") }
        if !(audioToneHz >= 0 && audioToneHz <= 20_000) { try fail("--audio-tone must be 0…20000 Hz (0 = silence)") }
        if videoWidth % 2 != 0 || videoHeight % 2 != 0 || !(16...1920).contains(videoWidth) || !(16...1080).contains(videoHeight) {
            try fail("--video-size must be even, 16…1920 x 16…1080")
        }
        let url = target == .parley ? server : janusURL
        let option = target == .parley ? "--server" : "--janus-url"
        guard let endpoint = HTTPEndpoint(url: url) else { try fail("\(option) \(url) is not an http://host[:port][/path] URL") }
        if !Self.isLoopback(endpoint.host) && endpoint.host != allowRemote {
            try fail("\(option) host \(endpoint.host) is not loopback; pass --allow-remote \(endpoint.host) to load it")
        }
        if target == .parley && tokenSecret == nil && tokenFile == nil {
            try fail("--token-secret or --token-file is required for --target parley")
        }
        if let tokenSecret, tokenSecret.utf8.count < 32 { try fail("--token-secret must be at least 32 bytes (HS256)") }
    }

    /// True for 127.0.0.0/8, ::1 and `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }

    /// True when media may be sent to `address` (a candidate from the server's SDP).
    public func mayContact(_ address: String) -> Bool {
        Self.isLoopback(address) || (allowRemote != nil && address == allowRemote)
    }
}

/// `http://host[:port][/path]` split up. Only plain HTTP (the tool talks to loopback servers).
public struct HTTPEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash ("" for none).
    public var basePath: String

    public init?(url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        var host = String(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) else { return nil }
        self.host = host
        self.port = port
        self.basePath = path
    }
}
