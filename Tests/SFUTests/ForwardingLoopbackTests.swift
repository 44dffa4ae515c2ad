import Logging
import NIOCore
import NIOPosix
import RTP
import SDP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// End-to-end over loopback with real ICE/DTLS/SRTP: one publisher, one subscriber.
final class ForwardingLoopbackTests: SFULoopbackTestCase {
    static func publisherOffer(peer: TestPeer, ssrc: UInt32) -> String {
        [
            "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
            "a=group:BUNDLE 0", "a=msid-semantic:WMS *",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "a=mid:0",
            "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
            "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:actpass", "a=sendonly", "a=rtcp-mux",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=ssrc:\(ssrc) cname:pub", "a=msid:stream track",
        ].joined(separator: "\r\n") + "\r\n"
    }

    static func subscriberAnswer(peer: TestPeer, offer: String) -> String {
        let mids = sdpValues(offer, "mid")
        var lines = ["v=0", "o=- 99 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE \(mids.joined(separator: " "))"]
        for mid in mids {
            let pt = sdpValues(offer, "rtpmap").first { $0.contains("VP8") }!.split(separator: " ")[0]
            lines += ["m=video 9 UDP/TLS/RTP/SAVPF \(pt)", "c=IN IP4 0.0.0.0", "a=mid:\(mid)",
                      "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
                      "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:active", "a=recvonly", "a=rtcp-mux",
                      "a=rtpmap:\(pt) VP8/90000", "a=rtcp-fb:\(pt) nack pli"]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// VP8 RTP packet: descriptor S=1 PID=0, payload header P bit = !keyframe.
    static func vp8Packet(seq: UInt16, ts: UInt32, ssrc: UInt32, keyframe: Bool, marker: Bool) -> [UInt8] {
        var p: [UInt8] = [0x80, (marker ? 0x80 : 0) | 96, UInt8(seq >> 8), UInt8(seq & 0xff)]
        p += withUnsafeBytes(of: ts.bigEndian, Array.init) + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        p += [0x10, keyframe ? 0x00 : 0x01, 0x02, 0x9d, 0x01, 0x2a] + Array(repeating: 0x55, count: 40)
        return p
    }

    func testPublisherToSubscriberForwardingWithRewritingAndKeyframeRequests() throws {
        let key = StreamKey(participantID: "alice", name: "video")
        let pub = try TestPeer(group: group), sub = try TestPeer(group: group)
        defer { pub.close(); sub.close() }
        let port = sfu.socket.localAddress.port!
        let fp = sfu.dtlsContext.certificate.sha256Fingerprint

        // Publish.
        let answer = try sfu.eventLoop.submit {
            try self.sfu.publish(roomID: "m1", key: key, offer: Self.publisherOffer(peer: pub, ssrc: 1111))
        }.wait()
        XCTAssertTrue(answer.contains("a=ice-lite"))
        XCTAssertTrue(answer.contains("a=candidate:1 1 udp 2130706431 127.0.0.1 \(port) typ host"))
        XCTAssertEqual(sdpValues(answer, "setup"), ["passive"])
        try pub.connect(to: port, serverUfrag: sdpValues(answer, "ice-ufrag")[0],
                        serverPassword: sdpValues(answer, "ice-pwd")[0], serverFingerprint: fp)

        // Subscribe: the server offers one sendonly m-line with msid "<alice>/video".
        let (offer, streams) = try sfu.eventLoop.submit {
            self.sfu.updateSubscriptions(roomID: "m1", participantID: "bob", subscribe: [key], unsubscribe: [])
        }.wait()
        XCTAssertEqual(streams.map(\.0), [key])
        XCTAssertEqual(streams.map(\.1), ["0"])
        XCTAssertTrue(offer.contains("a=msid:alice/video "), offer)
        XCTAssertTrue(offer.contains("a=sendonly"))
        let offeredSSRC = UInt32(sdpValues(offer, "ssrc")[0].split(separator: " ")[0])!
        let offeredPT = UInt8(sdpValues(offer, "rtpmap").first { $0.contains("VP8") }!.split(separator: " ")[0])!
        try sfu.eventLoop.submit {
            try self.sfu.applySubscriberAnswer(roomID: "m1", participantID: "bob",
                                               answer: Self.subscriberAnswer(peer: sub, offer: offer))
        }.wait()
        try sub.connect(to: port, serverUfrag: sdpValues(offer, "ice-ufrag")[0],
                        serverPassword: sdpValues(offer, "ice-pwd")[0], serverFingerprint: fp)

        // A new subscription makes the server ask the publisher for a key frame (PLI for SSRC 1111).
        let pli = pub.receiveMedia(timeout: 2) { _, rtcp in !rtcp.isEmpty }.rtcp
        let requested = pli.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }.contains {
            if case .pli(_, 1111) = $0 { return true }
            return false
        }
        XCTAssertTrue(requested, "publisher must receive a PLI for its SSRC")

        // Delta frames before the key frame are not forwarded; from the key frame on they are.
        try pub.sendRTP(Self.vp8Packet(seq: 500, ts: 9000, ssrc: 1111, keyframe: false, marker: true))
        try pub.sendRTP(Self.vp8Packet(seq: 501, ts: 12000, ssrc: 1111, keyframe: true, marker: true))
        try pub.sendRTP(Self.vp8Packet(seq: 502, ts: 15000, ssrc: 1111, keyframe: false, marker: true))
        try pub.sendRTP(Self.vp8Packet(seq: 503, ts: 18000, ssrc: 1111, keyframe: false, marker: true))
        let received = sub.receiveMedia(timeout: 2) { rtp, _ in rtp.count >= 3 }.rtp
        XCTAssertEqual(received.count, 3)
        let headers = try received.map { try RTPHeader.parse($0) }
        XCTAssertEqual(Set(headers.map(\.ssrc)), [offeredSSRC])
        XCTAssertEqual(Set(headers.map(\.payloadType)), [offeredPT])
        XCTAssertEqual(headers[1].sequenceNumber, headers[0].sequenceNumber &+ 1)
        XCTAssertEqual(headers[2].sequenceNumber, headers[0].sequenceNumber &+ 2)
        XCTAssertEqual(headers[1].timestamp &- headers[0].timestamp, 3000)
        XCTAssertTrue(VP8PayloadDescriptor.isKeyframe(payload: Array(received[0][headers[0].payloadRange])))
        XCTAssertEqual(Array(received[0][headers[0].payloadRange]),
                       Array(Self.vp8Packet(seq: 0, ts: 0, ssrc: 0, keyframe: true, marker: true)[12...]))

        // NACK for the second forwarded packet → the same packet again (same sequence number).
        // (The test peer forgets its SRTP replay window, as if that packet had been lost.)
        try sub.forgetReceivedPackets()
        try sub.sendRTCP(RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: offeredSSRC, lost: [headers[1].sequenceNumber]))
        let resent = sub.receiveMedia(timeout: 2) { rtp, _ in !rtp.isEmpty }.rtp
        XCTAssertEqual(resent, [received[1]], "a NACKed packet is retransmitted byte-identical")

        // The publisher's sender report reaches the subscriber on its SSRC and RTP timeline.
        try pub.sendRTCP(RTCPBuilder.senderReport(ssrc: 1111, ntp: 0xAABB_CCDD_0000_0001, rtpTimestamp: 12000,
                                                  packetCount: 4, octetCount: 200, reports: []))
        let reports = sub.receiveMedia(timeout: 2) { _, rtcp in !rtcp.isEmpty }.rtcp
            .flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }
            .compactMap { item -> RTCPSenderReport? in if case .senderReport(let r) = item { return r }; return nil }
        XCTAssertEqual(reports.first?.ssrc, offeredSSRC)
        XCTAssertEqual(reports.first?.ntpTimestamp, 0xAABB_CCDD_0000_0001)
        XCTAssertEqual(reports.first?.rtpTimestamp, headers[0].timestamp, "publisher ts 12000 is the key frame's")

