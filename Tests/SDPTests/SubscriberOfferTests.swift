import XCTest
@testable import SDP

/// The server's offer on a subscriber PC (WSC §3.3) and the subscriber's answer.
final class SubscriberOfferTests: XCTestCase {
    static let vp8 = RTPCodec(payloadType: 96, name: "VP8", clockRate: 90000,
                              rtcpFeedback: [.nack, .pli, .fir, .remb, .transportCC], rtxPayloadType: 97)
    static let h264 = RTPCodec(payloadType: 102, name: "H264", clockRate: 90000,
                               parameters: [SDPParameter("level-asymmetry-allowed", "1"),
                                            SDPParameter("packetization-mode", "1"),
                                            SDPParameter("profile-level-id", "42e01f")],
                               rtcpFeedback: [.nack, .pli], rtxPayloadType: 103)
    static let extensions = [RTPHeaderExtension(id: 2, uri: HeaderExtensionURI.absSendTime),
                             RTPHeaderExtension(id: 3, uri: HeaderExtensionURI.transportWideCC),
                             RTPHeaderExtension(id: 4, uri: HeaderExtensionURI.mid)]

    static let streams = [
        SubscriberStream(mid: "0", kind: .video, msidStreamId: "U2/video", msidTrackId: "U2-video-track",
                         ssrc: 1111, rtxSSRC: 1112, cname: "parley-sfu", codecs: [vp8, h264], extensions: extensions),
        SubscriberStream(mid: "1", kind: .video, msidStreamId: "U3/screen", msidTrackId: "U3-screen-track",
                         ssrc: 2222, cname: "parley-sfu", codecs: [vp8], extensions: extensions),
        SubscriberStream(mid: "2", kind: .video, active: false, msidStreamId: "U4/video", msidTrackId: "U4-video-track",
                         ssrc: 3333, cname: "parley-sfu", codecs: [vp8], extensions: extensions),
    ]

    func testOfferIsParseableWebRTCWithBundleOfActiveMids() throws {
        let offer = makeSubscriberOffer(local: Fixtures.local, sessionVersion: 5, streams: Self.streams)
        let text = offer.serialized()
        let parsed = try SessionDescription.parse(text)
        XCTAssertEqual(parsed, offer)
        try parsed.validateWebRTC()
        XCTAssertEqual(parsed.origin.sessionVersion, 5)
        XCTAssertEqual(parsed.origin.sessionId, "1234567890")
        XCTAssertTrue(parsed.iceLite)
        XCTAssertEqual(parsed.bundleGroup?.mids, ["0", "1"])
        XCTAssertEqual(parsed.attributeValue("msid-semantic"), "WMS *")
        XCTAssertFalse(text.contains("WMS*"))
        XCTAssertTrue(parsed.hasAttribute("extmap-allow-mixed"))
        XCTAssertEqual(parsed.media.map(\.mid), ["0", "1", "2"])
        for section in parsed.media.prefix(2) {
            XCTAssertEqual(parsed.setup(for: section), .actpass)
            XCTAssertEqual(parsed.direction(for: section), .sendonly)
            XCTAssertTrue(section.isRTCPMux)
            XCTAssertTrue(section.isRTCPReducedSize)
            XCTAssertEqual(section.port, 40000)
            XCTAssertEqual(parsed.iceCredentials(for: section), ICECredentials(ufrag: "SfuU", pwd: "ServerPasswordOf24Chars0"))
            XCTAssertEqual(section.extmaps.map(\.id), [2, 3, 4])
            XCTAssertEqual(section.candidates.map(\.port), [40000])
        }
    }

