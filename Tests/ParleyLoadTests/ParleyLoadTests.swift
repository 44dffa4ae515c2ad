import Foundation
import XCTest
@testable import ParleyLoad

final class FrameStampTests: XCTestCase {
    func testRoundTripAndHostileInput() {
        let stamp = FrameStamp(publisherIndex: 0xA1B2C3D4, frameNumber: 77, sendTimeMicros: 0x0102_0304_0506_0708)
        let data = stamp.appended(to: [9, 9, 9])
        XCTAssertEqual(data.count, 3 + FrameStamp.length)
        XCTAssertEqual(FrameStamp.read(from: data), stamp)
        XCTAssertEqual(FrameStamp.read(from: data[...]), stamp)
        for length in 0..<data.count { XCTAssertNil(FrameStamp.read(from: Array(data.prefix(length))), "prefix \(length)") }
        var corrupted = data
        corrupted[3] ^= 0xFF   // first magic byte
        XCTAssertNil(FrameStamp.read(from: corrupted))
        XCTAssertNil(FrameStamp.read(from: [UInt8](repeating: 0, count: 100)))
    }
}

final class DelayHistogramTests: XCTestCase {
    func testPercentilesWithinTwoPercent() {
        var h = DelayHistogram()
        for i in 1...1000 { h.record(Double(i)) }   // 1…1000 ms
        XCTAssertEqual(h.total, 1000)
        XCTAssertEqual(h.percentile(0.5)!, 500, accuracy: 500 * 0.021)
        XCTAssertEqual(h.percentile(0.99)!, 990, accuracy: 990 * 0.021)
        XCTAssertEqual(h.percentile(1)!, 1000, accuracy: 0.001)
        XCTAssertEqual(h.mean!, 500.5, accuracy: 1e-9)
        XCTAssertNil(DelayHistogram().percentile(0.5))
    }

    func testMergeAndHostileValues() {
        var a = DelayHistogram(), b = DelayHistogram()
        a.record(1); b.record(100)
        b.record(-5); b.record(.nan); b.record(.infinity); b.record(1e12)
        a.merge(b)
        XCTAssertEqual(a.total, 6)
        XCTAssertEqual(a.percentile(0.1), DelayHistogram.upperEdge(0))   // negatives and NaN count as 0
        XCTAssertEqual(a.maximum, 1e12)
    }
}

final class LoadOptionsTests: XCTestCase {
    func valid() -> LoadOptions {
        var o = LoadOptions()
        o.tokenSecret = String(repeating: "s", count: 32)
        return o
    }

    func testLoopbackRuleAndAllowRemote() throws {
        var o = valid()
        XCTAssertNoThrow(try o.validate())
        o.server = "http://10.1.2.3:10000"
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".contains("--allow-remote 10.1.2.3")) }
        o.allowRemote = "10.1.2.3"
        XCTAssertNoThrow(try o.validate())
        XCTAssertTrue(o.mayContact("127.0.0.1"))
        XCTAssertTrue(o.mayContact("10.1.2.3"))
        XCTAssertFalse(o.mayContact("10.1.2.4"))
        o.target = .janus
        o.janusURL = "http://localhost:8088/janus"
        XCTAssertNoThrow(try o.validate())
        for host in ["127.0.0.1", "127.9.9.9", "localhost", "::1"] { XCTAssertTrue(LoadOptions.isLoopback(host), host) }
        for host in ["128.0.0.1", "127.0.0", "127.0.0.1.5", "example.org", "", "1270.0.0.1"] { XCTAssertFalse(LoadOptions.isLoopback(host), host) }
    }

    func testRangesAreUsageErrors() {
        let cases: [(String, (inout LoadOptions) -> Void)] = [
            ("--meetings", { $0.meetings = 0 }), ("--participants", { $0.participants = 501 }),
            ("--publishers", { $0.publishers = 11 }), ("--video-bitrate", { $0.videoBitrate = 1 }),
            ("--duration", { $0.duration = .nan }), ("--ramp", { $0.ramp = 0 }), ("--subscribe", { $0.subscribe = -1 }),
            ("--token-secret", { $0.tokenSecret = "short" }), ("--video-size", { $0.videoWidth = 15 }),
            ("exceeds", { $0.meetings = 300; $0.participants = 100 }),
        ]
        for (needle, mutate) in cases {
            var o = valid()
            mutate(&o)
            XCTAssertThrowsError(try o.validate(), needle) { XCTAssertTrue("\($0)".contains(needle), "\($0)") }
        }
        var noSecret = LoadOptions()
        noSecret.tokenSecret = nil
        XCTAssertThrowsError(try noSecret.validate())
    }

