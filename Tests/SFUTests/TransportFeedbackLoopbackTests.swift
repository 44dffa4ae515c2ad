import Foundation
import Logging
import NIOCore
import NIOPosix
import RTP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// TWCC over loopback with real ICE/DTLS/SRTP: a publisher that negotiates transport-cc and the
/// transport-wide sequence number extension gets RTPFB FMT 15 feedback reporting exactly the
/// packets that arrived (and the one that did not).
final class TransportFeedbackLoopbackTests: SFULoopbackTestCase {
    static func offer(peer: TestPeer) -> String {
        [
            "v=0", "o=- 4611731400430051338 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
            "a=group:BUNDLE 0", "a=msid-semantic:WMS *",
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0",
            "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
            "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:actpass", "a=sendonly", "a=rtcp-mux",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 nack pli",
            "a=ssrc:4242 cname:pub", "a=msid:stream track",
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// VP8 delta packet with the transport-wide sequence number (extension id 3, 2 bytes).
    static func packet(seq: UInt16, wide: UInt16) -> [UInt8] {
        var p: [UInt8] = [0x90, 96, UInt8(seq >> 8), UInt8(seq & 0xff), 0, 0, 0x10, 0, 0, 0, 0x10, 0x92]
        p += [0xBE, 0xDE, 0, 1, 3 << 4 | 1, UInt8(wide >> 8), UInt8(wide & 0xFF), 0]
        p += [0x10, 0x01] + Array(repeating: 0x55, count: 100)
        return p
    }

    func testFeedbackReportsArrivalsAndTheMissingPacket() throws {
        let pub = try TestPeer(group: group)
        defer { pub.close() }
        let answer = try publishAndConnect(pub, key: StreamKey(participantID: "alice", name: "video"),
                                           offer: Self.offer(peer: pub))
        XCTAssertTrue(answer.contains("a=rtcp-fb:96 transport-cc"), answer)
        XCTAssertTrue(answer.contains("a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"))

        // Wide sequence numbers 65534, 65535, (0 lost), 1, 2 — across the 16-bit wrap, 5 ms apart.
        for (i, wide) in [UInt16(65534), 65535, 1, 2].enumerated() {
            try pub.sendRTP(Self.packet(seq: 100 + UInt16(i), wide: wide))
            usleep(5_000)
        }
        let rtcp = pub.receiveMedia(timeout: 2) { _, rtcp in
            rtcp.contains { $0.count > 1 && $0[1] == 205 && $0[0] & 0x1F == 15 }
        }.rtcp
        let feedback = rtcp.filter { $0.count > 1 && $0[1] == 205 && $0[0] & 0x1F == 15 }
            .compactMap { try? TransportFeedback.parse($0) }
        XCTAssertFalse(feedback.isEmpty, "no TWCC feedback arrived")
        var arrived: [UInt16: Int64] = [:]
        var missing: Set<UInt16> = []
        for fb in feedback {
            XCTAssertEqual(fb.mediaSSRC, 4242)
            for result in fb.packetResults {
                if let at = result.arrivalMicros { arrived[result.sequence] = at } else { missing.insert(result.sequence) }
            }
        }
        XCTAssertEqual(Set(arrived.keys), [65534, 65535, 1, 2])
        XCTAssertEqual(missing, [0])
        if let first = arrived[65534], let last = arrived[2] {
            XCTAssertGreaterThanOrEqual(last - first, 10_000, "three 5 ms gaps ≥ 10 ms apart on the server clock")
            XCTAssertLessThan(last - first, 1_000_000)
        }
    }
}
