import ArgumentParser
import Foundation
import Logging
import Meetings
import ParleyServer

/// `parley`: start-up only (argument parsing, configuration, logging).
@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Parley: a WSC-compatible WebRTC meeting server with its own SFU.",
        subcommands: [Serve.self, Token.self])
}

/// Options shared by the subcommands.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (YAML). Default: \(ParleyConfig.defaultPath) when it exists.")
    var config: String?

    func load() throws -> ParleyConfig {
        do {
            return try ParleyConfig.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch let error as ParleyConfig.ConfigError {
            throw ValidationError(error.description)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP/WebSocket API and the media plane.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    func run() async throws {
        let config = try options.load()
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "parley")
        logger.logLevel = level
        if config.tokenSecret == ParleyConfig.developmentTokenSecret {
            logger.warning("using the development token secret; set PARLEY_TOKEN_SECRET outside development")
        }
        try await ParleyServer.run(config: config, logger: logger)
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a signed access token (JWT, HS256) on stdout.")

    @Option(name: .long, help: "User id (UUID).")
    var userId: String

    @Option(name: .long, help: "Display name (non-empty).")
    var name: String

    @Option(name: .long, help: "E-mail address.")
    var email: String?

    @Flag(name: .long, help: "Issue a guest (external user) token.")
    var guest = false

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Token secret; overrides the configuration.")
    var secret: String?

    @Option(name: .long, help: "Validity in hours.")
    var ttlHours: Double = 24

    func validate() throws {
        guard UUID(uuidString: userId) != nil else { throw ValidationError("--user-id must be a UUID") }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name must not be empty") }
        guard ttlHours > 0, ttlHours.isFinite else { throw ValidationError("--ttl-hours must be positive") }
    }

    func run() async throws {
        guard let id = UUID(uuidString: userId) else { throw ValidationError("--user-id must be a UUID") }
        let tokenSecret = try secret ?? options.load().tokenSecret
        let user = User(id: id, name: name.trimmingCharacters(in: .whitespaces), email: email, type: guest ? .guest : .internal)
        let tokens: TokenService
        do { tokens = try await TokenService(secret: tokenSecret) } catch let error as TokenService.SecretError {
            throw ValidationError(error.description)
        }
        print(try await tokens.issue(for: user, ttl: ttlHours * 3600))
    }
}
