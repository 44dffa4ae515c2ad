import STUN
import XCTest
@testable import WebRTCClient

final class ICEControllingAgentTests: XCTestCase {
    let creds = ICECredentialPair(localUfrag: "cliA", localPassword: "clientpassword0123456789",
                                  remoteUfrag: "SfuU", remotePassword: "serverpassword0123456789")
    let client = STUNTransportAddress(ip: [127, 0, 0, 1], port: 40000)

    /// What the ICE-lite server (Parley's responder) answers.
    private func serverAnswer(_ request: [UInt8]) -> [UInt8]? {
        let decision = ICELiteResponder().handle(request, from: client) { $0 == "SfuU" ? "serverpassword0123456789" : nil }
        if case .respond(let bytes, let local, let remote, let nominated) = decision {
            XCTAssertEqual(local, "SfuU")
            XCTAssertEqual(remote, "cliA")
            XCTAssertTrue(nominated)
            return bytes
        }
        XCTFail("server dropped the check: \(decision)")
        return nil
    }

    func testCheckIsAcceptedByICELiteResponderAndConnects() throws {
        var agent = ICEControllingAgent(credentials: creds, tieBreaker: 42)
        let request = agent.start(now: 10)
        let message = try STUNMessage.parse(request)
        XCTAssertEqual(message.username, "SfuU:cliA")
        XCTAssertEqual(message.iceControlling, 42)
        XCTAssertTrue(message.useCandidate)
        XCTAssertEqual(agent.state, .checking)
        let response = try XCTUnwrap(serverAnswer(request))
        XCTAssertTrue(agent.handleResponse(response, now: 10.004))
        XCTAssertEqual(agent.state, .connected)
        XCTAssertEqual(agent.firstRoundTrip ?? -1, 0.004, accuracy: 1e-9)
        // The same response again matches no outstanding transaction.
        XCTAssertFalse(agent.handleResponse(response, now: 10.01))
    }

    func testRetransmitsThenFailsAfterCheckTimeout() {
        var agent = ICEControllingAgent(credentials: creds)
        _ = agent.start(now: 0)
        XCTAssertNil(agent.poll(now: 0.01))            // not due yet
        XCTAssertNotNil(agent.poll(now: 0.06))
        var t = 0.06
        var sent = 2
        while t < 11 {
            t += 0.05
            if agent.poll(now: t) != nil { sent += 1 }
        }
        guard case .failed(let reason) = agent.state else { return XCTFail("expected failure, got \(agent.state)") }
        XCTAssertTrue(reason.contains("no authenticated Binding response"), reason)
        XCTAssertEqual(agent.requestsSent, sent)
        XCTAssertGreaterThan(sent, 90)   // one check per 50–100 ms for 10 s
        XCTAssertNil(agent.poll(now: t + 1))
    }

    func testConsentChecksEveryFiveSecondsAndExpiryAfterThirty() throws {
        var agent = ICEControllingAgent(credentials: creds)
        let first = agent.start(now: 0)
        XCTAssertTrue(agent.handleResponse(try XCTUnwrap(serverAnswer(first)), now: 0.001))
        XCTAssertNil(agent.poll(now: 4.9))
        let consent = try XCTUnwrap(agent.poll(now: 5.0))
        XCTAssertTrue(agent.handleResponse(try XCTUnwrap(serverAnswer(consent)), now: 5.001))
        XCTAssertEqual(agent.state, .connected)
        // No more answers: consent expires 30 s after the last response.
        var t = 5.0
        while t < 34.9 { t += 0.5; _ = agent.poll(now: t) }
        XCTAssertEqual(agent.state, .connected)
        _ = agent.poll(now: 35.1)
        guard case .failed(let reason) = agent.state else { return XCTFail("consent should have expired") }
        XCTAssertTrue(reason.contains("RFC 7675"))
    }

    func testResponsesWithBadIntegrityOrHostileBytesAreIgnored() throws {
        var agent = ICEControllingAgent(credentials: creds)
        let request = agent.start(now: 0)
        let id = try STUNMessage.parse(request).transactionID
        let forged = STUNMessage.bindingSuccessResponse(transactionID: id, mapped: client, integrityKey: Array("wrongpassword".utf8))
        XCTAssertFalse(agent.handleResponse(forged, now: 0.01))
        let good = try XCTUnwrap(serverAnswer(request))
        for length in 0..<good.count { XCTAssertFalse(agent.handleResponse(Array(good.prefix(length)), now: 0.01)) }
        var rng = SeededRandom(3)
        for _ in 0..<2_000 {
            let junk = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertFalse(agent.handleResponse(junk, now: 0.01))
            XCTAssertNil(agent.handleRequest(junk, from: client))
        }
        // Case files: a Chrome binding request is a request, not a response.
        let chrome = hexBytes(try sharedCase("BH-13-stun-chrome-binding-request.hex"))
        XCTAssertFalse(agent.handleResponse(chrome, now: 0.01))
        XCTAssertEqual(agent.state, .checking)
        XCTAssertTrue(agent.handleResponse(good, now: 0.02))
    }

    func testAnswersPeerChecksWithLocalPassword() throws {
        let agent = ICEControllingAgent(credentials: creds)
        let peerCheck = STUNMessage.bindingRequest(transactionID: STUNMessage.randomTransactionID(), username: "cliA:SfuU",
                                                   integrityKey: Array("clientpassword0123456789".utf8), priority: 1,
                                                   iceControlled: 5)
        let reply = try XCTUnwrap(agent.handleRequest(peerCheck, from: client))
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(reply, key: Array("clientpassword0123456789".utf8)))
        XCTAssertEqual(try STUNMessage.parse(reply).xorMappedAddress, client)
        let wrongUfrag = STUNMessage.bindingRequest(transactionID: STUNMessage.randomTransactionID(), username: "other:SfuU",
                                                    integrityKey: Array("clientpassword0123456789".utf8))
        XCTAssertNil(agent.handleRequest(wrongUfrag, from: client))
    }
}
