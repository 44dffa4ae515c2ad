import XCTest
@testable import SDP

final class ParserTests: XCTestCase {
    func testEveryCaseFileParsesAndRoundTripsByteForByte() throws {
        let files = try Cases.sdpFiles()
        XCTAssertEqual(files.count, 10, "expected the 10 BH-*.sdp offers")
        for name in files {
            let text = try Cases.text(name)
            let parsed = try SessionDescription.parse(text)
            XCTAssertEqual(parsed.serialized(), text, "\(name) does not round-trip")
            XCTAssertEqual(try SessionDescription.parse(parsed.serialized()), parsed, name)
            try parsed.validateWebRTC()
        }
    }

    func testLFOnlyInputParsesToTheSameModelAndIsWrittenWithCRLF() throws {
        let crlf = try Cases.text("BH-08-whip-offer-setup-active.sdp")
        let lf = crlf.replacingOccurrences(of: "\r\n", with: "\n")
        XCTAssertFalse(lf.contains("\r"))
        let parsed = try SessionDescription.parse(lf)
        XCTAssertEqual(parsed, try SessionDescription.parse(crlf))
        XCTAssertEqual(parsed.serialized(), crlf)
    }

    func testSessionLevelFieldsOfChromeOffer() throws {
        let offer = try Cases.parse("BH-01-chrome-offer-simulcast.sdp")
        XCTAssertEqual(offer.origin.sessionId, "4339958104634527226")
        XCTAssertEqual(offer.origin.sessionVersion, 2)
        XCTAssertEqual(offer.origin.address, "127.0.0.1")
        XCTAssertEqual(offer.sessionName, "-")
        XCTAssertEqual(offer.timing, "0 0")
        XCTAssertEqual(offer.bundleGroup, SDPGroup(semantics: "BUNDLE", mids: ["0", "1"]))
        XCTAssertTrue(offer.hasAttribute("extmap-allow-mixed"))
        XCTAssertTrue(offer.extmapAllowMixedAnywhere)
        XCTAssertEqual(offer.msidSemantic,
                       SDPMSIDSemantic(semantic: "WMS", streamIds: ["245b0021-80e2-4d44-af4f-2197e27b4f4c"], isWildcard: false))
        XCTAssertEqual(offer.media.map(\.kind), [.audio, .video])
    }