    func testHTTPEndpointParsing() {
        XCTAssertEqual(HTTPEndpoint(url: "http://127.0.0.1:8088/janus/"), HTTPEndpoint(url: "http://127.0.0.1:8088/janus"))
        let e = HTTPEndpoint(url: "http://localhost/x/y")
        XCTAssertEqual(e?.host, "localhost")
        XCTAssertEqual(e?.port, 80)
        XCTAssertEqual(e?.basePath, "/x/y")
        XCTAssertEqual(HTTPEndpoint(url: "http://[::1]:9000")?.host, "::1")
        for bad in ["https://127.0.0.1", "127.0.0.1:80", "http://", "http://:80", "http://host:0", "http://host:99999",
                    "http://host:abc", "http://ho st", "http://a@b"] {
            XCTAssertNil(HTTPEndpoint(url: bad), bad)
        }
    }
}

final class TokenTests: XCTestCase {
    func testMintedTokenHasSubjectAndVerifiesWithHMAC() throws {
        let id = UUID().uuidString.lowercased()
        let token = TokenMinter.mint(secret: String(repeating: "k", count: 32), userId: id, name: "Load1",
                                     now: Date(timeIntervalSince1970: 1_000))
        XCTAssertEqual(TokenMinter.subject(of: token), id)
        let parts = token.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        let payload = try XCTUnwrap(TokenMinter.decodeBase64URL(String(parts[1])))
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: payload) as? [String: Any])
        XCTAssertEqual(claims["type"] as? String, "internal")
        XCTAssertEqual(claims["exp"] as? Int, 1_000 + 6 * 3600)
        XCTAssertFalse(token.contains("="))
        for bad in ["", "a.b", "a.b.c", "x.\(TokenMinter.base64URL(Data(#"{"sub":"not-a-uuid"}"#.utf8))).y", "....."] {
            XCTAssertNil(TokenMinter.subject(of: bad), bad)
        }
    }

    func testTokenFile() throws {
        let id = UUID().uuidString.lowercased()
        let token = TokenMinter.mint(secret: String(repeating: "k", count: 32), userId: id, name: "A")
        let path = NSTemporaryDirectory() + "tokens-\(UUID().uuidString).txt"
        try "# comment\n\n\(token)\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try TokenMinter.users(count: 1, secret: nil, file: path, prefix: "p").first?.id, id)
        XCTAssertThrowsError(try TokenMinter.users(count: 2, secret: nil, file: path, prefix: "p"))
        XCTAssertThrowsError(try TokenMinter.users(count: 1, secret: nil, file: path + ".missing", prefix: "p"))
    }
}

final class ServerProbeTests: XCTestCase {
    func testStatParsingWithHostileComm() {
        let stat = "1234 (my (odd) proc) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 1 0 100 1000 10"
        XCTAssertEqual(ServerProbe.parseStatCPU(stat), 200)
        for length in 0..<stat.count { _ = ServerProbe.parseStatCPU(String(stat.prefix(length))) }
        XCTAssertNil(ServerProbe.parseStatCPU("1234 (x) S 1 2"))
        XCTAssertNil(ServerProbe.parseStatCPU("no parens here"))
        XCTAssertEqual(ServerProbe.parseRSS("Name:\tx\nVmRSS:\t  2048 kB\n"), 2048 * 1024)
        XCTAssertNil(ServerProbe.parseRSS("VmRSS:\n"))
    }

    func testSamplesThisProcess() throws {
        let sample = try XCTUnwrap(ServerProbe.sample(pid: getpid()))
        XCTAssertGreaterThan(sample.rssBytes, 1 << 20)
        XCTAssertGreaterThan(sample.cpuSeconds, 0)
    }
}

final class ReportTests: XCTestCase {
    func snapshot(_ i: Int, publisher: Bool, lost: Int, failure: String? = nil) -> ParticipantSnapshot {
        var s = ParticipantSnapshot(index: i, meeting: 0, userId: "u\(i)", publisher: publisher)
        s.joinStartedAt = 1
        s.joinedAt = 1.1
        s.mediaFlowingAt = 1 + Double(i) / 10
        s.videoPacketsSent = publisher ? 100 : 0
        s.videoPacketsReceived = 100 - lost
        s.packetsExpected = 100
        s.packetsLost = lost
        s.streamsExpected = 1
        s.streamsFlowing = failure == nil ? 1 : 0
        s.delay.record(Double(i + 1))
        if let failure { s.failedStep = "join"; s.failure = failure }
        return s
    }

