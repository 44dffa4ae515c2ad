import XCTest
@testable import SDP

/// Answers to the bug-hunt offers: the "correct behaviour" items of BUGHUNT.md.
final class PublisherAnswerCaseTests: XCTestCase {
    private func answer(_ name: String, capabilities: ServerCapabilities = .default) throws -> PublisherAnswer {
        try answerPublisherOffer(Cases.parse(name), local: Fixtures.local, capabilities: capabilities)
    }

    /// Every answer must itself be parseable WebRTC SDP.
    private func assertWellFormed(_ result: PublisherAnswer, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = result.answer.serialized()
        XCTAssertFalse(text.contains("(null)"), file: file, line: line)
        XCTAssertFalse(text.contains("a=mid:\r\n"), file: file, line: line)
        let reparsed = try SessionDescription.parse(text)
        XCTAssertEqual(reparsed, result.answer, file: file, line: line)
        try reparsed.validateWebRTC()
        XCTAssertTrue(reparsed.iceLite, file: file, line: line)
    }

    func testBH01SimulcastOfferKeepsPayloadTypesExtensionIdsAndRids() throws {
        let result = try answer("BH-01-chrome-offer-simulcast.sdp")
        try assertWellFormed(result)
        let audio = Fixtures.sectionLines(result.answer, 0)
        let video = Fixtures.sectionLines(result.answer, 1)
        XCTAssertEqual(audio.first, "m=audio 40000 UDP/TLS/RTP/SAVPF 111")
        XCTAssertTrue(audio.contains("a=rtpmap:111 opus/48000/2"))
        XCTAssertTrue(audio.contains("a=fmtp:111 minptime=10;useinbandfec=1"))
        XCTAssertTrue(audio.contains("a=rtcp-fb:111 transport-cc"))
        XCTAssertFalse(audio.contains { $0.contains("red/") || $0.contains("telephone-event") })
        XCTAssertEqual(audio.filter { $0.hasPrefix("a=extmap:") }, [
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        ])
        // VP8 + rtx, H264 42001f pm1 (Baseline) + rtx, H264 42e01f pm1 (Constrained Baseline) + rtx,
        // AV1 profile 0 + rtx, VP9 profile-id 0 and 2 + rtx; H264 pm0 and Main are left out.
        XCTAssertEqual(video.first, "m=video 40000 UDP/TLS/RTP/SAVPF 96 97 103 104 109 114 45 46 98 99 100 101")
        XCTAssertTrue(video.contains("a=rtpmap:45 AV1/90000"))
        XCTAssertTrue(video.contains("a=fmtp:46 apt=45"))
        XCTAssertTrue(video.contains("a=rtpmap:98 VP9/90000"))
        XCTAssertTrue(video.contains("a=rtpmap:97 rtx/90000"))
        XCTAssertTrue(video.contains("a=fmtp:97 apt=96"))
        XCTAssertTrue(video.contains("a=fmtp:109 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        XCTAssertEqual(video.filter { $0.hasPrefix("a=rtcp-fb:96 ") },
                       ["a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 ccm fir",
                        "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli"])
        XCTAssertEqual(video.filter { $0.hasPrefix("a=extmap:") }.map { $0.split(separator: " ")[0] },
                       ["a=extmap:2", "a=extmap:13", "a=extmap:3", "a=extmap:4", "a=extmap:10", "a=extmap:11", "a=extmap:12"])
        XCTAssertTrue(video.contains("a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"))
        XCTAssertTrue(video.contains("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid"))
        XCTAssertTrue(video.contains("a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"))
        XCTAssertEqual(video.filter { $0.hasPrefix("a=rid:") || $0.hasPrefix("a=simulcast:") },
                       ["a=rid:q recv", "a=rid:h recv", "a=rid:f recv", "a=simulcast:recv q;h;f"])
        // No PT value used by both bundled sections.
        let audioPTs = Set(result.answer.media[0].formats)
        XCTAssertTrue(audioPTs.isDisjoint(with: result.answer.media[1].formats))

        let negotiatedVideo = result.media[1]
        XCTAssertTrue(negotiatedVideo.accepted)
        XCTAssertEqual(negotiatedVideo.rids, ["q", "h", "f"])
        XCTAssertTrue(negotiatedVideo.isSimulcast)
        XCTAssertEqual(negotiatedVideo.ssrcs, [])
        XCTAssertNil(negotiatedVideo.cname, "simulcast offer carries no CNAME (mediasoup#277)")
        XCTAssertEqual(negotiatedVideo.codecs.map(\.payloadType), [96, 103, 109, 45, 98, 100])
        XCTAssertEqual(negotiatedVideo.codecs.map(\.rtxPayloadType), [97, 104, 114, 46, 99, 101])
        XCTAssertEqual(negotiatedVideo.extensions.id(for: HeaderExtensionURI.rtpStreamId), 10)
        XCTAssertEqual(negotiatedVideo.extensions.id(for: HeaderExtensionURI.dependencyDescriptor), 12)
        XCTAssertEqual(negotiatedVideo.direction, .recvonly)
        XCTAssertEqual(result.media[0].ssrcs, [3380916495])
        XCTAssertEqual(result.media[0].cname, "Qe7Jp2Vx9Lk4Ws1T")
        XCTAssertEqual(result.remoteICE, ICECredentials(ufrag: "ChrM", pwd: "Yk5Tn2Qp8Lw3Vx6Zr9Bs4Gf7"))
        XCTAssertEqual(result.dtlsRole, .server)
        XCTAssertTrue(result.answer.attributes.contains(SDPAttribute("group", "BUNDLE 0 1")))
    }

    func testBH01SessionAndTransportLinesOfTheAnswer() throws {
        let result = try answer("BH-01-chrome-offer-simulcast.sdp")
        let lines = Fixtures.lines(result.answer)
        XCTAssertEqual(Array(lines.prefix(7)), [
            "v=0", "o=- 1234567890 1 IN IP4 203.0.113.7", "s=-", "t=0 0",
            "a=ice-lite", "a=group:BUNDLE 0 1", "a=extmap-allow-mixed",
        ])
        for index in 0..<2 {
            let section = Fixtures.sectionLines(result.answer, index)
            XCTAssertTrue(section.contains("c=IN IP4 203.0.113.7"))
            XCTAssertTrue(section.contains("a=ice-ufrag:SfuU"))
            XCTAssertTrue(section.contains("a=ice-pwd:ServerPasswordOf24Chars0"))
            XCTAssertTrue(section.contains("a=fingerprint:sha-256 " + Fixtures.serverFingerprint.value))
            XCTAssertTrue(section.contains("a=setup:passive"))
            XCTAssertTrue(section.contains("a=recvonly"))
            XCTAssertTrue(section.contains("a=rtcp-mux"))
            XCTAssertTrue(section.contains("a=rtcp-rsize"))
            XCTAssertEqual(section.filter { $0.hasPrefix("a=candidate:") },
                           ["a=candidate:1 1 udp 2130706431 203.0.113.7 40000 typ host"])
            XCTAssertEqual(section.last, "a=end-of-candidates")
            XCTAssertEqual(section.filter { $0.hasPrefix("a=mid:") }, ["a=mid:\(index)"])
        }
    }

    func testBH01VideoFirstOfferKeepsOpusOn47AndAudioLevelOn12() throws {
        let result = try answer("BH-01-chrome-offer-video-first-dynamic-pt.sdp")
        try assertWellFormed(result)
        let video = Fixtures.sectionLines(result.answer, 0)
        let audio = Fixtures.sectionLines(result.answer, 1)
        XCTAssertEqual(video.first, "m=video 40000 UDP/TLS/RTP/SAVPF 96 97 109 114")
        XCTAssertEqual(audio.first, "m=audio 40000 UDP/TLS/RTP/SAVPF 47")
        XCTAssertTrue(audio.contains("a=rtpmap:47 opus/48000/2"))
        XCTAssertFalse(audio.contains { $0.hasPrefix("a=rtpmap:96") }, "aiortc renumbered Opus to 96 here")
        XCTAssertTrue(audio.contains("a=extmap:12 urn:ietf:params:rtp-hdrext:ssrc-audio-level"))
        XCTAssertTrue(audio.contains("a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid"))
        XCTAssertTrue(video.contains("a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid"))
        XCTAssertFalse(video.contains { $0.hasPrefix("a=rid:") || $0.hasPrefix("a=simulcast") })
        XCTAssertEqual(result.media[0].ssrcs, [2999391084])
        XCTAssertEqual(result.media[0].rtxSSRCs, [2999391084: 1897308498])
        XCTAssertEqual(result.media[0].msid, SDPMSID(streamId: nil, trackId: "c006fefc-bed7-4c3d-ab23-77c79f59db4c"))
        XCTAssertEqual(result.media[1].codecs.map(\.payloadType), [47])
        XCTAssertTrue(result.answer.attributes.contains(SDPAttribute("group", "BUNDLE 0 1")))
    }

    func testBH03SafariOfferKeepsH264OnPT98AndRejectsTheDataChannel() throws {
        let result = try answer("BH-03-safari-offer.sdp")
        try assertWellFormed(result)
        let video = Fixtures.sectionLines(result.answer, 1)
        // H264 42e01f + rtx, H264 42001f + rtx, VP9 profile-id 0 and 2 + rtx (Safari's order).
        XCTAssertEqual(video.first, "m=video 40000 UDP/TLS/RTP/SAVPF 98 99 107 108 109 114 115 116")
        XCTAssertTrue(video.contains("a=rtpmap:98 H264/90000"))
        XCTAssertTrue(video.contains("a=fmtp:115 profile-id=2"))
        XCTAssertTrue(video.contains("a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        XCTAssertEqual(result.media[1].codecs.first?.payloadType, 98, "H264 stays first, as Safari listed it")
        XCTAssertEqual(Fixtures.sectionLines(result.answer, 2).first, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel")
        XCTAssertFalse(result.media[2].accepted)
        XCTAssertEqual(result.media[0].direction, .recvonly, "sendrecv answered recvonly without a send track")
        XCTAssertEqual(result.media[1].ssrcs, [234466405])
        XCTAssertEqual(result.media[1].rtxSSRCs, [234466405: 1753581600])
        XCTAssertTrue(result.answer.attributes.contains(SDPAttribute("group", "BUNDLE 0 1")))
    }

    func testBH03Level52IsNeverARejectionAndConstrainedHighIsRecognised() throws {
        let result = try answer("BH-03-safari-offer-h264-level52.sdp")
        let video = Fixtures.sectionLines(result.answer, 1)
        XCTAssertEqual(video.first, "m=video 40000 UDP/TLS/RTP/SAVPF 98 99 107 108 109 114 115 116")
        XCTAssertTrue(video.contains("a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034"))

        var capabilities = ServerCapabilities.default
        capabilities.h264Profiles.insert(.constrainedHigh)
        let withHigh = try answer("BH-03-safari-offer-h264-level52.sdp", capabilities: capabilities)
        XCTAssertEqual(withHigh.answer.media[1].formats, ["96", "97", "98", "99", "107", "108", "109", "114", "115", "116"],
                       "640c34 is Constrained High: accepted when the server supports it")
    }

    func testBH04BundleOnlyPortZeroSectionIsLive() throws {
        let result = try answer("BH-04-firefox-max-bundle-offer.sdp")
        try assertWellFormed(result)
        let video = Fixtures.sectionLines(result.answer, 1)
        XCTAssertEqual(video.first, "m=video 40000 UDP/TLS/RTP/SAVPF 120 124")
        XCTAssertTrue(video.contains("a=mid:1"))
        XCTAssertFalse(video.contains("a=bundle-only"))
        XCTAssertTrue(result.answer.attributes.contains(SDPAttribute("group", "BUNDLE 0 1")))
        XCTAssertTrue(result.media[1].accepted)
        XCTAssertEqual(result.media[1].codecs.first?.rtxPayloadType, 124)
        XCTAssertEqual(result.media[1].codecs.first?.parameters, [SDPParameter("max-fs", "12288"), SDPParameter("max-fr", "60")])
        XCTAssertEqual(result.remoteICE.ufrag, "0bbc65d1")
        XCTAssertEqual(result.media[0].codecs.map(\.payloadType), [109])
    }

    func testBH04PortZeroWithoutBundleOnlyOrOutsideTheGroupIsStillARejection() throws {
        let text = try Cases.text("BH-04-firefox-max-bundle-offer.sdp")
        let noBundleOnly = try SessionDescription.parse(text.replacingOccurrences(of: "a=bundle-only\r\n", with: ""))
        let first = try answerPublisherOffer(noBundleOnly, local: Fixtures.local)
        XCTAssertFalse(first.media[1].accepted)
        XCTAssertEqual(first.answer.media[1].port, 0)
        XCTAssertTrue(first.answer.attributes.contains(SDPAttribute("group", "BUNDLE 0")))

        let notInGroup = try SessionDescription.parse(text.replacingOccurrences(of: "a=group:BUNDLE 0 1", with: "a=group:BUNDLE 0"))
        let second = try answerPublisherOffer(notInGroup, local: Fixtures.local)
        XCTAssertFalse(second.media[1].accepted)
        XCTAssertEqual(Fixtures.sectionLines(second.answer, 1).first, "m=video 0 UDP/TLS/RTP/SAVPF 120 124")
        XCTAssertTrue(Fixtures.sectionLines(second.answer, 1).contains("a=mid:1"))
    }

    func testBH06DataChannelRejectionLineIsExact() throws {
        let result = try answer("BH-06-firefox-offer-with-datachannel.sdp")
        try assertWellFormed(result)
        let application = Fixtures.sectionLines(result.answer, 1)
        XCTAssertEqual(application.first, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel")
        XCTAssertTrue(application.contains("a=mid:1"))
        XCTAssertTrue(result.answer.attributes.contains(SDPAttribute("group", "BUNDLE 0")))
        XCTAssertEqual(result.media[1].rejectionReason, "data channels are not supported")
        XCTAssertEqual(Fixtures.sectionLines(result.answer, 0).first, "m=audio 40000 UDP/TLS/RTP/SAVPF 109")
        XCTAssertEqual(result.media[0].direction, .recvonly)
    }

    func testBH07MediaLevelAllowMixedIsAnsweredAtSessionLevel() throws {
        let result = try answer("BH-07-offer-extmap-allow-mixed-media-level.sdp")
        try assertWellFormed(result)
        XCTAssertTrue(result.answer.hasAttribute("extmap-allow-mixed"))
        XCTAssertFalse(result.answer.media.contains { $0.extmapAllowMixed }, "mirrored at session level only")
        XCTAssertTrue(result.extmapAllowMixed)
        XCTAssertTrue(Fixtures.sectionLines(result.answer, 0).contains(
            "a=extmap:12 https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"))

        let without = try answer("BH-08-whip-offer-setup-active.sdp")
        XCTAssertFalse(without.answer.serialized().contains("extmap-allow-mixed"))
        XCTAssertFalse(without.extmapAllowMixed)
    }

    func testBH08ActiveOfferIsAnsweredPassiveAndServerIsDTLSServer() throws {
        let result = try answer("BH-08-whip-offer-setup-active.sdp")
        try assertWellFormed(result)
        XCTAssertEqual(result.remoteSetup, .active)
        XCTAssertEqual(result.dtlsRole, .server)
        XCTAssertEqual(result.answer.media.map { $0.setup }, [.passive, .passive])
        XCTAssertEqual(result.remoteFingerprint.value.prefix(5), "82:6A")
        XCTAssertEqual(Fixtures.sectionLines(result.answer, 1).first, "m=video 40000 UDP/TLS/RTP/SAVPF 96")
        XCTAssertEqual(result.media[1].codecs.first?.rtcpFeedback, [.nack, .pli])
        XCTAssertEqual(result.media.map(\.ssrcs), [[1581384473], [3505717566]])
        XCTAssertEqual(result.media[0].cname, "whipclient")
        XCTAssertNil(result.media[0].msid)
    }

    func testBH08PassiveVariantIsAnsweredActiveAndServerIsDTLSClient() throws {
        let text = try Cases.text("BH-08-whip-offer-setup-active.sdp")
            .replacingOccurrences(of: "a=setup:active", with: "a=setup:passive")
        let result = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        XCTAssertEqual(result.remoteSetup, .passive)
        XCTAssertEqual(result.dtlsRole, .client)
        XCTAssertEqual(result.answer.media.map { $0.setup }, [.active, .active])
    }

    func testActpassIsAnsweredPassiveAndHoldconnIsRefused() throws {
        let result = try answer("BH-11-ice-restart-offer-1.sdp")
        XCTAssertEqual(result.remoteSetup, .actpass)
        XCTAssertEqual(result.dtlsRole, .server)
        XCTAssertEqual(result.answer.media[0].setup, .passive)

        let text = try Cases.text("BH-08-whip-offer-setup-active.sdp")
            .replacingOccurrences(of: "a=setup:active", with: "a=setup:holdconn")
        XCTAssertThrowsError(try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)) {
            XCTAssertEqual($0 as? SDPError, .negotiation(reason: "a=setup:holdconn is not supported"))
        }
    }
}
