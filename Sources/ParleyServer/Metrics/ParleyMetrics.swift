import Foundation
import Metrics
import Prometheus
import Storage

/// Parley's metrics (issue 3 §9), recorded through swift-metrics into a swift-prometheus
/// registry and served by `GET /metrics` in the Prometheus text format 0.0.4.
///
/// Control plane (recorded by Parley itself):
/// - `parley_http_requests_total{route,method,status}` — counter per matched route template
///   (`/meetings/{id}`; `NotFound` for unmatched paths), method and final status code.
/// - `parley_http_request_duration_seconds{route,method}` — histogram, 0.5 ms … 10 s buckets.
/// - `parley_websockets_open` — gauge, open `/events` connections.
/// - `parley_events_sent_total` — counter, WebSocket messages queued to connections (events,
///   `websocketConnected`, `pong`; one per addressed connection).
/// - `parley_events_dropped_total` — counter, messages dropped for a client not reading.
/// - `parley_meetings_active`, `parley_participants`, `parley_waiting_participants`,
///   `parley_meetings`, `parley_rooms` — gauges read from storage at scrape time.
/// - `parley_database_up` — gauge, 1 when the scrape-time storage read succeeded, else 0.
///
/// Media plane (fed by the SFU through the hooks below; absent until first fed):
/// - `parley_media_packets_forwarded_total{kind}` and `parley_media_bytes_forwarded_total{kind}`
///   — counters, RTP packets/bytes sent to subscribers (`kind` = audio | video).
/// - `parley_media_packets_dropped_total{reason}` — counter, packets not forwarded.
/// - `parley_media_keyframe_requests_total{type}` — counter, PLI/FIR sent to publishers.
/// - `parley_media_transports` — gauge, open ICE/DTLS transports.
/// - `parley_media_streams{direction}` — gauge, published / subscribed streams.
///
/// Every instance has its own registry and records through swift-metrics objects bound to
/// ``factory`` (no process-wide `MetricsSystem.bootstrap`: tests build many applications, and a
/// library's metric clashing with ours would trap in swift-prometheus). Thread-safe.
public final class ParleyMetrics: @unchecked Sendable {
    /// Kind of forwarded media.
    public enum MediaKind: String, Sendable {
        case audio, video
    }

    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// swift-metrics backend writing into ``registry``.
    public let factory: PrometheusMetricsFactory

    private let lock = NSLock()
    /// Last totals exported from ``EventHub`` (its counters are cumulative; ours take the delta).
    private var exportedSent = 0
    private var exportedDropped = 0

    /// Longest accepted label value for free-form labels (drop reasons), in bytes.
    static let maxReasonLength = 40

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    // MARK: - HTTP (HTTPMetricsMiddleware)

    /// Counts one finished request. `route` is a route template, never a raw path.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        Counter(label: "parley_http_requests_total",
                dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: "parley_http_request_duration_seconds", dimensions: [("route", route), ("method", method)],
                      factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    // MARK: - Media plane hooks (for the SFU)

    /// Counts `packets` RTP packets (`bytes` bytes, headers included) sent to subscribers.
    public func mediaPacketsForwarded(_ packets: Int, bytes: Int, kind: MediaKind) {
        guard packets > 0 || bytes > 0 else { return }
        let labels = [("kind", kind.rawValue)]
        Counter(label: "parley_media_packets_forwarded_total", dimensions: labels, factory: factory).increment(by: max(0, packets))
        Counter(label: "parley_media_bytes_forwarded_total", dimensions: labels, factory: factory).increment(by: max(0, bytes))
    }

    /// Counts packets not forwarded, by `reason`: a short snake_case word such as
    /// `srtp_unprotect_failed`, `unknown_ssrc`, `no_subscriber`, `buffer_full`, `malformed`.
    /// Reasons that are not `[a-z0-9_]{1,40}` are counted as `other` (bounded label set).
    public func mediaPacketsDropped(_ packets: Int = 1, reason: String) {
        guard packets > 0 else { return }
        Counter(label: "parley_media_packets_dropped_total", dimensions: [("reason", Self.labelValue(reason))], factory: factory)
            .increment(by: packets)
    }

    /// Counts keyframe requests sent to publishers; `type` is `pli` or `fir` (others: `other`).
    public func mediaKeyframeRequested(type: String) {
        Counter(label: "parley_media_keyframe_requests_total", dimensions: [("type", Self.labelValue(type))], factory: factory)
            .increment()
    }

    /// Sets the number of open ICE/DTLS transports.
    public func setMediaTransports(_ count: Int) {
        Gauge(label: "parley_media_transports", factory: factory).record(max(0, count))
    }

    /// Sets the numbers of published and subscribed media streams.
    public func setMediaStreams(published: Int, subscribed: Int) {
        Gauge(label: "parley_media_streams", dimensions: [("direction", "published")], factory: factory).record(max(0, published))
        Gauge(label: "parley_media_streams", dimensions: [("direction", "subscribed")], factory: factory).record(max(0, subscribed))
    }

    // MARK: - Scrape

    /// Refreshes the scrape-time values from `hub` and `store`, then renders the registry in
    /// the Prometheus text format. A failing storage read sets `parley_database_up` to 0 and
    /// leaves the storage gauges at their last values.
    public func render(hub: EventHub, store: ParleyStore) async -> String {
        Gauge(label: "parley_websockets_open", factory: factory).record(hub.connectionCount)
        exportEventCounters(sent: hub.sentCount, dropped: hub.droppedCount)
        do {
            let counts = try await store.read { try await $0.activityCounts() }
            Gauge(label: "parley_meetings_active", factory: factory).record(counts.activeMeetings)
            Gauge(label: "parley_participants", factory: factory).record(counts.participants)
            Gauge(label: "parley_waiting_participants", factory: factory).record(counts.waitingParticipants)
            Gauge(label: "parley_meetings", factory: factory).record(counts.meetings)
            Gauge(label: "parley_rooms", factory: factory).record(counts.rooms)
            Gauge(label: "parley_database_up", factory: factory).record(1)
        } catch {
            Gauge(label: "parley_database_up", factory: factory).record(0)
        }
        return registry.emitToString()
    }

    private func exportEventCounters(sent: Int, dropped: Int) {
        lock.lock()
        let sentDelta = max(0, sent - exportedSent)
        let droppedDelta = max(0, dropped - exportedDropped)
        exportedSent = max(exportedSent, sent)
        exportedDropped = max(exportedDropped, dropped)
        lock.unlock()
        // Registered even at zero so the series exist from the first scrape.
        Counter(label: "parley_events_sent_total", factory: factory).increment(by: sentDelta)
        Counter(label: "parley_events_dropped_total", factory: factory).increment(by: droppedDelta)
    }

    /// `text` when it is `[a-z0-9_]{1,40}`, else `other`.
    static func labelValue(_ text: String) -> String {
        let allowed = !text.isEmpty && text.utf8.count <= maxReasonLength && text.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
        return allowed ? text : "other"
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : whole &+ attoseconds / 1_000_000_000
    }
}
