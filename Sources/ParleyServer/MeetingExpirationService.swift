import Foundation
import Logging
import ServiceLifecycle

/// Runs ``MeetingService/expireMeetings()`` every `interval` seconds until graceful shutdown:
/// scheduled meetings whose `expiration` passed are stopped and deleted with the normal events
/// (a deliberate addition: WSC stores nothing and never expires them, spec §8.2). The clock is
/// the service's (injectable); tests call `expireMeetings()` directly.
struct MeetingExpirationService: Service {
    let meetings: MeetingService
    /// Seconds between runs.
    let interval: Double

    func run() async throws {
        let period = Duration.milliseconds(Int64((interval * 1000).rounded()))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            } catch {
                return  // cancelled
            }
            guard !Task.isShuttingDownGracefully else { return }
            await meetings.expireMeetings()
        }
    }
}
