import XCTest
@testable import SDP

/// Negotiation rules on hand-written offers (aiortc shape, conflicts, validation).
final class PublisherAnswerRuleTests: XCTestCase {
    static let fingerprint256 =
        "sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9"
    static let fingerprint384 = "sha-384 " + Array(repeating: "AB", count: 48).joined(separator: ":")
    static let fingerprint512 = "sha-512 " + Array(repeating: "CD", count: 64).joined(separator: ":")

    /// The shape aiortc 1.16 produces: shared PT counter (opus 96, VP8 97, rtx 98), mid and
    /// abs-send-time extensions, actpass, three fingerprints, inline host candidates, no rtcp-rsize.
    static let aiortcOffer = """
    v=0
    o=- 3914262711 3914262711 IN IP4 0.0.0.0
    s=-
    t=0 0
    a=group:BUNDLE 0 1
    a=msid-semantic:WMS *
    m=audio 50000 UDP/TLS/RTP/SAVPF 96 0 8
    c=IN IP4 127.0.0.1
    a=sendonly
    a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
    a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
    a=mid:0
    a=msid:8d7e6f5a-1b2c-4d3e-9f80-112233445566 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9
    a=rtcp:9 IN IP4 0.0.0.0
    a=rtcp-mux
    a=ssrc:1001 cname:aiortc-cname-1
    a=rtpmap:96 opus/48000/2
    a=rtpmap:0 PCMU/8000
    a=rtpmap:8 PCMA/8000
    a=candidate:a1b2c3d4e5 1 udp 2130706431 127.0.0.1 50000 typ host
    a=end-of-candidates
    a=ice-ufrag:aio1
    a=ice-pwd:AiortcPasswordIs22Chars
    a=fingerprint:\(fingerprint256)
    a=fingerprint:\(fingerprint384)
    a=fingerprint:\(fingerprint512)
    a=setup:actpass
    m=video 50000 UDP/TLS/RTP/SAVPF 97 98
    c=IN IP4 127.0.0.1
    a=sendonly
    a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
    a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
    a=mid:1
    a=msid:8d7e6f5a-1b2c-4d3e-9f80-112233445566 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
    a=rtcp:9 IN IP4 0.0.0.0
    a=rtcp-mux
    a=ssrc-group:FID 2001 2002
    a=ssrc:2001 cname:aiortc-cname-1
    a=ssrc:2002 cname:aiortc-cname-1
    a=rtpmap:97 VP8/90000
    a=rtcp-fb:97 nack
    a=rtcp-fb:97 nack pli
    a=rtcp-fb:97 goog-remb
    a=rtpmap:98 rtx/90000
    a=fmtp:98 apt=97
    a=candidate:a1b2c3d4e5 1 udp 2130706431 127.0.0.1 50000 typ host
    a=end-of-candidates
    a=ice-ufrag:aio1
    a=ice-pwd:AiortcPasswordIs22Chars
    a=fingerprint:\(fingerprint256)
    a=fingerprint:\(fingerprint384)
    a=fingerprint:\(fingerprint512)
    a=setup:actpass

    """

