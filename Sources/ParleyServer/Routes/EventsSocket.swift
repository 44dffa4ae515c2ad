import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Meetings

/// WebSocket `/events` (spec §4.1): authenticated on upgrade (else the upgrade falls through to
/// the HTTP router, which answers 401); sends `websocketConnected {queueId}` first, answers
/// `{"type":"ping"}` with `{"type":"pong"}`, forwards hub events; on close the connection's
/// participant leaves and its waiting entries are rejected. Other client messages are ignored
/// (the reference closes the socket; we do not).
struct EventsSocket {
    let hub: EventHub
    let service: MeetingService
    let clock: @Sendable () -> Date
    /// Largest accepted client message, in bytes (spec §4.1: 64 KiB).
    static let maxMessageSize = 64 * 1024

    func register(on router: Router<ParleyRequestContext>) {
        router.ws("/events", shouldUpgrade: { _, context in
            context.user == nil ? .dontUpgrade : .upgrade([:])
        }, onUpgrade: handle)
    }

    @Sendable func handle(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<ParleyRequestContext>
    ) async throws {
        guard let user = context.requestContext.user else { return }
        let now = clock()
        let (queueId, messages) = hub.connect(userId: user.id) { queueId in
            EventEncoding.websocketConnected(queueId: queueId, sentDate: now)
        }
        context.logger.debug("events connection opened", metadata: ["queueId": "\(queueId)", "userId": "\(user.id)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in messages {
                    do { try await outbound.write(.text(message)) } catch { break }
                }
            }
            do {
                for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                    guard case .text(let text) = message else { continue }
                    if EventEncoding.isPing(text) {
                        hub.send(EventEncoding.pong, to: DeliveryAddresses(queues: [queueId]))
                    }
                }
            } catch {
                context.logger.debug("events connection failed", metadata: ["queueId": "\(queueId)", "error": "\(error)"])
            }
            hub.disconnect(queueId: queueId)  // ends `messages`, so the writer task returns
            await group.waitForAll()
        }
        await service.queueClosed(queueId)
        context.logger.debug("events connection closed", metadata: ["queueId": "\(queueId)"])
    }
}
