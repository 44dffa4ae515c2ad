import Hummingbird
import Storage

/// `GET /metrics`: ``ParleyMetrics`` in the Prometheus text exposition format 0.0.4
/// (`text/plain; version=0.0.4; charset=utf-8`). Unauthenticated, like `/health`: register it
/// before the authentication middleware.
struct MetricsRoute {
    let metrics: ParleyMetrics
    let hub: EventHub
    let store: ParleyStore

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/metrics") { _, _ in
            let text = await metrics.render(hub: hub, store: store)
            var headers = HTTPFields()
            headers[.contentType] = Self.contentType
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