    func testAiortcShapedOfferIsAnsweredCorrectly() throws {
        let offer = try SessionDescription.parse(Self.aiortcOffer)
        let result = try answerPublisherOffer(offer, local: Fixtures.local)
        let audio = Fixtures.sectionLines(result.answer, 0)
        let video = Fixtures.sectionLines(result.answer, 1)
        XCTAssertEqual(audio, [
            "m=audio 40000 UDP/TLS/RTP/SAVPF 96",
            "c=IN IP4 203.0.113.7",
            "a=ice-ufrag:SfuU",
            "a=ice-pwd:ServerPasswordOf24Chars0",
            "a=fingerprint:sha-256 " + Fixtures.serverFingerprint.value,
            "a=setup:passive",
            "a=mid:0",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=recvonly",
            "a=rtcp-mux",
            "a=rtpmap:96 opus/48000/2",
            "a=candidate:1 1 udp 2130706431 203.0.113.7 40000 typ host",
            "a=end-of-candidates",
        ])
        XCTAssertEqual(video.first, "m=video 40000 UDP/TLS/RTP/SAVPF 97 98")
        XCTAssertEqual(video.filter { $0.hasPrefix("a=extmap") }, [
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        ])
        XCTAssertEqual(video.filter { $0.hasPrefix("a=rtpmap") || $0.hasPrefix("a=rtcp-fb") || $0.hasPrefix("a=fmtp") }, [
            "a=rtpmap:97 VP8/90000", "a=rtcp-fb:97 nack", "a=rtcp-fb:97 nack pli", "a=rtcp-fb:97 goog-remb",
            "a=rtpmap:98 rtx/90000", "a=fmtp:98 apt=97",
        ])
        XCTAssertFalse(result.answer.serialized().contains("rtcp-rsize"), "not offered, not answered")
        XCTAssertEqual(result.remoteICE, ICECredentials(ufrag: "aio1", pwd: "AiortcPasswordIs22Chars"))
        XCTAssertEqual(result.remoteFingerprint.algorithm, "sha-512", "strongest offered hash (RFC 8122 §5)")
        XCTAssertEqual(result.dtlsRole, .server)
        XCTAssertEqual(result.media[0].ssrcs, [1001])
        XCTAssertEqual(result.media[1].ssrcs, [2001])
        XCTAssertEqual(result.media[1].rtxSSRCs, [2001: 2002])
        XCTAssertEqual(result.media[1].cname, "aiortc-cname-1")
        XCTAssertEqual(result.media[1].msid?.streamId, "8d7e6f5a-1b2c-4d3e-9f80-112233445566")
        XCTAssertEqual(result.media[1].extensions, [RTPHeaderExtension(id: 1, uri: HeaderExtensionURI.mid),
                                                    RTPHeaderExtension(id: 3, uri: HeaderExtensionURI.absSendTime)])
        XCTAssertEqual(result.answer.attributeValues("group"), ["BUNDLE 0 1"])
    }

    func testConflictingPayloadTypeInALaterBundledSectionIsRefused() throws {
        // Both sections use PT 96, for opus and for VP8: the video section keeps only H264 on 102.
        var text = Self.aiortcOffer
            .replacingOccurrences(of: "m=video 50000 UDP/TLS/RTP/SAVPF 97 98", with: "m=video 50000 UDP/TLS/RTP/SAVPF 96 102")
            .replacingOccurrences(of: "a=rtpmap:97 VP8/90000", with: "a=rtpmap:96 VP8/90000")
            .replacingOccurrences(of: "a=rtpmap:98 rtx/90000", with: "a=rtpmap:102 H264/90000")
            .replacingOccurrences(of: "a=fmtp:98 apt=97", with: "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f")
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertEqual(result.answer.media[0].formats, ["96"])
        XCTAssertEqual(result.answer.media[1].formats, ["102"])
        XCTAssertEqual(result.media[1].codecs.map(\.name), ["H264"])

        // With VP8 only, the video section has nothing left and is rejected.
        text = text.replacingOccurrences(of: "m=video 50000 UDP/TLS/RTP/SAVPF 96 102", with: "m=video 50000 UDP/TLS/RTP/SAVPF 96")
            .replacingOccurrences(of: "a=rtpmap:102 H264/90000\n", with: "")
            .replacingOccurrences(of: "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\n", with: "")
        let rejected = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertFalse(rejected.media[1].accepted)
        XCTAssertEqual(rejected.media[1].rejectionReason, "no supported codec offered")
        XCTAssertEqual(rejected.answer.media[1].port, 0)
        XCTAssertEqual(rejected.answer.attributeValues("group"), ["BUNDLE 0"])
    }