    func testAudioSectionAccessorsOfChromeOffer() throws {
        let offer = try Cases.parse("BH-01-chrome-offer-simulcast.sdp")
        let audio = offer.media[0]
        XCTAssertEqual(audio.port, 54321)
        XCTAssertEqual(audio.proto, "UDP/TLS/RTP/SAVPF")
        XCTAssertEqual(audio.formats, ["111", "63", "9", "0", "8", "13", "110", "126"])
        XCTAssertEqual(audio.connection, SDPConnection(networkType: "IN", addressType: "IP4", address: "198.51.100.23"))
        XCTAssertEqual(audio.mid, "0")
        XCTAssertEqual(audio.direction, .sendonly)
        XCTAssertEqual(offer.iceCredentials(for: audio), ICECredentials(ufrag: "ChrM", pwd: "Yk5Tn2Qp8Lw3Vx6Zr9Bs4Gf7"))
        XCTAssertEqual(offer.iceOptions(for: audio), ["trickle"])
        XCTAssertEqual(audio.setup, .actpass)
        XCTAssertEqual(audio.fingerprints.first?.algorithm, "sha-256")
        XCTAssertEqual(audio.fingerprints.first?.bytes.count, 32)
        XCTAssertEqual(audio.fingerprints.first?.bytes.first, 0x7D)
        XCTAssertTrue(audio.isRTCPMux)
        XCTAssertTrue(audio.isRTCPReducedSize)
        XCTAssertEqual(audio.extmaps.map(\.id), [1, 2, 3, 4])
        XCTAssertEqual(audio.extmaps[3].uri, HeaderExtensionURI.mid)
        XCTAssertEqual(audio.primarySSRCs, [3380916495])
        XCTAssertEqual(audio.cname, "Qe7Jp2Vx9Lk4Ws1T")
        XCTAssertEqual(audio.effectiveMSID, SDPMSID(streamId: "245b0021-80e2-4d44-af4f-2197e27b4f4c",
                                                     trackId: "1b0a76d0-0705-4889-a743-eb954f66e58e"))
        // mDNS host candidate ignored, srflx kept.
        XCTAssertEqual(audio.attributeValues("candidate").count, 2)
        XCTAssertEqual(audio.candidates.count, 1)
        XCTAssertEqual(audio.candidates.first?.type, "srflx")
        XCTAssertEqual(audio.candidates.first?.address, "198.51.100.23")
        XCTAssertEqual(audio.candidates.first?.relatedAddress, "0.0.0.0")
        XCTAssertEqual(audio.candidates.first?.relatedPort, 0)
        let opus = try XCTUnwrap(audio.codecs.first)
        XCTAssertEqual(opus.payloadType, 111)
        XCTAssertTrue(opus.isOpus)
        XCTAssertEqual(opus.parameters, [SDPParameter("minptime", "10"), SDPParameter("useinbandfec", "1")])
        XCTAssertEqual(opus.rtcpFeedback, [.transportCC])
        let red = try XCTUnwrap(audio.codecs.first { $0.payloadType == 63 })
        XCTAssertEqual(red.name, "red")
        XCTAssertEqual(red.parameters, [SDPParameter("111/111")])
        // Static PT 0 gets its RFC 3551 mapping; all eight formats are listed (no rtx in audio).
        XCTAssertEqual(audio.codecs.map(\.payloadType), [111, 63, 9, 0, 8, 13, 110, 126])
    }

    func testVideoSectionAccessorsOfChromeSimulcastOffer() throws {
        let offer = try Cases.parse("BH-01-chrome-offer-simulcast.sdp")
        let video = offer.media[1]
        XCTAssertEqual(video.formats.count, 27)
        XCTAssertEqual(video.extmaps.map(\.id), [14, 2, 13, 3, 5, 6, 7, 8, 4, 10, 11, 9, 12])
        XCTAssertEqual(video.rids, [SDPRID(id: "q", direction: .send), SDPRID(id: "h", direction: .send),
                                    SDPRID(id: "f", direction: .send)])
        XCTAssertEqual(video.simulcast?.send.map { $0.map(\.rid) }, [["q"], ["h"], ["f"]])
        XCTAssertEqual(video.simulcast?.receive, [])
        XCTAssertTrue(video.primarySSRCs.isEmpty, "rid simulcast announces no SSRC")
        XCTAssertNil(video.cname)
        let codecs = video.codecs
        // 27 formats, 13 of them rtx → 14 codecs (rtx folded into their apt).
        XCTAssertEqual(codecs.count, 14)
        XCTAssertEqual(codecs.first?.name, "VP8")
        XCTAssertEqual(codecs.first?.rtxPayloadType, 97)
        XCTAssertEqual(codecs.first?.rtcpFeedback, [.remb, .transportCC, .fir, .nack, .pli])
        let h264 = try XCTUnwrap(codecs.first { $0.payloadType == 109 })
        XCTAssertEqual(h264.rtxPayloadType, 114)
        XCTAssertEqual(h264.h264ProfileLevelID?.profile, .constrainedBaseline)
        XCTAssertEqual(h264.h264PacketizationMode, 1)
        XCTAssertEqual(codecs.first { $0.payloadType == 39 }?.rtxPayloadType, 40)
        XCTAssertNil(codecs.first { $0.payloadType == 125 }?.rtxPayloadType)
    }

