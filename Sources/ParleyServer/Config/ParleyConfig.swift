import Foundation
import Yams

/// Parley's runtime configuration (`config/parley.yaml`, every key overridable by a
/// `PARLEY_…` environment variable; issue 2 §2).
public struct ParleyConfig: Sendable, Equatable {
    /// HTTP API and WebSocket `/events` listen host and TCP port.
    public var httpHost: String
    public var httpPort: Int
    /// Media plane UDP listen host and port (one port for every peer connection).
    public var mediaHost: String
    public var mediaPort: Int
    /// Address written into the SDP host candidate (what browsers connect to).
    public var announcedAddress: String
    /// Database URL: `sqlite:./data/parley.sqlite`, `sqlite::memory:`.
    public var databaseURL: String
    /// HS256 secret for the JWT tokens.
    public var tokenSecret: String
    /// `GET /users/capabilities` and the group size limit (spec §5.4).
    public var capabilities = Capabilities()
    /// Period of the server's WebSocket ping frames, in seconds; a connection that has not
    /// answered the previous ping when the next is due is closed (spec §4.1 server keep-alive).
    public var webSocketPingInterval: Double = 15
    /// How often the scheduled-meeting expiration job runs, in seconds.
    public var expirationCheckInterval: Double = 60
    /// Validity of guest tokens (`POST /users/guests`), in seconds.
    public var guestTokenTTL: Double = 24 * 3600
    /// Audio mixer sample rate in Hz: 8000, 12000, 16000, 24000 or 48000 (`media.audioSampleRate`;
    /// the reference AudioBridge runs 16000). The RTP clock stays 48 kHz (RFC 7587).
    public var audioSampleRate = 48_000
    /// REMB cap sent to video publishers, bits/s (`media.roomBitrate`; reference 409 600).
    public var roomBitrate = 400_000

    /// Defaults: HTTP 127.0.0.1:10000, media 127.0.0.1:20000 announced as 127.0.0.1,
    /// `sqlite:./data/parley.sqlite`, a development token secret.
    public init(
        httpHost: String = "127.0.0.1", httpPort: Int = 10000, mediaHost: String = "127.0.0.1", mediaPort: Int = 20000,
        announcedAddress: String = "127.0.0.1", databaseURL: String = "sqlite:./data/parley.sqlite",
        tokenSecret: String = ParleyConfig.developmentTokenSecret
    ) {
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.mediaHost = mediaHost
        self.mediaPort = mediaPort
        self.announcedAddress = announcedAddress
        self.databaseURL = databaseURL
        self.tokenSecret = tokenSecret
    }

    /// The secret shipped in `config/parley.yaml`; fine on loopback, never in production.
    public static let developmentTokenSecret = "parley-development-secret-change-me"
    /// Default configuration file, relative to the working directory.
    public static let defaultPath = "config/parley.yaml"

    /// Environment variable → key it overrides.
    public static let environmentKeys: [String] = [
        "PARLEY_HTTP_ADDRESS", "PARLEY_MEDIA_ADDRESS", "PARLEY_MEDIA_ANNOUNCED_ADDRESS", "PARLEY_DATABASE_URL",
        "PARLEY_TOKEN_SECRET",
    ]

    /// Why a configuration was refused.
    public enum ConfigError: Error, Equatable, CustomStringConvertible {
        case unreadableFile(path: String, reason: String)
        case invalidYAML(String)
        case invalidAddress(key: String, value: String)
        case emptyValue(key: String)
        case shortSecret(key: String, bytes: Int)
        case notPositive(key: String)

        public var description: String {
            switch self {
            case .unreadableFile(let path, let reason): return "cannot read configuration \(path): \(reason)"
            case .invalidYAML(let reason): return "invalid configuration YAML: \(reason)"
            case .invalidAddress(let key, let value): return "\(key): '\(value)' is not HOST:PORT with a port 0...65535"
            case .emptyValue(let key): return "\(key) must not be empty"
            case .notPositive(let key): return "\(key) must be a positive number"
            case .shortSecret(let key, let bytes):
                return "\(key) is \(bytes) bytes; HS256 needs at least \(TokenService.minimumSecretLength)"
            }
        }
    }