    func testConflictingExtensionIdInALaterBundledSectionIsDropped() throws {
        let text = Self.aiortcOffer.replacingOccurrences(
            of: "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            with: "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time")
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertEqual(result.media[0].extensions.id(for: HeaderExtensionURI.audioLevel), 2)
        XCTAssertNil(result.media[1].extensions.id(for: HeaderExtensionURI.absSendTime))
        XCTAssertEqual(result.media[1].extensions.id(for: HeaderExtensionURI.mid), 1)
    }

    func testExtmapDirectionIsMirroredInTheAnswer() throws {
        let text = Self.aiortcOffer.replacingOccurrences(
            of: "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            with: "a=extmap:3/sendonly http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time")
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertTrue(Fixtures.sectionLines(result.answer, 1).contains(
            "a=extmap:3/recvonly http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"))
    }

    func testSimulcastIsDeclinedWithoutRidExtensionOrWhenDisabled() throws {
        let text = try Cases.text("BH-01-chrome-offer-simulcast.sdp")
        let noRidExtension = text.replacingOccurrences(
            of: "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", with: "")
        let declined = try answerPublisherOffer(SessionDescription.parse(noRidExtension), local: Fixtures.local)
        XCTAssertEqual(declined.media[1].rids, [])
        XCTAssertFalse(declined.answer.serialized().contains("a=rid:"))
        XCTAssertFalse(declined.answer.serialized().contains("a=simulcast"))

        var capabilities = ServerCapabilities.default
        capabilities.simulcast = false
        let disabled = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local,
                                                capabilities: capabilities)
        XCTAssertEqual(disabled.media[1].rids, [])
        XCTAssertFalse(disabled.answer.serialized().contains("a=simulcast"))
        XCTAssertTrue(disabled.media[1].accepted)
    }

    func testWithoutBundleGroupOnlyTheFirstLiveSectionIsAccepted() throws {
        let text = Self.aiortcOffer.replacingOccurrences(of: "a=group:BUNDLE 0 1\n", with: "")
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertEqual(result.media.map(\.accepted), [true, false])
        XCTAssertEqual(result.answer.attributeValues("group"), [])
    }

    func testSendrecvAudioWithASendTrackIsAnsweredSendrecv() throws {
        // WSC audio PC (§3.5): mic up, mixed room audio down.
        let text = Self.aiortcOffer.replacingOccurrences(of: "m=audio 50000 UDP/TLS/RTP/SAVPF 96 0 8\nc=IN IP4 127.0.0.1\na=sendonly",
                                  with: "m=audio 50000 UDP/TLS/RTP/SAVPF 96 0 8\nc=IN IP4 127.0.0.1\na=sendrecv")
        let track = ServerSendTrack(ssrc: 77, cname: "parley", streamId: "room-mix", trackId: "mix-audio")
        let capabilities = ServerCapabilities(sendTracks: [.audio: track])
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local,
                                              capabilities: capabilities)
        let audio = Fixtures.sectionLines(result.answer, 0)
        XCTAssertTrue(audio.contains("a=sendrecv"))
        XCTAssertTrue(audio.contains("a=msid:room-mix mix-audio"))
        XCTAssertTrue(audio.contains("a=ssrc:77 cname:parley"))
        XCTAssertTrue(audio.contains("a=ssrc:77 msid:room-mix mix-audio"))
        XCTAssertEqual(result.media[0].direction, .sendrecv)
        XCTAssertEqual(result.media[0].localSSRC, 77)
        XCTAssertEqual(result.media[1].direction, .recvonly, "video stays sendonly → recvonly")
        XCTAssertNil(result.media[1].localSSRC)
        XCTAssertEqual(result.answer.attributeValue("msid-semantic"), "WMS *")

        let plain = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertEqual(plain.media[0].direction, .recvonly)
    }

    func testRecvonlyAndInactiveOffersAreAnsweredInactive() throws {
        let text = Self.aiortcOffer
            .replacingOccurrences(of: "m=audio 50000 UDP/TLS/RTP/SAVPF 96 0 8\nc=IN IP4 127.0.0.1\na=sendonly",
                                  with: "m=audio 50000 UDP/TLS/RTP/SAVPF 96 0 8\nc=IN IP4 127.0.0.1\na=recvonly")
            .replacingOccurrences(of: "m=video 50000 UDP/TLS/RTP/SAVPF 97 98\nc=IN IP4 127.0.0.1\na=sendonly",
                                  with: "m=video 50000 UDP/TLS/RTP/SAVPF 97 98\nc=IN IP4 127.0.0.1\na=inactive")
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertEqual(result.media.map(\.direction), [.inactive, .inactive])
        XCTAssertEqual(result.media.map(\.accepted), [true, true])
    }