    func testMsidAndSSRCLines() throws {
        let offer = try SessionDescription.parse(
            makeSubscriberOffer(local: Fixtures.local, sessionVersion: 1, streams: Self.streams).serialized())
        let first = Fixtures.sectionLines(offer, 0)
        XCTAssertEqual(first.first, "m=video 40000 UDP/TLS/RTP/SAVPF 96 97 102 103")
        XCTAssertEqual(first.filter { $0.hasPrefix("a=msid:") }, ["a=msid:U2/video U2-video-track"])
        XCTAssertEqual(first.filter { $0.hasPrefix("a=ssrc") }, [
            "a=ssrc-group:FID 1111 1112",
            "a=ssrc:1111 cname:parley-sfu",
            "a=ssrc:1111 msid:U2/video U2-video-track",
            "a=ssrc:1112 cname:parley-sfu",
            "a=ssrc:1112 msid:U2/video U2-video-track",
        ])
        XCTAssertTrue(first.contains("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        XCTAssertTrue(first.contains("a=fmtp:103 apt=102"))
        XCTAssertTrue(first.contains("a=rtcp-fb:96 ccm fir"))
        // The WSC client splits the stream id on "/".
        let msid = try XCTUnwrap(offer.media[0].effectiveMSID)
        XCTAssertEqual(msid.streamId?.split(separator: "/").map(String.init), ["U2", "video"])
        XCTAssertEqual(offer.media[0].primarySSRCs, [1111])
        XCTAssertEqual(offer.media[0].rtxSSRCs, [1111: 1112])
        XCTAssertEqual(offer.media[0].cname, "parley-sfu")
        XCTAssertEqual(offer.media[0].codecs, [Self.vp8, Self.h264])

        let second = Fixtures.sectionLines(offer, 1)
        XCTAssertEqual(second.first, "m=video 40000 UDP/TLS/RTP/SAVPF 96 97")
        XCTAssertEqual(second.filter { $0.hasPrefix("a=ssrc") }, ["a=ssrc:2222 cname:parley-sfu",
                                                                  "a=ssrc:2222 msid:U3/screen U3-screen-track"])
        // Every a=msid line is distinct (BH-09).
        let msids = Fixtures.lines(offer).filter { $0.hasPrefix("a=msid:") }
        XCTAssertEqual(Set(msids).count, msids.count)
    }

    func testInactiveSlotIsPortZeroWithMidOutsideBundle() throws {
        let offer = makeSubscriberOffer(local: Fixtures.local, sessionVersion: 1, streams: Self.streams)
        let slot = Fixtures.sectionLines(offer, 2)
        XCTAssertEqual(slot.first, "m=video 0 UDP/TLS/RTP/SAVPF 96 97")
        XCTAssertTrue(slot.contains("a=mid:2"))
        XCTAssertTrue(slot.contains("a=inactive"))
        XCTAssertFalse(slot.contains { $0.hasPrefix("a=msid") || $0.hasPrefix("a=ssrc") || $0.hasPrefix("a=candidate") })
        XCTAssertFalse(offer.isLive(offer.media[2]))
    }

    func testNoActiveStreamMeansNoBundleGroup() {
        let offer = makeSubscriberOffer(local: Fixtures.local, sessionVersion: 1, streams: [Self.streams[2]])
        XCTAssertNil(offer.bundleGroup)
        XCTAssertEqual(offer.media.count, 1)
    }

    // MARK: - Answer

    static func answerText(setup: String = "active") -> String {
        """
        v=0
        o=- 4611731400430051336 2 IN IP4 127.0.0.1
        s=-
        t=0 0
        a=group:BUNDLE 0 1
        a=extmap-allow-mixed
        a=msid-semantic: WMS
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103
        c=IN IP4 0.0.0.0
        a=rtcp:9 IN IP4 0.0.0.0
        a=ice-ufrag:sub1
        a=ice-pwd:SubscriberPasswordOf24ch
        a=ice-options:trickle
        a=fingerprint:\(PublisherAnswerRuleTests.fingerprint256)
        a=setup:\(setup)
        a=mid:0
        a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
        a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
        a=recvonly
        a=rtcp-mux
        a=rtcp-rsize
        a=rtpmap:96 VP8/90000
        a=rtpmap:97 rtx/90000
        a=fmtp:97 apt=96
        a=rtpmap:102 H264/90000
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
        a=rtpmap:103 rtx/90000
        a=fmtp:103 apt=102
        m=video 9 UDP/TLS/RTP/SAVPF 96
        c=IN IP4 0.0.0.0
        a=ice-ufrag:sub1
        a=ice-pwd:SubscriberPasswordOf24ch
        a=fingerprint:\(PublisherAnswerRuleTests.fingerprint256)
        a=setup:\(setup)
        a=mid:1
        a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
        a=recvonly
        a=rtcp-mux
        a=rtpmap:96 VP8/90000
        m=video 0 UDP/TLS/RTP/SAVPF 96 97
        c=IN IP4 0.0.0.0
        a=mid:2
        a=inactive

        """
    }

    func testChromeStyleAnswerIsRead() throws {
        let info = try parseSubscriberAnswer(SessionDescription.parse(Self.answerText()), offered: Self.streams)
        XCTAssertEqual(info.remoteICE, ICECredentials(ufrag: "sub1", pwd: "SubscriberPasswordOf24ch"))
        XCTAssertEqual(info.remoteFingerprint.algorithm, "sha-256")
        XCTAssertEqual(info.remoteSetup, .active)
        XCTAssertEqual(info.dtlsRole, .server)
        XCTAssertTrue(info.extmapAllowMixed)
        XCTAssertEqual(info.media.map(\.mid), ["0", "1", "2"])
        XCTAssertEqual(info.media.map(\.accepted), [true, true, false])
        XCTAssertEqual(info.media[0].payloadTypes, [96, 97, 102, 103])
        XCTAssertEqual(info.media[1].payloadTypes, [96], "rtx dropped by the subscriber")
        XCTAssertEqual(info.media[0].extensions.map(\.id), [2, 3])
        XCTAssertEqual(info.media[1].extensions, [RTPHeaderExtension(id: 4, uri: HeaderExtensionURI.mid)])
        XCTAssertEqual(info.media[0].direction, .recvonly)
    }

    func testPassiveAnswerMakesTheServerTheDTLSClient() throws {
        let info = try parseSubscriberAnswer(SessionDescription.parse(Self.answerText(setup: "passive")), offered: Self.streams)
        XCTAssertEqual(info.dtlsRole, .client)
    }

    func testInvalidAnswersThrow() throws {
        let actpass = try SessionDescription.parse(Self.answerText(setup: "actpass"))
        XCTAssertThrowsError(try parseSubscriberAnswer(actpass, offered: Self.streams)) {
            guard case SDPError.negotiation(let reason)? = $0 as? SDPError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("actpass"), reason)
        }
        let valid = try SessionDescription.parse(Self.answerText())
        XCTAssertThrowsError(try parseSubscriberAnswer(valid, offered: Array(Self.streams.prefix(2)))) {
            XCTAssertEqual($0 as? SDPError, .negotiation(reason: "answer has 3 m-sections, the offer had 2"))
        }
        var swapped = Self.streams
        swapped.swapAt(0, 1)
        XCTAssertThrowsError(try parseSubscriberAnswer(valid, offered: swapped)) {
            XCTAssertEqual($0 as? SDPError, .negotiation(reason: "answer m-section for mid 1 carries mid 0"))
        }
        let noFingerprint = try SessionDescription.parse(Self.answerText()
            .replacingOccurrences(of: "a=fingerprint:", with: "a=x-fingerprint:"))
        XCTAssertThrowsError(try parseSubscriberAnswer(noFingerprint, offered: Self.streams)) {
            guard case SDPError.notWebRTC? = $0 as? SDPError else { return XCTFail("\($0)") }
        }
        let allRejected = try SessionDescription.parse(Self.answerText()
            .replacingOccurrences(of: "m=video 9 ", with: "m=video 0 "))
        XCTAssertThrowsError(try parseSubscriberAnswer(allRejected, offered: Self.streams)) {
            XCTAssertEqual($0 as? SDPError, .negotiation(reason: "the answer accepted no stream"))
        }
    }
}