    func testSafariOfferQuirks() throws {
        let offer = try Cases.parse("BH-03-safari-offer.sdp")
        XCTAssertEqual(offer.msidSemantic, SDPMSIDSemantic(semantic: "WMS", streamIds: [], isWildcard: false))
        XCTAssertEqual(offer.media[0].msids, [SDPMSID(streamId: nil, trackId: "39e855c6-6120-4441-ac5f-116b27e264b0")])
        XCTAssertEqual(offer.media[1].extmaps.first, SDPExtmap(id: 14, uri: "urn:ietf:params:rtp-hdrext:toffset"))
        XCTAssertEqual(offer.media[1].primarySSRCs, [234466405])
        XCTAssertEqual(offer.media[1].rtxSSRCs, [234466405: 1753581600])
        XCTAssertEqual(offer.media[2].kind, .application)
        XCTAssertEqual(offer.media[2].formats, ["webrtc-datachannel"])
        XCTAssertEqual(offer.media[2].codecs, [])
        XCTAssertEqual(offer.media[2].attributeValue("sctp-port"), "5000")
        XCTAssertEqual(offer.media[1].candidates, [])
    }

    func testFirefoxOfferFields() throws {
        let offer = try Cases.parse("BH-04-firefox-max-bundle-offer.sdp")
        XCTAssertEqual(offer.origin.username, "mozilla...THIS_IS_SDPARTA-150.0")
        XCTAssertEqual(offer.msidSemantic, SDPMSIDSemantic.wildcard)
        XCTAssertEqual(offer.fingerprints(for: offer.media[1]).first?.algorithm, "sha-256")
        XCTAssertEqual(offer.media[1].port, 0)
        XCTAssertTrue(offer.media[1].isBundleOnly)
        XCTAssertTrue(offer.isLive(offer.media[1]))
        XCTAssertEqual(offer.media[1].msids.first?.streamId, "{b52c78e6-1d66-4da0-adeb-46becf877fcb}")
        XCTAssertEqual(offer.media[0].candidates.first?.transport, "UDP")
        XCTAssertEqual(offer.media[0].candidates.first?.port, 51200)
        XCTAssertEqual(offer.media[1].codecs.map(\.payloadType), [120])
        XCTAssertEqual(offer.media[1].codecs.first?.rtxPayloadType, 124)
        XCTAssertEqual(offer.media[1].codecs.first?.rtcpFeedback, [.nack, .pli, .fir, .transportCC])
    }

    func testBH07MediaLevelAllowMixedIsAcceptedAsBareAttribute() throws {
        let offer = try Cases.parse("BH-07-offer-extmap-allow-mixed-media-level.sdp")
        XCTAssertFalse(offer.hasAttribute("extmap-allow-mixed"))
        XCTAssertTrue(offer.media[0].extmapAllowMixed)
        XCTAssertTrue(offer.extmapAllowMixedAnywhere)
        XCTAssertEqual(offer.media[0].extmaps.map(\.id), [4, 9, 12])
        // The case's RTX SSRC 4444444444 exceeds 32 bits: its lines are kept verbatim but ignored.
        XCTAssertEqual(offer.media[0].primarySSRCs, [3333333333])
        XCTAssertEqual(offer.media[0].rtxSSRCs, [:])
        XCTAssertEqual(offer.media[0].ssrcGroups, [])
        XCTAssertEqual(offer.media[0].attributeValues("ssrc-group"), ["FID 3333333333 4444444444"])
    }

    func testBH08SessionLevelFingerprintIsUsedForEveryMedia() throws {
        let offer = try Cases.parse("BH-08-whip-offer-setup-active.sdp")
        XCTAssertTrue(offer.media[0].fingerprints.isEmpty)
        XCTAssertEqual(offer.fingerprints(for: offer.media[0]).count, 1)
        XCTAssertEqual(offer.setup(for: offer.media[1]), .active)
        XCTAssertNil(offer.media[0].effectiveMSID)
    }