    func testIPv6CandidateAddressUsesIP6() throws {
        var local = Fixtures.local
        local.candidateAddress = "2001:db8::7"
        let result = try answerPublisherOffer(Cases.parse("BH-08-whip-offer-setup-active.sdp"), local: local)
        let lines = Fixtures.lines(result.answer)
        XCTAssertEqual(lines[1], "o=- 1234567890 1 IN IP6 2001:db8::7")
        XCTAssertTrue(lines.contains("c=IN IP6 2001:db8::7"))
        XCTAssertTrue(lines.contains("a=candidate:1 1 udp 2130706431 2001:db8::7 40000 typ host"))
    }

    // MARK: - "offer must be WebRTC"

    private func assertNotWebRTC(_ text: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local),
                             file: file, line: line) { error in
            guard case SDPError.notWebRTC(let reason)? = error as? SDPError else {
                return XCTFail("expected notWebRTC, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(reason.contains(fragment), "\(reason) should mention \(fragment)", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix("offer must be WebRTC: "), file: file, line: line)
        }
    }

    func testOffersThatAreNotWebRTCAreRefusedWithAReason() throws {
        let whip = try Cases.text("BH-08-whip-offer-setup-active.sdp")
        assertNotWebRTC(whip.replacingOccurrences(of: "a=fingerprint:", with: "a=x-fingerprint:"), contains: "fingerprint")
        assertNotWebRTC(whip.replacingOccurrences(of: "a=ice-ufrag:wh1p\r\n", with: ""), contains: "ice-ufrag")
        assertNotWebRTC(whip.replacingOccurrences(of: "a=ice-pwd:Gx7Lq2Nv5Rt8Wz3Kb6Pm9Hd4\r\n", with: ""), contains: "ice-pwd")
        assertNotWebRTC(whip.replacingOccurrences(of: "UDP/TLS/RTP/SAVPF 96", with: "RTP/AVP 96"), contains: "RTP/AVP")
        assertNotWebRTC(whip.replacingOccurrences(of: "a=mid:1\r\n", with: ""), contains: "no a=mid")
        assertNotWebRTC(whip.replacingOccurrences(of: "a=rtcp-mux\r\n", with: ""), contains: "rtcp-mux")
        // Media-level fingerprint on only one of two live sections.
        let firefox = try Cases.text("BH-04-firefox-max-bundle-offer.sdp")
        let fingerprintLine = try XCTUnwrap(firefox.components(separatedBy: "\r\n").first { $0.hasPrefix("a=fingerprint") })
        let mediaOnly = firefox.replacingOccurrences(of: fingerprintLine + "\r\n", with: "")
            .replacingOccurrences(of: "a=mid:0\r\n", with: "a=mid:0\r\n" + fingerprintLine + "\r\n")
        assertNotWebRTC(mediaOnly, contains: "mid 1")
        // Only an unsupported hash.
        assertNotWebRTC(whip.replacingOccurrences(of: "a=fingerprint:sha-256 ", with: "a=fingerprint:x-hash "),
                        contains: "sha-256")
        assertNotWebRTC("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", contains: "no m-section")
    }

    func testRejectedSectionNeedsNoFingerprintAndAllRejectedThrows() throws {
        let firefox = try Cases.text("BH-06-firefox-offer-with-datachannel.sdp")
        // A data-channel-only offer validates but nothing can be accepted.
        let lines = firefox.components(separatedBy: "\r\n")
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("m=audio") })
        let end = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("m=application") })
        let dataOnly = (lines[..<start] + lines[end...]).joined(separator: "\r\n")
            .replacingOccurrences(of: "a=group:BUNDLE 0 1", with: "a=group:BUNDLE 1")
        XCTAssertThrowsError(try answerPublisherOffer(SessionDescription.parse(dataOnly), local: Fixtures.local)) { error in
            guard case SDPError.negotiation(let reason)? = error as? SDPError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("data channels are not supported"), reason)
        }
    }
}
