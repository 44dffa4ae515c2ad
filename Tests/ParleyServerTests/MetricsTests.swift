import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Meetings
import Storage
import XCTest
@testable import ParleyServer

/// `GET /metrics` (issue 3 §9): Prometheus text with request counts by route and status,
/// open WebSockets, active meetings and participants, events sent, media plane hooks.
final class MetricsTests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice")
    let bob = User(id: UUID(), name: "Bob")

    /// The value of the sample `name{labels}` (labels in the order rendered), nil if absent.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == series { return Double(parts[1]) }
        }
        return nil
    }

    func scrape(_ client: some TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/metrics", method: .get) { response in
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "text/plain; version=0.0.4; charset=utf-8")
            return String(buffer: response.body)
        }
    }

    func testRequestsMeetingsParticipantsAndEventsAreCounted() async throws {
        var logger = Logger(label: "metrics-tests")
        logger.logLevel = .warning
        let store = try await TestDatabase.open(logger: logger)
        let hub = EventHub()
        let metrics = ParleyMetrics()
        let tokens = try await TokenService(secret: TestServer.secret)
        let config = ParleyConfig(httpHost: "127.0.0.1", httpPort: 0, databaseURL: "sqlite::memory:", tokenSecret: TestServer.secret)
        let app = try await ParleyServer.buildApplication(
            config: config, store: store, mediaPlane: RecordingMediaPlane(), hub: hub, logger: logger, metrics: metrics)
        @Sendable func headers(_ user: User, queueId: UUID? = nil) async throws -> HTTPFields {
            var headers = HTTPFields()
            headers[.cookie] = "ZM_AUTH_TOKEN=\(try await tokens.issue(for: user, ttl: 600))"
            if let queueId { headers[HTTPFields.Element.Name("queue-id")!] = queueId.apiString }
            return headers
        }
        do {
            try await store.transaction { [alice, bob] in
                try await $0.upsertUser(alice, now: Date())
                try await $0.upsertUser(bob, now: Date())
            }
            try await app.test(.router) { client in
                let empty = try await scrape(client)
                XCTAssertEqual(sample(empty, "parley_meetings_active"), 0)
                XCTAssertEqual(sample(empty, "parley_participants"), 0)
                XCTAssertEqual(sample(empty, "parley_websockets_open"), 0)
                XCTAssertEqual(sample(empty, "parley_events_sent_total"), 0)
                XCTAssertEqual(sample(empty, "parley_database_up"), 1)

                try await expectStatus(.unauthorized, await client.execute(uri: "/meetings", method: .get))
                try await expectStatus(.unauthorized, await client.execute(uri: "/meetings", method: .get))
                try await expectStatus(.notFound, await client.execute(uri: "/no/such/path", method: .get))
                try await expectStatus(.ok, await client.execute(uri: "/meetings", method: .get, headers: headers(alice)))

                // A temporary room with bob, a meeting, started and joined by alice from a connected queue.
                let room = try await client.execute(
                    uri: "/rooms", method: .post, headers: headers(alice),
                    body: .json(#"{"type":"temporary","name":"R","members":[{"userId":"\#(bob.id.apiString)"}]}"#)) {
                    XCTAssertEqual($0.status, .created)
                    return try XCTUnwrap($0.jsonObject()["id"] as? String)
                }
                let meeting = try await client.execute(
                    uri: "/meetings", method: .post, headers: headers(alice),
                    body: .json(#"{"name":"M","meetingType":"permanent","roomId":"\#(room)"}"#)) {
                    XCTAssertEqual($0.status, .ok)
                    return try XCTUnwrap($0.jsonObject()["id"] as? String)
                }
                let (queue, _) = hub.connect(userId: alice.id) { _ in "welcome" }
                try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/start", method: .post, headers: headers(alice)))
                try await expectStatus(.ok, await client.execute(
                    uri: "/meetings/\(meeting)/join", method: .post, headers: headers(alice, queueId: queue),
                    body: .json(#"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#)))

                let text = try await scrape(client)
                XCTAssertEqual(sample(text, #"parley_http_requests_total{route="/meetings",method="GET",status="401"}"#), 2, text)
                XCTAssertEqual(sample(text, #"parley_http_requests_total{route="/meetings",method="GET",status="200"}"#), 1, text)
                XCTAssertEqual(sample(text, #"parley_http_requests_total{route="NotFound",method="GET",status="404"}"#), 1, text)
                XCTAssertEqual(sample(text, #"parley_http_requests_total{route="/meetings/{id}/join",method="POST",status="200"}"#), 1, text)
                XCTAssertEqual(sample(text, #"parley_http_requests_total{route="/metrics",method="GET",status="200"}"#), 1, text)
                XCTAssertEqual(sample(text, #"parley_http_request_duration_seconds_count{route="/rooms",method="POST"}"#), 1, text)
                XCTAssertEqual(sample(text, "parley_meetings_active"), 1)
                XCTAssertEqual(sample(text, "parley_participants"), 1)
                XCTAssertEqual(sample(text, "parley_meetings"), 1)
                XCTAssertEqual(sample(text, "parley_rooms"), 1)
                XCTAssertEqual(sample(text, "parley_websockets_open"), 1)
                let sent = try XCTUnwrap(sample(text, "parley_events_sent_total"))
                XCTAssertEqual(sent, Double(hub.sentCount))
                XCTAssertGreaterThan(sent, 0, "the connected queue received no event")

                hub.disconnect(queueId: queue)
                let after = try await scrape(client)
                XCTAssertEqual(sample(after, "parley_websockets_open"), 0)
                XCTAssertGreaterThanOrEqual(sample(after, "parley_events_sent_total") ?? -1, sent, "a counter went down")
            }
        } catch {
            try? await TestDatabase.close(store)
            throw error
        }
        try await TestDatabase.close(store)
    }

    func testMediaHooksAndBoundedLabels() {
        let metrics = ParleyMetrics()
        metrics.mediaPacketsForwarded(10, bytes: 12_000, kind: .video)
        metrics.mediaPacketsForwarded(5, bytes: 800, kind: .audio)
        metrics.mediaPacketsForwarded(2, bytes: 2_400, kind: .video)
        metrics.mediaPacketsForwarded(0, bytes: 0, kind: .audio)
        metrics.mediaPacketsForwarded(-3, bytes: -1, kind: .audio)  // nonsense is ignored, never traps
        metrics.mediaPacketsDropped(3, reason: "unknown_ssrc")
        metrics.mediaPacketsDropped(reason: "Bad Reason\"}\n")
        metrics.mediaPacketsDropped(reason: String(repeating: "a", count: 41))
        metrics.mediaPacketsDropped(0, reason: "unknown_ssrc")
        metrics.mediaKeyframeRequested(type: "pli")
        metrics.setMediaTransports(4)
        metrics.setMediaTransports(-1)
        metrics.setMediaStreams(published: 3, subscribed: 6)
        let text = metrics.registry.emitToString()
        XCTAssertEqual(sample(text, #"parley_media_packets_forwarded_total{kind="video"}"#), 12)
        XCTAssertEqual(sample(text, #"parley_media_bytes_forwarded_total{kind="video"}"#), 14_400)
        XCTAssertEqual(sample(text, #"parley_media_packets_forwarded_total{kind="audio"}"#), 5)
        XCTAssertEqual(sample(text, #"parley_media_packets_dropped_total{reason="unknown_ssrc"}"#), 3)
        XCTAssertEqual(sample(text, #"parley_media_packets_dropped_total{reason="other"}"#), 2)
        XCTAssertEqual(sample(text, #"parley_media_keyframe_requests_total{type="pli"}"#), 1)
        XCTAssertEqual(sample(text, "parley_media_transports"), 0)
        XCTAssertEqual(sample(text, #"parley_media_streams{direction="subscribed"}"#), 6)
        XCTAssertFalse(text.contains("Bad Reason"))
    }

    func testMethodLabelIsBounded() {
        XCTAssertEqual(HTTPMetricsMiddleware<ParleyRequestContext>.methodLabel(.get), "GET")
        XCTAssertEqual(HTTPMetricsMiddleware<ParleyRequestContext>.methodLabel(.delete), "DELETE")
        XCTAssertEqual(HTTPMetricsMiddleware<ParleyRequestContext>.methodLabel(HTTPRequest.Method("BREW")!), "other")
    }
}