    func testExtmapDirectionFormAndExtensionAttributes() throws {
        XCTAssertEqual(SDPExtmap(sdpValue: "3/sendonly urn:ietf:params:rtp-hdrext:sdes:mid"),
                       SDPExtmap(id: 3, direction: .sendonly, uri: "urn:ietf:params:rtp-hdrext:sdes:mid"))
        let withAttributes = try XCTUnwrap(SDPExtmap(sdpValue: "7/recvonly urn:x:y a b"))
        XCTAssertEqual(withAttributes.extensionAttributes, "a b")
        XCTAssertEqual(withAttributes.sdpValue, "7/recvonly urn:x:y a b")
        XCTAssertNil(SDPExtmap(sdpValue: "3/sideways urn:x"))
        XCTAssertNil(SDPExtmap(sdpValue: "0 urn:x"))
        XCTAssertNil(SDPExtmap(sdpValue: "256 urn:x"))
        XCTAssertEqual(SDPExtmap(sdpValue: "255 urn:x")?.id, 255)
        XCTAssertNil(SDPExtmap(sdpValue: "4"))
    }

    func testSimulcastSpellings() {
        XCTAssertEqual(SDPSimulcast(sdpValue: "send q;h;f")?.send.map { $0.map(\.rid) }, [["q"], ["h"], ["f"]])
        XCTAssertEqual(SDPSimulcast(sdpValue: " send rid=1;2")?.send.map { $0.map(\.rid) }, [["1"], ["2"]])
        let mixed = SDPSimulcast(sdpValue: "send a,b;~c recv d")
        XCTAssertEqual(mixed?.send.first?.map(\.rid), ["a", "b"])
        XCTAssertEqual(mixed?.send.last, [SDPSimulcast.Stream(rid: "c", paused: true)])
        XCTAssertEqual(mixed?.receive.first?.first?.rid, "d")
        XCTAssertEqual(mixed?.sdpValue, "send a,b;~c recv d")
        XCTAssertNil(SDPSimulcast(sdpValue: "send"))
        XCTAssertNil(SDPSimulcast(sdpValue: "send a;;b"))
        XCTAssertNil(SDPSimulcast(sdpValue: "send a send b"))
    }

    func testRIDRestrictions() throws {
        let rid = try XCTUnwrap(SDPRID(sdpValue: "h send pt=96,98;max-width=1280;max-height=720"))
        XCTAssertEqual(rid.payloadTypes, [96, 98])
        XCTAssertEqual(rid.restrictions, [SDPParameter("max-width", "1280"), SDPParameter("max-height", "720")])
        XCTAssertEqual(rid.sdpValue, "h send pt=96,98;max-width=1280;max-height=720")
        XCTAssertNil(SDPRID(sdpValue: "h sideways"))
        XCTAssertNil(SDPRID(sdpValue: "h send pt=200"))
        XCTAssertNil(SDPRID(sdpValue: "h$ send"))
    }

    func testCandidateParsing() throws {
        let tcp = try XCTUnwrap(SDPCandidate(sdpValue:
            "1 1 tcp 1518280447 192.0.2.9 9 typ host tcptype active generation 0"))
        XCTAssertEqual(tcp.extensions, [SDPParameter("tcptype", "active"), SDPParameter("generation", "0")])
        XCTAssertFalse(tcp.isMDNS)
        XCTAssertEqual(tcp.sdpValue, "1 1 tcp 1518280447 192.0.2.9 9 typ host tcptype active generation 0")
        XCTAssertTrue(try XCTUnwrap(SDPCandidate(sdpValue: "2 1 udp 1 abc.local 5 typ host")).isMDNS)
        XCTAssertNil(SDPCandidate(sdpValue: "1 1 udp 1 192.0.2.1 70000 typ host"))
        XCTAssertNil(SDPCandidate(sdpValue: "1 1 udp 99999999999 192.0.2.1 7 typ host"))
        XCTAssertNil(SDPCandidate(sdpValue: "1 1 udp 1 192.0.2.1 7 type host"))
        XCTAssertNil(SDPCandidate(sdpValue: "1 0 udp 1 192.0.2.1 7 typ host"))
    }