    func testSummaryNumbers() {
        let list = [snapshot(0, publisher: true, lost: 0), snapshot(1, publisher: false, lost: 2),
                    snapshot(2, publisher: false, lost: 0, failure: "POST /meetings/0b7f6a52-8a1e-4f63-9a52-3c1c2f0d5e11/join -> HTTP 403 after 12345 ms")]
        let s = SummaryBuilder.summarize(list)
        XCTAssertEqual(s.participants, 3)
        XCTAssertEqual(s.failed, 1)
        XCTAssertEqual(s.flowing, 2)
        XCTAssertEqual(s.packetsLost, 2)
        XCTAssertEqual(s.lossPercent, 100 * 2.0 / 300, accuracy: 1e-9)
        XCTAssertEqual(s.joinLatencyMaxMs!, 200, accuracy: 1e-6)
        XCTAssertEqual(s.failureReasons, ["join: POST /meetings/<id>/join -> HTTP 403 after # ms": 1])
        XCTAssertEqual(SummaryBuilder.percentile([3, 1, 2, 4], 0.5), 2)
        XCTAssertNil(SummaryBuilder.percentile([], 0.5))
    }

    func testHTMLAndJSONAreSelfContained() throws {
        var options = LoadOptions()
        options.tokenSecret = String(repeating: "s", count: 32)
        let timeline = (0..<10).map { TimePoint(t: Double($0), joined: $0, flowing: $0, failed: 0, sentBitsPerSecond: 1e6,
                                                receivedBitsPerSecond: 2e6, receivedPacketsPerSecond: 100, lossPercent: 0,
                                                delayP50Ms: $0 == 3 ? nil : 1.5, delayP95Ms: 3, serverCPUPercent: 10, serverRSSMiB: 50) }
        let report = LoadReport(startedAt: "now", options: options, serverPID: 1, videoLoopBitrate: 3e5,
                                summary: SummaryBuilder.summarize([snapshot(0, publisher: true, lost: 0)]),
                                timeline: timeline, participants: [snapshot(0, publisher: true, lost: 0, failure: "<script>")])
        let html = HTMLReport.render(report)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 6)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src="))
        XCTAssertFalse(html.contains("href="))
        XCTAssertTrue(html.contains("&lt;script&gt;"))
        let json = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any]
        XCTAssertEqual((json?["timeline"] as? [Any])?.count, 10)
        XCTAssertNotNil(json?["summary"] as? [String: Any])
        XCTAssertTrue(report.summaryTable().contains("participants joined / flowing / failed"))
    }
}

final class EventInboxTests: XCTestCase {
    func testWaitFindsPastAndFutureEventsAndTimesOut() async throws {
        let inbox = EventInbox(capacity: 16)
        await inbox.append(try XCTUnwrap(ServerEvent.parse(#"{"type":"A","n":1}"#)))
        let past = try await inbox.wait(what: "A", after: 0, timeout: 1) { $0.type == "A" }
        XCTAssertEqual(past.fields["n"], "1")
        let mark = await inbox.mark()
        async let future = inbox.wait(what: "B", after: mark, timeout: 2) { $0.type == "B" }
        try await Task.sleep(nanoseconds: 50_000_000)
        await inbox.append(try XCTUnwrap(ServerEvent.parse(#"{"type":"B","sdp":"x"}"#)))
        let got = try await future
        XCTAssertEqual(got.fields["sdp"], "x")
        do {
            _ = try await inbox.wait(what: "C", after: 0, timeout: 0.1) { $0.type == "C" }
            XCTFail("expected a timeout")
        } catch EventWaitError.timeout(let what, _) {
            XCTAssertEqual(what, "C")
        }
        await inbox.close("bye")
        do {
            _ = try await inbox.wait(what: "D", after: 0, timeout: 5) { $0.type == "D" }
            XCTFail("expected closed")
        } catch EventWaitError.closed(let reason) {
            XCTAssertEqual(reason, "bye")
        }
        XCTAssertNil(ServerEvent.parse("not json"))
        XCTAssertNil(ServerEvent.parse("[1,2]"))
    }
}
