import Foundation
import Logging
import NIOCore
import NIOPosix
import RTP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// BH-11 through the SFU: a publisher re-offer with new ICE credentials (same fingerprint, same
/// mids) is answered with new local credentials on the same transport; the old ufrag stops
/// working, the new one works, and media keeps flowing without a new DTLS handshake.
final class ICERestartLoopbackTests: SFULoopbackTestCase {
    func testRestartKeepsTransportAndRotatesCredentials() throws {
        let key = StreamKey(participantID: "alice", name: "video")
        let pub = try TestPeer(group: group), sub = try TestPeer(group: group)
        defer { pub.close(); sub.close() }
        let offer1 = ForwardingLoopbackTests.publisherOffer(peer: pub, ssrc: 1111)
        let answer1 = try sfu.eventLoop.submit { try self.sfu.publish(roomID: "m1", key: key, offer: offer1) }.wait()
        let (ufrag1, pwd1) = (sdpValues(answer1, "ice-ufrag")[0], sdpValues(answer1, "ice-pwd")[0])
        try pub.connect(to: port, serverUfrag: ufrag1, serverPassword: pwd1, serverFingerprint: serverFingerprint)

        let offer = try subscribe(to: [key])
        try answerAndConnect(sub, offer: offer, answer: ForwardingLoopbackTests.subscriberAnswer(peer: sub, offer: offer))
        try pub.sendRTP(ForwardingLoopbackTests.vp8Packet(seq: 10, ts: 3000, ssrc: 1111, keyframe: true, marker: true))
        XCTAssertEqual(sub.receiveMedia(timeout: 2) { rtp, _ in !rtp.isEmpty }.rtp.count, 1)
        let transportsBefore = try sfu.eventLoop.submit { self.sfu.statistics().transports }.wait()

        // The re-offer: same certificate and mid, new ufrag and password (BH-11 offer-2 shape).
        let offer2 = offer1.replacingOccurrences(of: "a=ice-ufrag:\(pub.ufrag)", with: "a=ice-ufrag:Rs2b")
            .replacingOccurrences(of: "a=ice-pwd:\(pub.password)", with: "a=ice-pwd:restartedpassword0123456789")
        let answer2 = try sfu.eventLoop.submit { try self.sfu.publish(roomID: "m1", key: key, offer: offer2) }.wait()
        let (ufrag2, pwd2) = (sdpValues(answer2, "ice-ufrag")[0], sdpValues(answer2, "ice-pwd")[0])
        XCTAssertNotEqual(ufrag2, ufrag1, "the answer must carry a new ufrag")
        XCTAssertNotEqual(pwd2, pwd1, "the answer must carry a new password")
        XCTAssertEqual(sdpValues(answer2, "fingerprint"), sdpValues(answer1, "fingerprint"))
        XCTAssertEqual(sdpValues(answer2, "setup"), sdpValues(answer1, "setup"))
        XCTAssertEqual(try sfu.eventLoop.submit { self.sfu.statistics().transports }.wait(), transportsBefore,
                       "no new transport")

        XCTAssertNil(try pub.check(serverUfrag: ufrag1, serverPassword: pwd1), "the old ufrag no longer answers")
        XCTAssertEqual(try pub.check(serverUfrag: ufrag2, serverPassword: pwd2), 0x0101)
        let drops = try sfu.eventLoop.submit { self.sfu.statistics().drops }.wait()
        XCTAssertEqual(drops["stunRetiredUfrag"], 1, "\(drops)")

        // Same DTLS association and SRTP contexts: the next packet is forwarded, sequence continues.
        try pub.sendRTP(ForwardingLoopbackTests.vp8Packet(seq: 11, ts: 6000, ssrc: 1111, keyframe: false, marker: true))
        let after = sub.receiveMedia(timeout: 2) { rtp, _ in !rtp.isEmpty }.rtp
        XCTAssertEqual(after.count, 1, "media continues after the restart")

        // A re-offer from another certificate is not a restart: the session is replaced.
        let other = try TestPeer(group: group)
        defer { other.close() }
        let offer3 = ForwardingLoopbackTests.publisherOffer(peer: other, ssrc: 2222)
        let answer3 = try sfu.eventLoop.submit { try self.sfu.publish(roomID: "m1", key: key, offer: offer3) }.wait()
        XCTAssertNotEqual(sdpValues(answer3, "ice-ufrag")[0], ufrag2)
    }
}
