import Foundation
import Logging
import NIOCore
import NIOPosix
import RTP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// The shared/cases packets through the whole SFU (real ICE/DTLS/SRTP), checked on what the
/// subscriber receives: BH-15 one-byte extensions with padding and ID 15, BH-17 padded media,
/// BH-18 a padding-only probe, BH-23 malformed RTCP.
final class CaseForwardingTests: SFULoopbackTestCase {
    /// Video offer (PT 96, SSRC 1111) negotiating audio-level (1), transport-wide-cc (3) and mid (4),
    /// the ids the BH-15 packets use.
    static func offer(peer: TestPeer) -> String {
        [
            "v=0", "o=- 4611731400430051339 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0",
            "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
            "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:actpass", "a=sendonly", "a=rtcp-mux",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli", "a=ssrc:1111 cname:pub", "a=msid:s t",
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// A case packet moved onto the test stream: PT 96 (marker kept), `seq`, SSRC 1111.
    static func restamped(_ packet: [UInt8], seq: UInt16) -> [UInt8] {
        var p = packet
        p[1] = (p[1] & 0x80) | 96
        p[2] = UInt8(seq >> 8)
        p[3] = UInt8(seq & 0xFF)
        p[8] = 0; p[9] = 0; p[10] = 0x04; p[11] = 0x57
        return p
    }

    func testCasePacketsThroughTheSFU() throws {
        let key = StreamKey(participantID: "alice", name: "video")
        let pub = try TestPeer(group: group), sub = try TestPeer(group: group)
        defer { pub.close(); sub.close() }
        try publishAndConnect(pub, key: key, offer: Self.offer(peer: pub))
        let offer = try subscribe(to: [key])
        XCTAssertEqual(sdpValues(offer, "extmap"), ["1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"],
                       "only audio-level is forwarded of the three")
        try answerAndConnect(sub, offer: offer, answer: ForwardingLoopbackTests.subscriberAnswer(peer: sub, offer: offer)
            .replacingOccurrences(of: "a=recvonly", with: "a=recvonly\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"))

        let bh15 = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")
        let bh17 = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let bh18 = try CaseFiles.packet("BH-18-rtp-padding-only.hex")
        XCTAssertEqual(bh15.count, 2)
        let sent: [[UInt8]] = [
            ForwardingLoopbackTests.vp8Packet(seq: 100, ts: 3000, ssrc: 1111, keyframe: true, marker: true),
            Self.restamped(bh15[0], seq: 101),
            Self.restamped(bh15[1], seq: 102),
            Self.restamped(bh17, seq: 103),
            Self.restamped(bh18, seq: 104),   // probe: not forwarded
            ForwardingLoopbackTests.vp8Packet(seq: 105, ts: 6000, ssrc: 1111, keyframe: false, marker: true),
        ]
        for packet in sent { try pub.sendRTP(packet) }
        // BH-23: the three malformed RTCP packets from the publisher change nothing downstream.
        for rtcp in try CaseFiles.packets("BH-23-rtcp-malformed.hex") { try pub.sendRTCP(rtcp) }
        let got = sub.receiveMedia(timeout: 2) { rtp, _ in rtp.count >= 5 }
        XCTAssertEqual(got.rtp.count, 5, "key frame, BH-15 A and B, BH-17, the media after the probe")
        let headers = try got.rtp.map { try RTPHeader.parse($0) }
        let base = headers[0].sequenceNumber
        XCTAssertEqual(headers.map { $0.sequenceNumber &- base }, [0, 1, 2, 3, 4], "no gap where the probe was (BH-18)")

        // BH-15: A keeps {1: 8a} (3 and 4 not negotiated with the subscriber) and its payload; B is
        // not dropped, parsing stopped at ID 15, payload intact.
        for (i, packet) in got.rtp[1...2].enumerated() {
            let header = headers[1 + i]
            XCTAssertEqual(header.extensions.map(\.id), [1], "packet \(i == 0 ? "A" : "B")")
            XCTAssertEqual(header.extensionValue(id: 1, in: packet).map(Array.init), [0x8a])
            XCTAssertEqual(Array(packet[header.payloadRange]), [0xf8, 0xff, 0xfe])
        }
        // BH-17: P=1 kept with the identical 10 padding bytes (last byte 0x0a), 14-byte payload.
        let padded = got.rtp[3], paddedHeader = headers[3]
        XCTAssertTrue(paddedHeader.padding)
        XCTAssertEqual(paddedHeader.paddingLength, 10)
        XCTAssertEqual(paddedHeader.payloadLength, 14)
        XCTAssertEqual(padded.last, 0x0a)
        XCTAssertEqual(Array(padded.suffix(10)), Array(bh17.suffix(10)))
        XCTAssertTrue(got.rtcp.isEmpty || got.rtcp.allSatisfy { (try? RTCPPacket.parseCompound($0)) != nil },
                      "nothing invalid is forwarded (BH-23)")
        // The stream goes on after the malformed RTCP.
        try pub.sendRTP(ForwardingLoopbackTests.vp8Packet(seq: 106, ts: 9000, ssrc: 1111, keyframe: false, marker: true))
        XCTAssertEqual(sub.receiveMedia(timeout: 2) { rtp, _ in !rtp.isEmpty }.rtp.count, 1)
    }
}