    func testFingerprintValidation() {
        XCTAssertNotNil(SDPFingerprint(sdpValue: "SHA-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"))
        XCTAssertEqual(SDPFingerprint(sdpValue: "SHA-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33")?.algorithm,
                       "sha-1")
        XCTAssertNil(SDPFingerprint(sdpValue: "sha-256 00:11"), "wrong digest length")
        XCTAssertNil(SDPFingerprint(sdpValue: "sha-256"))
        XCTAssertNil(SDPFingerprint(sdpValue: "sha-256 0G:11"))
        let a = SDPFingerprint(algorithm: "sha-256", value: "ab:cd")
        XCTAssertTrue(a.matches(SDPFingerprint(algorithm: "SHA-256", value: "AB:CD")))
    }

    func testDirectionDefaultsAndSessionLevelDirection() throws {
        let text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=recvonly\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=inactive\r\n"
        let parsed = try SessionDescription.parse(text)
        XCTAssertNil(parsed.media[0].direction)
        XCTAssertEqual(parsed.direction(for: parsed.media[0]), .recvonly)
        XCTAssertEqual(parsed.direction(for: parsed.media[1]), .inactive)
        let bare = try SessionDescription.parse("v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nm=audio 9 RTP/AVP 0\n")
        XCTAssertEqual(bare.direction(for: bare.media[0]), .sendrecv)
        XCTAssertEqual(bare.timing, "0 0", "absent t= written as 0 0")
    }

    func testUnknownLinesAndAttributesAreKeptVerbatim() throws {
        let text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=Call\r\ni=info\r\nu=http://x\r\ne=a@b\r\np=+1\r\nc=IN IP4 192.0.2.1\r\n"
            + "b=AS:256\r\nt=0 0\r\nr=7d 1h 0 25h\r\nk=prompt\r\na=x-custom:weird value: yes\r\na=flag\r\n"
            + "m=video 9/2 RTP/AVP 96\r\ni=cam\r\nc=IN IP6 2001:db8::1\r\nb=TIAS:500000\r\na=rtpmap:96 VP8/90000\r\na=x-y:\r\n"
        let parsed = try SessionDescription.parse(text)
        XCTAssertEqual(parsed.serialized(), text)
        XCTAssertEqual(parsed.attributes[0], SDPAttribute("x-custom", "weird value: yes"))
        XCTAssertEqual(parsed.attributes[1], SDPAttribute("flag"))
        XCTAssertEqual(parsed.media[0].portCount, 2)
        XCTAssertEqual(parsed.media[0].bandwidths, [SDPBandwidth(type: "TIAS", value: 500000)])
        XCTAssertEqual(parsed.media[0].attributes.last, SDPAttribute("x-y", ""))
    }

    func testSSRCGroupSIMOrderAndFIDMapping() throws {
        let text = HostileInputTests.header + "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
            + "a=ssrc-group:FID 11 12\r\na=ssrc-group:FID 21 22\r\na=ssrc-group:FID 31 32\r\n"
            + "a=ssrc-group:SIM 31 21 11\r\n"
            + ["11", "12", "21", "22", "31", "32"].map { "a=ssrc:\($0) cname:sim-cname\r\n" }.joined()
            + "a=ssrc:31 msid:stream track\r\n"
        let media = try SessionDescription.parse(text).media[0]
        XCTAssertEqual(media.primarySSRCs, [31, 21, 11], "SIM order, repair SSRCs excluded")
        XCTAssertEqual(media.rtxSSRCs, [11: 12, 21: 22, 31: 32])
        XCTAssertEqual(media.ssrcGroups.map(\.semantics), ["FID", "FID", "FID", "SIM"])
        XCTAssertEqual(media.cname, "sim-cname")
        XCTAssertEqual(media.effectiveMSID, SDPMSID(streamId: "stream", trackId: "track"))
        XCTAssertNil(SDPSSRCGroup(sdpValue: "FID 1 2 3"), "FID pairs exactly two SSRCs")
    }
}
