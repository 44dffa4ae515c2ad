import Foundation
import NIOCore
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// BH-12: a Binding indication (OBS's WHIP keepalive: FINGERPRINT only, no USERNAME, no
/// MESSAGE-INTEGRITY) on a connected transport is parsed and ignored — no response, counted, and
/// it does not refresh ICE consent (RFC 7675 needs an authenticated request).
final class STUNIndicationTests: SFULoopbackTestCase {
    func testIndicationIsIgnoredAndDoesNotRefreshConsent() throws {
        let key = StreamKey(participantID: "alice", name: "video")
        let pub = try TestPeer(group: group)
        defer { pub.close() }
        try publishAndConnect(pub, key: key, offer: ForwardingLoopbackTests.publisherOffer(peer: pub, ssrc: 1111))
        let consent = { try self.sfu.eventLoop.submit {
            self.sfu.routers["m1"]?.publishers[key]?.transport.lastConsentAt
        }.wait() }
        let before = try XCTUnwrap(try consent(), "the connectivity check gave consent")
        usleep(20_000)

        let indication = try CaseFiles.packet("BH-12-stun-binding-indication.hex")
        XCTAssertEqual(indication.count, 28)
        try pub.send(indication)
        XCTAssertTrue(pub.receive(timeout: 0.5).isEmpty, "indications are never answered")
        XCTAssertEqual(try consent(), before, "an indication does not refresh consent")
        let drops = try sfu.eventLoop.submit { self.sfu.statistics().drops }.wait()
        XCTAssertEqual(drops["stunIndication"], 1, "\(drops)")
        XCTAssertEqual(try sfu.eventLoop.submit { self.sfu.statistics().transports }.wait(), 1, "the transport lives on")
    }
}
