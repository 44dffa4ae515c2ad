import SDP
import XCTest
@testable import WebRTCClient

final class ClientSDPTests: XCTestCase {
    let local = LocalPeerParameters(iceUfrag: "abcd1234", icePassword: "passwordpasswordpassword",
                                    fingerprint: Array(repeating: "AB", count: 32).joined(separator: ":"),
                                    address: "127.0.0.1", port: 40_000, cname: "load0")
    let server = LocalTransport(iceUfrag: "srvufrag", icePwd: "srvpasswordsrvpassword00",
                                fingerprint: SDPFingerprint(algorithm: "sha-256", value: Array(repeating: "CD", count: 32).joined(separator: ":")),
                                candidateAddress: "127.0.0.1", candidatePort: 20_000, sessionId: 1, sessionVersion: 1)

    func testPublisherOfferIsAcceptedByParleysAnswerer() throws {
        let text = ClientSDP.videoPublisherOffer(local: local, ssrc: 1234, streamId: "u/video", trackId: "t", sessionId: 9)
        let offer = try SessionDescription.parse(text)
        let answer = try answerPublisherOffer(offer, local: server)
        XCTAssertEqual(answer.media.first?.accepted, true)
        XCTAssertEqual(answer.media.first?.codecs.first?.isVP8, true)
        XCTAssertEqual(answer.media.first?.ssrcs, [1234])
        XCTAssertEqual(answer.remoteICE.ufrag, "abcd1234")
        // And we can read the answer back.
        let parsed = try ClientSDP.parse(answer.answer.serialized())
        let remote = try ClientSDP.remoteTransport(parsed)
        XCTAssertEqual(remote.iceUfrag, "srvufrag")
        XCTAssertEqual(remote.candidatePort, 20_000)
        XCTAssertEqual(remote.setup, .passive)
        XCTAssertTrue(remote.iceLite)
    }

    func testAudioOfferIsAcceptedAsOpus() throws {
        let offer = try SessionDescription.parse(ClientSDP.audioOffer(local: local, ssrc: 77, streamId: "u/audio", trackId: "a", sessionId: 3))
        let answer = try answerPublisherOffer(offer, local: server)
        XCTAssertEqual(answer.media.first?.codecs.first?.isOpus, true)
    }

    func testReceiverAnswerToParleySubscriberOffer() throws {
        let vp8 = RTPCodec(payloadType: 96, name: "VP8", clockRate: 90_000, rtcpFeedback: [.nack, .pli])
        let streams = [
            SubscriberStream(mid: "0", kind: .video, msidStreamId: "u1/video", msidTrackId: "t1", ssrc: 11, cname: "c", codecs: [vp8]),
            SubscriberStream(mid: "1", kind: .video, active: false, msidStreamId: "u2/video", msidTrackId: "t2", ssrc: 12, cname: "c", codecs: [vp8]),
            SubscriberStream(mid: "2", kind: .video, msidStreamId: "u3/video", msidTrackId: "t3", ssrc: 13, cname: "c", codecs: [vp8]),
        ]
        let offer = makeSubscriberOffer(local: server, sessionVersion: 2, streams: streams)
        let parsedOffer = try ClientSDP.parse(offer.serialized())
        let remoteStreams = ClientSDP.remoteStreams(parsedOffer)
        XCTAssertEqual(remoteStreams.map(\.ssrc), [UInt32(11), nil, UInt32(13)])
        XCTAssertEqual(remoteStreams.map(\.msidStreamId), ["u1/video", nil, "u3/video"])
        XCTAssertEqual(remoteStreams.map(\.payloadType), [96, nil, 96])
        let answerText = try ClientSDP.receiverAnswer(to: parsedOffer, local: local, sessionId: 1, version: 1)
        let answer = try SessionDescription.parse(answerText)
        XCTAssertEqual(answer.media.map(\.mid), ["0", "1", "2"])
        XCTAssertEqual(answer.media.map(\.port), [9, 0, 9])
        XCTAssertEqual(answer.bundleGroup?.mids, ["0", "2"])
        XCTAssertEqual(answer.media[0].direction, .recvonly)
        XCTAssertEqual(answer.media[0].setup, .active)
        XCTAssertEqual(answer.media[0].codecs.map(\.payloadType), [96])
    }

    /// Browser offers from the case files, seen as remote offers: every VP8/Opus section is
    /// answered recvonly, mids kept, others rejected; the answer parses.
    func testReceiverAnswerToBrowserOffersFromCaseFiles() throws {
        for name in ["BH-01-chrome-offer-simulcast.sdp", "BH-04-firefox-max-bundle-offer.sdp",
                     "BH-06-firefox-offer-with-datachannel.sdp", "BH-03-safari-offer.sdp"] {
            let offer = try ClientSDP.parse(try sharedCase(name))
            let answer = try SessionDescription.parse(try ClientSDP.receiverAnswer(to: offer, local: local, sessionId: 1, version: 1))
            XCTAssertEqual(answer.media.count, offer.media.count, name)
            XCTAssertEqual(answer.media.map(\.mid), offer.media.enumerated().map { $0.element.mid ?? String($0.offset) }, name)
            for (a, o) in zip(answer.media, offer.media) where a.port != 0 {
                XCTAssertEqual(a.codecs.count, 1, name)
                XCTAssertTrue(o.codecs.contains { $0.payloadType == a.codecs[0].payloadType && ($0.isVP8 || $0.isOpus) }, name)
            }
        }
    }

    func testHostileRemoteDescriptionsThrowOrDegradeWithoutCrashing() throws {
        let vp8 = RTPCodec(payloadType: 96, name: "VP8", clockRate: 90_000)
        let good = makeSubscriberOffer(local: server, sessionVersion: 2, streams: [
            SubscriberStream(mid: "0", kind: .video, msidStreamId: "u/video", msidTrackId: "t", ssrc: 1, cname: "c", codecs: [vp8]),
        ]).serialized()
        var parsedAtLeastOnce = 0
        for length in stride(from: 0, through: good.utf8.count, by: 1) {
            let prefix = String(decoding: Array(good.utf8.prefix(length)), as: UTF8.self)
            guard let sdp = try? ClientSDP.parse(prefix) else { continue }
            parsedAtLeastOnce += 1
            _ = try? ClientSDP.remoteTransport(sdp)
            _ = ClientSDP.remoteStreams(sdp)
            _ = try? ClientSDP.receiverAnswer(to: sdp, local: local, sessionId: 1, version: 1)
        }
        XCTAssertGreaterThan(parsedAtLeastOnce, 0)
        XCTAssertThrowsError(try ClientSDP.parse("v=0\r\nthis is not sdp")) { error in
            guard case ClientSDPError.unparsable = error else { return XCTFail("\(error)") }
        }
        // A description without candidates or credentials names what is missing.
        let bare = try ClientSDP.parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n")
        XCTAssertThrowsError(try ClientSDP.remoteTransport(bare)) { error in
            XCTAssertEqual(error as? ClientSDPError, .missing("a=ice-ufrag/a=ice-pwd"))
        }
        XCTAssertThrowsError(try ClientSDP.receiverAnswer(to: try ClientSDP.parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"),
                                                          local: local, sessionId: 1, version: 1))
    }
}
