import XCTest
@testable import SDP

/// Hostile input: truncations, garbage, huge numbers, missing fields, duplicates, limits.
/// Every case must throw a typed SDPError (or parse), never crash.
final class HostileInputTests: XCTestCase {
    static let header = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    static let audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

    /// Asserts `text` throws `.syntax` at `line` (when given) and returns the reason.
    @discardableResult
    private func assertSyntaxError(_ text: String, line expectedLine: Int? = nil, contains fragment: String? = nil,
                                   file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try SessionDescription.parse(text)
            XCTFail("parsed but should not: \(text.debugDescription.prefix(200))", file: file, line: line)
        } catch SDPError.syntax(let errorLine, let reason) {
            if let expectedLine { XCTAssertEqual(errorLine, expectedLine, reason, file: file, line: line) }
            if let fragment { XCTAssertTrue(reason.contains(fragment), "\(reason) lacks \(fragment)", file: file, line: line) }
            return reason
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testTruncatedAtEveryLineOfEveryCase() throws {
        for name in try Cases.sdpFiles() {
            let lines = try Cases.text(name).components(separatedBy: "\r\n")
            for count in 0...lines.count {
                let text = lines.prefix(count).joined(separator: "\r\n")
                let nonEmpty = lines.prefix(count).filter { !$0.isEmpty }.count
                guard nonEmpty >= 3 else {
                    assertSyntaxError(text)   // v, o or s missing
                    continue
                }
                let parsed = try SessionDescription.parse(text)   // a line prefix of valid SDP is valid SDP
                do {
                    let result = try answerPublisherOffer(parsed, local: Fixtures.local)
                    XCTAssertEqual(try SessionDescription.parse(result.answer.serialized()), result.answer)
                    XCTAssertTrue(result.media.contains { $0.accepted })
                } catch let error as SDPError {
                    if parsed.media.isEmpty { XCTAssertEqual(error, .notWebRTC(reason: "no m-section"), name) }
                }
            }
        }
    }

    func testTruncatedAtEveryByteOfTheWHIPOfferNeverCrashes() throws {
        let bytes = Array(try Cases.text("BH-08-whip-offer-setup-active.sdp").utf8)
        var parsedCount = 0
        for length in 0...bytes.count {
            let text = String(decoding: bytes[0..<length], as: UTF8.self)
            guard let parsed = try? SessionDescription.parse(text) else { continue }
            parsedCount += 1
            _ = try? answerPublisherOffer(parsed, local: Fixtures.local)
        }
        XCTAssertGreaterThan(parsedCount, 0)
        XCTAssertLessThan(parsedCount, bytes.count, "most mid-line cuts must be refused")
        // A cut inside the fingerprint names its line.
        let text = String(decoding: bytes, as: UTF8.self)
        let cut = try XCTUnwrap(text.range(of: "82:6A:40:91"))
        assertSyntaxError(String(text[..<cut.upperBound]), line: 6, contains: "fingerprint")
    }

    func testGarbageNeverParses() {
        var generator = SplitMix64(seed: 0xBAD5EED)
        for _ in 0..<2000 {
            let length = Int(generator.next() % 300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if bytes.first == UInt8(ascii: "v") { bytes[0] = UInt8(ascii: "x") }
            XCTAssertThrowsError(try SessionDescription.parse(String(decoding: bytes, as: UTF8.self)))
        }
        assertSyntaxError("", contains: "empty")
        assertSyntaxError("\r\n\r\n", contains: "empty")
        assertSyntaxError("hello world", line: 1)
        assertSyntaxError("v=1\r\n", line: 1, contains: "version")
        assertSyntaxError(Self.header + "x=unknown\r\n", line: 5, contains: "unknown line type")
        assertSyntaxError(Self.header + "a\r\n", line: 5)
        assertSyntaxError(Self.header + "A=mid:0\r\n", line: 5)
        assertSyntaxError(Self.header + "a=mi\0d:0\r\n", line: 5, contains: "control character")
        assertSyntaxError(Self.header + "a=mid:0\rb\r\n", line: 5, contains: "control character")
        assertSyntaxError(Self.header + "a=:x\r\n", line: 5, contains: "attribute name")
        assertSyntaxError("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", line: 1, contains: "first line")
        // Combining marks and non-ASCII text in free-form lines are kept, not choked on.
        let unicode = Self.header + "i=\u{301}\u{301}é 日本\r\n" + Self.audio + "a=x-note:\u{301}:é\r\n"
        XCTAssertEqual(try SessionDescription.parse(unicode).media.first?.attributes.first?.value, "\u{301}:é")
    }

    func testHugeAndOutOfRangeNumbers() {
        let h = Self.header
        assertSyntaxError(h + "m=audio 65536 UDP/TLS/RTP/SAVPF 111\r\n", line: 5, contains: "port")
        assertSyntaxError(h + "m=audio 9/0 UDP/TLS/RTP/SAVPF 111\r\n", line: 5, contains: "port count")
        assertSyntaxError(h + "m=audio 9 UDP/TLS/RTP/SAVPF 128\r\n", line: 5, contains: "payload type")
        assertSyntaxError(h + "m=audio 9 UDP/TLS/RTP/SAVPF -1\r\n", line: 5)
        assertSyntaxError(h + "m=audio 99999999999999999999999 UDP/TLS/RTP/SAVPF 0\r\n", line: 5)
        assertSyntaxError(h + Self.audio + "a=rtpmap:111 opus/4294967296/2\r\n", line: 6, contains: "rtpmap")
        assertSyntaxError(h + Self.audio + "a=rtpmap:111 opus/48000/256\r\n", line: 6, contains: "rtpmap")
        assertSyntaxError(h + Self.audio + "a=rtpmap:111 opus/0\r\n", line: 6, contains: "rtpmap")
        assertSyntaxError(h + Self.audio + "a=extmap:256 urn:x\r\n", line: 6, contains: "extmap")
        assertSyntaxError(h + Self.audio + "a=ssrc:18446744073709551616 cname:x\r\n", line: 6, contains: "ssrc")
        assertSyntaxError(h + Self.audio + "a=ssrc-group:FID 1 18446744073709551616\r\n", line: 6, contains: "ssrc-group")
        // Above 32 bits but below 64 (BH-07's case file): kept verbatim, ignored by the accessors.
        let wide = try? SessionDescription.parse(h + Self.audio + "a=ssrc:4294967296 cname:x\r\na=ssrc-group:FID 1 4294967296\r\n")
        XCTAssertEqual(wide?.media[0].ssrcAttributes, [])
        XCTAssertEqual(wide?.media[0].ssrcGroups, [])
        XCTAssertEqual(wide?.media[0].attributes.count, 2)
        assertSyntaxError(h + Self.audio + "a=candidate:1 1 udp 4294967296 192.0.2.1 9 typ host\r\n", line: 6)
        assertSyntaxError(h + Self.audio + "b=AS:4294967296\r\n", line: 6, contains: "b=")
        assertSyntaxError("v=0\r\no=- 1 18446744073709551616 IN IP4 0.0.0.0\r\ns=-\r\n", line: 2, contains: "version")
        assertSyntaxError("v=0\r\no=- 123456789012345678901234567890123 1 IN IP4 0.0.0.0\r\ns=-\r\n", line: 2)
        assertSyntaxError(h + "t=0 0\r\n", line: 5)
        assertSyntaxError(h + Self.audio + "a=rid:q send pt=1000\r\n", line: 6, contains: "rid")
        XCTAssertNoThrow(try SessionDescription.parse("v=0\r\no=- 18446744073709551615 18446744073709551615 IN IP4 0.0.0.0\r\ns=-\r\n"
            + "m=audio 65535 UDP/TLS/RTP/SAVPF 127\r\na=extmap:255 urn:x\r\na=ssrc:4294967295 cname:x\r\n"))
    }

    func testMissingFields() {
        let h = Self.header
        assertSyntaxError("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", line: 2, contains: "6 fields")
        assertSyntaxError("v=0\r\no=- x 1 IN IP4 0.0.0.0\r\ns=-\r\n", line: 2, contains: "session id")
        assertSyntaxError("v=0\r\ns=-\r\n", line: 2, contains: "must follow o=")
        assertSyntaxError("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", contains: "missing s=")
        assertSyntaxError("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 RTP/AVP 0\r\n", line: 3, contains: "m= before")
        assertSyntaxError(h + "m=audio 9 UDP/TLS/RTP/SAVPF\r\n", line: 5, contains: "m= needs")
        assertSyntaxError(h + "c=IN IP4\r\n", line: 5, contains: "c=")
        let missing = ["a=rtpmap:111", "a=rtpmap:111 opus", "a=fmtp:", "a=fmtp:x a=b", "a=rtcp-fb:111", "a=extmap:", "a=extmap:1",
                       "a=ssrc:1", "a=ssrc:", "a=ssrc-group:FID 1", "a=ssrc-group:", "a=rid:", "a=rid:q", "a=simulcast:",
                       "a=candidate:1 1 udp", "a=fingerprint:sha-256", "a=fingerprint:", "a=setup:", "a=setup:both",
                       "a=msid:", "a=msid:a b c", "a=msid-semantic:", "a=group:", "a=mid:", "a=ice-ufrag:", "a=ice-ufrag:abc",
                       "a=ice-pwd:short", "a=ice-ufrag:bad_chars", "a=ice-options:", "a=sendonly:x"]
        for attribute in missing {
            assertSyntaxError(h + Self.audio + attribute + "\r\n", line: 6)
        }
    }

    func testDuplicatedAttributesAndLines() {
        let h = Self.header
        let section = Self.audio
        let duplicates: [(String, String)] = [
            ("a=mid:0\r\na=mid:1\r\n", "duplicate a=mid"),
            ("a=ice-ufrag:abcd\r\na=ice-ufrag:abcd\r\n", "duplicate a=ice-ufrag"),
            ("a=ice-pwd:0123456789012345678901\r\na=ice-pwd:0123456789012345678902\r\n", "duplicate a=ice-pwd"),
            ("a=setup:active\r\na=setup:passive\r\n", "duplicate a=setup"),
            ("a=sendonly\r\na=recvonly\r\n", "conflicts"),
            ("a=sendonly\r\na=sendonly\r\n", "conflicts"),
            ("a=rtpmap:111 opus/48000/2\r\na=rtpmap:111 VP8/90000\r\n", "duplicate a=rtpmap"),
            ("a=fmtp:111 a=1\r\na=fmtp:111 a=2\r\n", "duplicate a=fmtp"),
            ("a=extmap:1 urn:a\r\na=extmap:1 urn:b\r\n", "duplicate a=extmap id 1"),
            ("a=rid:q send\r\na=rid:q send\r\n", "duplicate a=rid"),
            ("a=simulcast:send q\r\na=simulcast:send q\r\n", "duplicate a=simulcast"),
            ("c=IN IP4 0.0.0.0\r\nc=IN IP4 0.0.0.0\r\n", "duplicate c="),
        ]
        for (lines, fragment) in duplicates {
            assertSyntaxError(h + section + lines, line: 7, contains: fragment)
        }
        assertSyntaxError(h + section + "a=mid:0\r\n" + section + "a=mid:0\r\n", line: 8, contains: "already used")
        assertSyntaxError(h + "a=group:BUNDLE 0 1\r\na=group:BUNDLE 1\r\n", line: 6, contains: "BUNDLE")
        assertSyntaxError(h + "a=group:BUNDLE 0 0\r\n", line: 5, contains: "BUNDLE")
        assertSyntaxError(h + section + "m=audio 9 UDP/TLS/RTP/SAVPF 111 111\r\n", line: 6, contains: "duplicate format")
        assertSyntaxError("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", line: 3)
        assertSyntaxError(Self.header + "s=again\r\n", line: 5)
        assertSyntaxError(Self.header + "v=0\r\n", line: 5)
        // Harmless repeated flags are accepted.
        XCTAssertNoThrow(try SessionDescription.parse(h + section + "a=rtcp-mux\r\na=rtcp-mux\r\n"))
    }

    func testSizeAndSectionLimits() throws {
        let padding = String(repeating: "a=x-pad:" + String(repeating: "p", count: 100) + "\r\n", count: 700)
        XCTAssertThrowsError(try SessionDescription.parse(Self.header + padding)) { error in
            guard case SDPError.limitExceeded(let reason)? = error as? SDPError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("65536"), reason)
        }
        let sixtyFour = Self.header + String(repeating: "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n", count: 64)
        XCTAssertEqual(try SessionDescription.parse(sixtyFour).media.count, 64)
        XCTAssertThrowsError(try SessionDescription.parse(sixtyFour + "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n")) {
            XCTAssertEqual($0 as? SDPError, .limitExceeded(reason: "more than 64 m-sections"))
        }
        let manyFormats = "m=video 9 UDP/TLS/RTP/SAVPF " + (0...127).map(String.init).joined(separator: " ") + "\r\n"
        XCTAssertEqual(try SessionDescription.parse(Self.header + manyFormats).media[0].formats.count, 128)
    }

    func testWorstCaseSizedOffersStayLinear() throws {
        // 128 formats and ~2000 distinct wildcard feedback lines: every codec sees every line.
        let formats = (0...127).map(String.init)
        var text = HostileInputTests.header + "a=fingerprint:" + PublisherAnswerRuleTests.fingerprint256 + "\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF " + formats.joined(separator: " ") + "\r\n"
            + "a=mid:0\r\na=rtcp-mux\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
            + formats.map { "a=rtpmap:\($0) VP8/90000\r\n" }.joined()
        var index = 0
        while text.utf8.count < SDPLimits.maxBytes - 40 {
            text += "a=rtcp-fb:* x-\(index)\r\n"
            index += 1
        }
        let offer = try SessionDescription.parse(text)
        let codecs = offer.media[0].codecs
        XCTAssertEqual(codecs.count, 128)
        XCTAssertEqual(codecs[0].rtcpFeedback.count, index)
        let result = try answerPublisherOffer(offer, local: Fixtures.local)
        XCTAssertEqual(result.media[0].codecs.count, 128)
        XCTAssertEqual(result.media[0].codecs[0].rtcpFeedback, [], "unknown feedback types are not answered")
    }

    func testErrorDescriptionsAreHumanReadable() {
        XCTAssertEqual(SDPError.syntax(line: 7, reason: "duplicate a=mid").description, "invalid SDP: line 7: duplicate a=mid")
        XCTAssertEqual(SDPError.notWebRTC(reason: "m-section 0 (mid 0) has no a=fingerprint (session or media level)").description,
                       "offer must be WebRTC: m-section 0 (mid 0) has no a=fingerprint (session or media level)")
        XCTAssertEqual(SDPError.limitExceeded(reason: "x").description, "SDP rejected: x")
    }
}

/// Deterministic PRNG for the hostile and fuzz tests (SplitMix64).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}
