import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Meetings

/// WebSocket `/events` (spec §4.1): authenticated on upgrade (401 otherwise); the sub-protocol
/// (`Sec-WebSocket-Protocol`, a version) picks the event naming and is echoed (spec §9,
/// ``APIVersion/negotiate(subprotocols:)``); sends `websocketConnected {queueId}` first, answers
/// `{"type":"ping"}` with `{"type":"pong"}`, forwards hub events; on close the connection's
/// participant leaves and its waiting entries are rejected. Other client messages are ignored
/// and counted (the reference closes the socket; we do not). Server keep-alive ping frames
/// are sent by HummingbirdWebSocket (`autoPing`, configured in ``ParleyServer``).
struct EventsSocket {
    let hub: EventHub
    let service: MeetingService
    let clock: @Sendable () -> Date
    /// Largest accepted client message, in bytes (spec §4.1: 64 KiB).
    static let maxMessageSize = 64 * 1024

    func register(on router: Router<ParleyRequestContext>) {
        router.ws("/events", shouldUpgrade: { request, context in
            guard context.user != nil else { return .dontUpgrade }
            var headers = HTTPFields()
            if let selected = APIVersion.negotiate(subprotocols: Self.subprotocols(request.headers)).selected {
                headers[.secWebSocketProtocol] = selected
            }
            return .upgrade(headers)
        }, onUpgrade: handle)
    }

    static func subprotocols(_ headers: HTTPFields) -> [String] {
        headers[values: .secWebSocketProtocol]
    }

    @Sendable func handle(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<ParleyRequestContext>
    ) async throws {
        guard let user = context.requestContext.user else { return }
        let now = clock()
        let naming = APIVersion.negotiate(subprotocols: Self.subprotocols(context.request.headers)).naming
        let (queueId, messages) = hub.connect(userId: user.id, naming: naming) { queueId in
            EventEncoding.websocketConnected(queueId: queueId, sentDate: now, naming: naming)
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
                        hub.send(EventEncoding.pong(naming), to: DeliveryAddresses(queues: [queueId]))
                    } else if !text.allSatisfy(\.isWhitespace) {
                        hub.countIgnoredMessage()
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
