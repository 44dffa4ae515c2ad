import Foundation
import Logging
import NIOCore
import NIOPosix
import RTP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// Loss repair over loopback with real ICE/DTLS/SRTP: the SFU NACKs a gap to the publisher,
/// unwraps the publisher's RTX answer (RFC 4588) and forwards the repaired packet; a subscriber
/// NACK is answered on the subscriber's negotiated RTX stream; the publisher gets receiver
/// reports (RFC 3550 §6.4.2) about its stream.
final class RepairLoopbackTests: SFULoopbackTestCase {
    static func publisherOffer(peer: TestPeer) -> String {
        ForwardingLoopbackTests.publisherOffer(peer: peer, ssrc: 1111)
            .replacingOccurrences(of: "a=rtcp-fb:96 nack pli", with: "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli")
            .replacingOccurrences(of: "a=ssrc:1111 cname:pub", with: "a=ssrc-group:FID 1111 2222\r\na=ssrc:1111 cname:pub\r\na=ssrc:2222 cname:pub")
    }

    /// The subscriber's answer keeps VP8 and its RTX payload type.
    static func subscriberAnswer(peer: TestPeer, offer: String) -> String {
        let vp8 = sdpValues(offer, "rtpmap").first { $0.contains("VP8") }!.split(separator: " ")[0]
        let rtx = sdpValues(offer, "rtpmap").first { $0.contains("rtx") }!.split(separator: " ")[0]
        let mid = sdpValues(offer, "mid")[0]
        return ["v=0", "o=- 99 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE \(mid)",
                "m=video 9 UDP/TLS/RTP/SAVPF \(vp8) \(rtx)", "c=IN IP4 0.0.0.0", "a=mid:\(mid)",
                "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
                "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:active", "a=recvonly", "a=rtcp-mux",
                "a=rtpmap:\(vp8) VP8/90000", "a=rtcp-fb:\(vp8) nack pli", "a=rtpmap:\(rtx) rtx/90000",
                "a=fmtp:\(rtx) apt=\(vp8)"].joined(separator: "\r\n") + "\r\n"
    }

    func testNACKToPublisherRTXUnwrapRTXToSubscriberAndReceiverReports() throws {
        let key = StreamKey(participantID: "alice", name: "video")
        let pub = try TestPeer(group: group), sub = try TestPeer(group: group)
        defer { pub.close(); sub.close() }
        try publishAndConnect(pub, key: key, offer: Self.publisherOffer(peer: pub))
        let offer = try subscribe(to: [key])
        let fid = try XCTUnwrap(sdpValues(offer, "ssrc-group").first, "the subscriber offer announces an RTX SSRC")
        let fidSSRCs = fid.split(separator: " ").dropFirst().compactMap { UInt32($0) }
        XCTAssertEqual(fidSSRCs.count, 2)
        let offeredRTXPT = UInt8(sdpValues(offer, "rtpmap").first { $0.contains("rtx") }!.split(separator: " ")[0])!
        try answerAndConnect(sub, offer: offer, answer: Self.subscriberAnswer(peer: sub, offer: offer))

        // 500 (key), 501, then 503: the SFU NACKs 502 to the publisher.
        for seq: UInt16 in [500, 501, 503] {
            try pub.sendRTP(ForwardingLoopbackTests.vp8Packet(seq: seq, ts: UInt32(seq) * 3000, ssrc: 1111,
                                                              keyframe: seq == 500, marker: true))
        }
        let nacked = pub.receiveMedia(timeout: 2) { _, rtcp in
            rtcp.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }.contains { if case .nack = $0 { return true }; return false }
        }.rtcp.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }.compactMap { item -> [UInt16]? in
            if case .nack(_, 1111, let lost) = item { return lost }
            return nil
        }
        XCTAssertEqual(nacked.first, [502])
        var received = sub.receiveMedia(timeout: 2) { rtp, _ in rtp.count >= 3 }.rtp
        XCTAssertEqual(received.count, 3)

        // The publisher answers on its RTX stream (SSRC 2222, PT 97, OSN 502).
        let original = ForwardingLoopbackTests.vp8Packet(seq: 502, ts: 502 * 3000, ssrc: 1111, keyframe: false, marker: true)
        let rtxPacket = try XCTUnwrap(RTXPacket.wrap(original, header: try RTPHeader.parse(original), rtxPayloadType: 97,
                                                     rtxSSRC: 2222, rtxSequence: 9))
        try pub.sendRTP(rtxPacket)
        received += sub.receiveMedia(timeout: 2) { rtp, _ in !rtp.isEmpty }.rtp
        let headers = try received.map { try RTPHeader.parse($0) }
        XCTAssertEqual(headers.count, 4)
        let base = headers[0].sequenceNumber
        XCTAssertEqual(headers.map { $0.sequenceNumber &- base }, [0, 1, 3, 2], "the repaired packet fills the gap")
        XCTAssertEqual(Array(received[3][headers[3].payloadRange]), Array(original[12...]), "payload restored from RTX")

        // An RTX packet for 501, which arrived and was never NACKed, is a redundant payload (Chrome's
        // RTX probing): not forwarded, or the subscriber would get a replay.
        let redundant = ForwardingLoopbackTests.vp8Packet(seq: 501, ts: 501 * 3000, ssrc: 1111, keyframe: false, marker: true)
        try pub.sendRTP(try XCTUnwrap(RTXPacket.wrap(redundant, header: try RTPHeader.parse(redundant), rtxPayloadType: 97,
                                                     rtxSSRC: 2222, rtxSequence: 10)))
        XCTAssertTrue(sub.receiveMedia(timeout: 0.5) { rtp, _ in !rtp.isEmpty }.rtp.isEmpty,
                      "a redundant RTX payload is not forwarded")

        // The subscriber NACKs out-seq base+1: it comes back on the subscriber's RTX stream.
        try sub.forgetReceivedPackets()
        try sub.sendRTCP(RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: fidSSRCs[0], lost: [base &+ 1]))
        let resent = sub.receiveMedia(timeout: 2) { rtp, _ in !rtp.isEmpty }.rtp
        let resentHeader = try RTPHeader.parse(try XCTUnwrap(resent.first))
        XCTAssertEqual(resentHeader.ssrc, fidSSRCs[1])
        XCTAssertEqual(resentHeader.payloadType, offeredRTXPT)
        XCTAssertEqual(RTXPacket.originalSequenceNumber(resent[0], header: resentHeader), base &+ 1)

        // Receiver reports to the publisher: highest 503, nothing lost after the repair.
        let blocks = pub.receiveMedia(timeout: 2.5) { _, rtcp in
            rtcp.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }.contains { if case .receiverReport = $0 { return true }; return false }
        }.rtcp.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }.flatMap { item -> [RTCPReportBlock] in
            if case .receiverReport(let rr) = item { return rr.reports }
            return []
        }
        let block = try XCTUnwrap(blocks.first { $0.ssrc == 1111 }, "no receiver report about SSRC 1111")
        XCTAssertEqual(block.highestSeq & 0xFFFF, 503)
        XCTAssertEqual(block.cumulativeLost, 0)
    }
}