    /// Loads the configuration: defaults, then the YAML file, then environment overrides.
    ///
    /// - Parameters:
    ///   - path: the YAML file; when nil, ``defaultPath`` is read if it exists (else defaults).
    ///   - environment: variables to apply (normally `ProcessInfo.processInfo.environment`).
    /// - Throws: ``ConfigError`` for an unreadable file given explicitly, bad YAML, bad addresses.
    public static func load(path: String?, environment: [String: String]) throws -> ParleyConfig {
        var config = ParleyConfig()
        let file = path ?? defaultPath
        if path != nil || FileManager.default.fileExists(atPath: file) {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ConfigError.unreadableFile(path: file, reason: "\(error.localizedDescription)")
            }
            config = try parse(yaml: text)
        }
        return try config.applying(environment: environment)
    }

    /// Parses a YAML document over the defaults. Unknown keys are ignored; absent keys keep
    /// their defaults.
    public static func parse(yaml: String) throws -> ParleyConfig {
        let file: ConfigFile
        do {
            file = try YAMLDecoder().decode(ConfigFile.self, from: yaml.isEmpty ? "{}" : yaml)
        } catch {
            throw ConfigError.invalidYAML("\(error)")
        }
        var config = ParleyConfig()
        if let address = file.http?.address { try config.setHTTPAddress(address, key: "http.address") }
        if let address = file.media?.address { try config.setMediaAddress(address, key: "media.address") }
        if let announced = file.media?.announcedAddress { config.announcedAddress = try nonEmpty(announced, key: "media.announcedAddress") }
        if let rate = file.media?.audioSampleRate {
            guard [8000, 12000, 16000, 24000, 48000].contains(rate) else {
                throw ConfigError.invalidAddress(key: "media.audioSampleRate", value: "\(rate) (8000|12000|16000|24000|48000)")
            }
            config.audioSampleRate = rate
        }
        if let bitrate = file.media?.roomBitrate {
            config.roomBitrate = Int(try positive(Double(bitrate), key: "media.roomBitrate"))
        }
        if let url = file.database?.url { config.databaseURL = try nonEmpty(url, key: "database.url") }
        if let secret = file.auth?.tokenSecret { config.tokenSecret = try validSecret(secret, key: "auth.tokenSecret") }
        if let ttl = file.auth?.guestTokenTTLHours { config.guestTokenTTL = try positive(ttl, key: "auth.guestTokenTTLHours") * 3600 }
        if let capabilities = file.capabilities { config.capabilities = capabilities }
        if let ping = file.websocket?.pingInterval { config.webSocketPingInterval = try positive(ping, key: "websocket.pingInterval") }
        if let interval = file.meetings?.expirationCheckInterval {
            config.expirationCheckInterval = try positive(interval, key: "meetings.expirationCheckInterval")
        }
        return config
    }

    /// Applies the `PARLEY_…` environment overrides.
    public func applying(environment: [String: String]) throws -> ParleyConfig {
        var config = self
        if let value = environment["PARLEY_HTTP_ADDRESS"] { try config.setHTTPAddress(value, key: "PARLEY_HTTP_ADDRESS") }
        if let value = environment["PARLEY_MEDIA_ADDRESS"] { try config.setMediaAddress(value, key: "PARLEY_MEDIA_ADDRESS") }
        if let value = environment["PARLEY_MEDIA_ANNOUNCED_ADDRESS"] {
            config.announcedAddress = try Self.nonEmpty(value, key: "PARLEY_MEDIA_ANNOUNCED_ADDRESS")
        }
        if let value = environment["PARLEY_DATABASE_URL"] { config.databaseURL = try Self.nonEmpty(value, key: "PARLEY_DATABASE_URL") }
        if let value = environment["PARLEY_TOKEN_SECRET"] { config.tokenSecret = try Self.validSecret(value, key: "PARLEY_TOKEN_SECRET") }
        if let value = environment["PARLEY_MEDIA_ROOM_BITRATE"] {
            config.roomBitrate = Int(try Self.positive(Double(value) ?? -1, key: "PARLEY_MEDIA_ROOM_BITRATE"))
        }
        return config
    }

    /// Splits `HOST:PORT` (`[v6]:PORT` for IPv6) into host and port.
    /// - Throws: ``ConfigError/invalidAddress(key:value:)``.
    public static func parseAddress(_ value: String, key: String) throws -> (host: String, port: Int) {
        let text = value.trimmingCharacters(in: .whitespaces)
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigError.invalidAddress(key: key, value: value)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw ConfigError.invalidAddress(key: key, value: value)
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65535).contains(port) else {
            throw ConfigError.invalidAddress(key: key, value: value)
        }
        return (String(host), port)
    }

    private mutating func setHTTPAddress(_ value: String, key: String) throws {
        (httpHost, httpPort) = try Self.parseAddress(value, key: key)
    }

    private mutating func setMediaAddress(_ value: String, key: String) throws {
        (mediaHost, mediaPort) = try Self.parseAddress(value, key: key)
    }

    private static func validSecret(_ value: String, key: String) throws -> String {
        let secret = try nonEmpty(value, key: key)
        guard secret.utf8.count >= TokenService.minimumSecretLength else {
            throw ConfigError.shortSecret(key: key, bytes: secret.utf8.count)
        }
        return secret
    }

    private static func positive(_ value: Double, key: String) throws -> Double {
        guard value.isFinite, value > 0 else { throw ConfigError.notPositive(key: key) }
        return value
    }

    private static func nonEmpty(_ value: String, key: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigError.emptyValue(key: key) }
        return trimmed
    }
}

/// The YAML document's shape (all sections optional).
private struct ConfigFile: Decodable {
    struct HTTP: Decodable { var address: String? }
    struct Media: Decodable { var address: String?; var announcedAddress: String?; var audioSampleRate: Int?; var roomBitrate: Int? }
    struct Database: Decodable { var url: String? }
    struct Auth: Decodable { var tokenSecret: String?; var guestTokenTTLHours: Double? }
    struct WebSocket: Decodable { var pingInterval: Double? }
    struct Meetings: Decodable { var expirationCheckInterval: Double? }
    var http: HTTP?
    var media: Media?
    var database: Database?
    var auth: Auth?
    var capabilities: Capabilities?
    var websocket: WebSocket?
    var meetings: Meetings?
}