        // A PLI from the subscriber for its SSRC becomes a PLI to the publisher (after the 1 s limit).
        usleep(1_100_000)
        try sub.sendRTCP(RTCPBuilder.pli(senderSSRC: 1, mediaSSRC: offeredSSRC))
        let second = pub.receiveMedia(timeout: 2) { _, rtcp in !rtcp.isEmpty }.rtcp
        XCTAssertFalse(second.isEmpty, "subscriber PLI must reach the publisher")

        // Unpublishing stops forwarding at once.
        try sfu.eventLoop.submit { self.sfu.unpublish(roomID: "m1", key: key) }.wait()
        let stats = try sfu.eventLoop.submit { self.sfu.statistics() }.wait()
        XCTAssertEqual(stats.rooms, 1)
    }

    func testInvalidOfferIsRejectedWithReasonAndNoState() throws {
        for bad in ["", "garbage", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"] {
            XCTAssertThrowsError(try sfu.eventLoop.submit {
                try self.sfu.publish(roomID: "m", key: StreamKey(participantID: "a", name: "video"), offer: bad)
            }.wait()) { error in
                guard case SFUError.invalidSDP(let reason) = error else { return XCTFail("\(error)") }
                XCTAssertFalse(reason.isEmpty)
            }
        }
        let stats = try sfu.eventLoop.submit { self.sfu.statistics() }.wait()
        XCTAssertEqual(stats.transports, 0)
    }
}
