import Foundation
import Logging
import NIOCore
import NIOPosix
import RTP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// rid-based simulcast over loopback with real ICE/DTLS/SRTP: the SFU learns each layer's SSRC
/// from the rtp-stream-id extension (not from SDP order), forwards the highest layer to an
/// unlimited subscriber, and switches a subscriber whose answer limits its bandwidth to the
/// lowest layer at that layer's key frame, keeping sequence numbers and PictureIDs continuous.
final class SimulcastLoopbackTests: SFULoopbackTestCase {
    /// Chrome-shaped simulcast offer: no a=ssrc lines, rids in the offer's order f;h;q on purpose
    /// (the SFU ranks q < h < f by name).
    static func simulcastOffer(peer: TestPeer) -> String {
        [
            "v=0", "o=- 4611731400430051337 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
            "a=group:BUNDLE 0", "a=msid-semantic:WMS *",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "a=mid:0",
            "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
            "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:actpass", "a=sendonly", "a=rtcp-mux",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
            "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=rid:f send", "a=rid:h send", "a=rid:q send", "a=simulcast:send f;h;q", "a=msid:stream track",
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// VP8 packet with the rid one-byte extension (id 10) and a 15-bit PictureID; `size` bytes of payload.
    static func packet(seq: UInt16, ts: UInt32, ssrc: UInt32, rid: String, keyframe: Bool, pictureID: UInt16,
                       size: Int) -> [UInt8] {
        let ridBytes = Array(rid.utf8)
        var p: [UInt8] = [0x90, 0x80 | 96, UInt8(seq >> 8), UInt8(seq & 0xff)]
        p += withUnsafeBytes(of: ts.bigEndian, Array.init) + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        var ext: [UInt8] = [10 << 4 | UInt8(ridBytes.count - 1)] + ridBytes
        while ext.count % 4 != 0 { ext.append(0) }
        p += [0xBE, 0xDE, 0, UInt8(ext.count / 4)] + ext
        p += [0x90, 0x80, 0x80 | UInt8(pictureID >> 8), UInt8(pictureID & 0xFF)]   // X=1 S=1, I=1, M=1
        p += [keyframe ? 0x00 : 0x01, 0x02, 0x9d, 0x01, 0x2a] + Array(repeating: 0x55, count: size)
        return p
    }

    static func answer(peer: TestPeer, offer: String, extraLines: [String]) -> String {
        var text = ForwardingLoopbackTests.subscriberAnswer(peer: peer, offer: offer)
        if !extraLines.isEmpty {
            text = text.replacingOccurrences(of: "c=IN IP4 0.0.0.0\r\n",
                                             with: "c=IN IP4 0.0.0.0\r\n" + extraLines.joined(separator: "\r\n") + "\r\n")
        }
        return text
    }

    func testLayersLearnedFromRidAndSwitchedByAnswerBandwidth() throws {
        let key = StreamKey(participantID: "alice", name: "video")
        let pub = try TestPeer(group: group), sub = try TestPeer(group: group)
        defer { pub.close(); sub.close() }

        let answer = try publishAndConnect(pub, key: key, offer: Self.simulcastOffer(peer: pub))
        XCTAssertEqual(sdpValues(answer, "simulcast"), ["recv f;h;q"], answer)
        XCTAssertEqual(sdpValues(answer, "rid"), ["f recv", "h recv", "q recv"])

        let offer = try subscribe(to: [key])
        XCTAssertNil(sdpValues(offer, "simulcast").first, "the subscriber gets one stream")
        try answerAndConnect(sub, offer: offer, answer: Self.answer(peer: sub, offer: offer, extraLines: []))

        // Layers: SSRCs unrelated to rid order; sizes make bitrates q < h < f.
        let layers: [(rid: String, ssrc: UInt32, size: Int)] = [("q", 7003, 60), ("h", 7001, 700), ("f", 7002, 1000)]
        var seq: [UInt16] = [65000, 100, 30000]
        var pic: [UInt16] = [32700, 5, 1000]
        var ts: UInt32 = 1000
        func sendFrame(keyframes: Set<String>) throws {
            for (i, layer) in layers.enumerated() {
                try pub.sendRTP(Self.packet(seq: seq[i], ts: ts &+ UInt32(i) * 7777, ssrc: layer.ssrc, rid: layer.rid,
                                            keyframe: keyframes.contains(layer.rid), pictureID: pic[i], size: layer.size))
                seq[i] &+= 1
                pic[i] = (pic[i] + 1) % 0x8000
            }
            ts &+= 3000
        }
        // Key frames on all layers, then 0.8 s of delta frames at 50 frames/s.
        try sendFrame(keyframes: ["q", "h", "f"])
        for _ in 0..<40 { try sendFrame(keyframes: []); usleep(20_000) }
        let before = sub.receiveMedia(timeout: 1) { rtp, _ in rtp.count >= 41 }.rtp
        XCTAssertEqual(before.count, 41, "the unlimited subscriber receives one layer, every frame")
        let beforeHeaders = try before.map { try RTPHeader.parse($0) }
        XCTAssertTrue(before.allSatisfy { $0.count > 900 }, "the highest layer (f) is forwarded")

        // A renegotiation whose answer says b=TIAS:80000 (80 kbit/s) caps bob: only q fits
        // (≈ 35 kbit/s at 50 frames/s; h ≈ 290 kbit/s). The SFU asks for a key frame of q's SSRC.
        let offer2 = try subscribe(to: [])
        try applyAnswer(Self.answer(peer: sub, offer: offer2, extraLines: ["b=TIAS:80000"]))
        var requested = false
        for _ in 0..<30 where !requested {
            try sendFrame(keyframes: [])
            let rtcp = pub.receiveMedia(timeout: 0.02) { _, rtcp in !rtcp.isEmpty }.rtcp
            requested = rtcp.flatMap { (try? RTCPPacket.parseCompound($0)) ?? [] }.contains {
                if case .pli(_, 7003) = $0 { return true }
                return false
            }
        }
        XCTAssertTrue(requested, "a PLI for layer q's SSRC (7003) must reach the publisher")
        // Frames keep coming at 50/s (a pause would lower the measured layer bitrates).
        var stillF: [[UInt8]] = []
        for _ in 0..<15 {
            try sendFrame(keyframes: [])
            stillF += sub.receiveMedia(timeout: 0.02) { _, _ in false }.rtp
        }
        XCTAssertTrue(stillF.allSatisfy { $0.count > 900 }, "no switch before q's key frame")

        try sendFrame(keyframes: ["q"])
        for _ in 0..<5 { try sendFrame(keyframes: []) }
        let after = sub.receiveMedia(timeout: 1) { rtp, _ in rtp.count >= 6 }.rtp
        XCTAssertEqual(after.count, 6)
        XCTAssertTrue(after.allSatisfy { $0.count < 200 }, "layer q is forwarded after its key frame: \(after.map(\.count)), before: \(stillF.map(\.count))")
        let all = try (before + stillF + after).map { try RTPHeader.parse($0) }
        for (a, b) in zip(all, all.dropFirst()) {
            XCTAssertEqual(b.sequenceNumber, a.sequenceNumber &+ 1, "continuous sequence numbers")
            XCTAssertTrue(UInt32(b.timestamp &- a.timestamp) > 0 && (b.timestamp &- a.timestamp) < 90_000,
                          "timestamps move forward")
        }
        XCTAssertEqual(Set(all.map(\.ssrc)).count, 1)
        let pictureIDs = zip(before + stillF + after, all).compactMap { packet, header in
            try? VP8PayloadDescriptor.parse(packet[header.payloadRange]).pictureID
        }
        XCTAssertEqual(pictureIDs.count, all.count)
        for (a, b) in zip(pictureIDs, pictureIDs.dropFirst()) {
            XCTAssertEqual(b, (a + 1) % 0x8000, "continuous PictureIDs across the switch")
        }
        XCTAssertEqual(beforeHeaders.first.map { (1...32767).contains($0.sequenceNumber) }, true, "BH-20 initial sequence")
        let drops = try sfu.eventLoop.submit { self.sfu.statistics().drops }.wait()
        XCTAssertNil(drops["rtp_unknown_layer"], "every layer was routed by rid: \(drops)")
    }
}
