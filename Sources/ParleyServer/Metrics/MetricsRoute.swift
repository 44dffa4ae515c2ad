import Hummingbird
import Storage

/// `GET /metrics`: ``ParleyMetrics`` in the Prometheus text exposition format 0.0.4
/// (`text/plain; version=0.0.4; charset=utf-8`). Unauthenticated, like `/health`: register it
/// before the authentication middleware.
struct MetricsRoute {
    let metrics: ParleyMetrics
    let hub: EventHub
    let store: ParleyStore
    /// When it is the real SFU, its counters are exported at scrape time.
    var mediaPlane: (any MeetingMediaPlane)? = nil

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/metrics") { [mediaPlane] _, _ in
            if let sfu = mediaPlane as? SFUMediaPlane { await sfu.exportMetrics(to: metrics) }
            let text = await metrics.render(hub: hub, store: store)
            var headers = HTTPFields()
            headers[.contentType] = Self.contentType
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
