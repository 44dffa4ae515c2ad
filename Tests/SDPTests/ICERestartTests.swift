import XCTest
@testable import SDP

/// BH-11: ICE restart re-offer.
final class ICERestartTests: XCTestCase {
    func testSecondOfferIsARestartAndKeepsDTLSParameters() throws {
        let first = try Cases.parse("BH-11-ice-restart-offer-1.sdp")
        let second = try Cases.parse("BH-11-ice-restart-offer-2.sdp")
        let firstAnswer = try answerPublisherOffer(first, local: Fixtures.local)
        XCTAssertEqual(firstAnswer.remoteICE, ICECredentials(ufrag: "Rs1a", pwd: "Jq4Wm8Xt2Nv6Pk9Lz3Hb7Cd"))

        XCTAssertFalse(isICERestart(previous: firstAnswer.remoteICE, offer: first), "same offer again is no restart")
        XCTAssertTrue(isICERestart(previous: firstAnswer.remoteICE, offer: second))
        XCTAssertEqual(second.origin.sessionVersion, 3)

        // The server answers with new credentials; DTLS/SRTP inputs are unchanged.
        var restarted = Fixtures.local
        restarted.iceUfrag = "SfuV"
        restarted.icePwd = "AnotherServerPassword24c"
        restarted.sessionVersion = 2
        let secondAnswer = try answerPublisherOffer(second, local: restarted)
        XCTAssertEqual(secondAnswer.remoteICE, ICECredentials(ufrag: "Rs2b", pwd: "Fy6Tn1Qr5Gw9Mk3Xv7Bp2Ls"))
        XCTAssertEqual(secondAnswer.remoteFingerprint, firstAnswer.remoteFingerprint)
        XCTAssertEqual(secondAnswer.remoteSetup, firstAnswer.remoteSetup)
        XCTAssertEqual(secondAnswer.dtlsRole, firstAnswer.dtlsRole)
        XCTAssertEqual(secondAnswer.media.map(\.ssrcs), firstAnswer.media.map(\.ssrcs))
        XCTAssertEqual(secondAnswer.media.map(\.mid), firstAnswer.media.map(\.mid))
        let firstICE = firstAnswer.answer.media[0].attributeValues("ice-ufrag") + firstAnswer.answer.media[0].attributeValues("ice-pwd")
        let secondICE = secondAnswer.answer.media[0].attributeValues("ice-ufrag") + secondAnswer.answer.media[0].attributeValues("ice-pwd")
        XCTAssertEqual(firstICE, ["SfuU", "ServerPasswordOf24Chars0"])
        XCTAssertEqual(secondICE, ["SfuV", "AnotherServerPassword24c"])
        XCTAssertEqual(Fixtures.lines(secondAnswer.answer)[1], "o=- 1234567890 2 IN IP4 203.0.113.7")
    }

    func testChangeOfPasswordAloneIsARestart() throws {
        let first = try Cases.parse("BH-11-ice-restart-offer-1.sdp")
        XCTAssertTrue(isICERestart(previous: ICECredentials(ufrag: "Rs1a", pwd: "SomeOtherPassword22chars"), offer: first))
        XCTAssertTrue(isICERestart(previous: ICECredentials(ufrag: "Zz1a", pwd: "Jq4Wm8Xt2Nv6Pk9Lz3Hb7Cd"), offer: first))
    }

    func testSessionLevelCredentialsAndRejectedSectionsAreHandled() throws {
        // Credentials only at session level; a rejected section with other credentials is ignored.
        let text = """
        v=0
        o=- 1 2 IN IP4 0.0.0.0
        s=-
        t=0 0
        a=ice-ufrag:sess
        a=ice-pwd:SessionLevelPassword2222
        m=audio 9 UDP/TLS/RTP/SAVPF 111
        a=mid:0
        m=video 0 UDP/TLS/RTP/SAVPF 96
        a=mid:1
        a=ice-ufrag:old1
        a=ice-pwd:OldPasswordOfTheSection22

        """
        let offer = try SessionDescription.parse(text)
        XCTAssertFalse(isICERestart(previous: ICECredentials(ufrag: "sess", pwd: "SessionLevelPassword2222"), offer: offer))
        XCTAssertTrue(isICERestart(previous: ICECredentials(ufrag: "old1", pwd: "OldPasswordOfTheSection22"), offer: offer))
    }
}
