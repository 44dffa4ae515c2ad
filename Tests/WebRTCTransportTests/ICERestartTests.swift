import Logging
import NIOCore
import NIOPosix
import STUN
import XCTest
@testable import WebRTCTransport

/// BH-11: ICE restart at the transport (RFC 8445 §9, RFC 5245 §9.2.1.1). New local credentials,
/// old ufrag rejected and counted, DTLS and both SRTP contexts untouched.
final class ICERestartTests: MediaSocketTestCase {
    /// The remote ufrag of the restart offer in shared/cases (BH-11-ice-restart-offer-2.sdp).
    private func restartOfferUfrag() throws -> String {
        let sdp = try CaseFiles.text("BH-11-ice-restart-offer-2.sdp")
        let line = sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("a=ice-ufrag:") }
        return try XCTUnwrap(line.map { String($0.dropFirst("a=ice-ufrag:".count)) })
    }

    /// Waits until the socket counted `total` drops; returns the counters.
    private func drops(reaching total: Int) throws -> [MediaDropReason: Int] {
        let deadline = Date().addingTimeInterval(2)
        while true {
            let drops = try socket.eventLoop.submit { self.socket.drops }.wait()
            if drops.values.reduce(0, +) >= total || Date() > deadline { return drops }
            usleep(2_000)
        }
    }

    func testRestartChangesCredentialsRejectsOldUfragAndKeepsDTLSAndSRTP() throws {
        let peer = try LoopbackPeer(socket: socket, serverContext: serverContext, group: group)
        try peer.connect()
        let old = try peer.onLoop { $0.localCredentials }

        var first = LoopbackPeer.rtp(sequence: 1)
        let firstPlain = first
        try peer.srtpOut.protectRTP(&first)
        try peer.client.send(first, to: peer.server)
        XCTAssertEqual(peer.delegate.waitForRTP(count: 1), [firstPlain])
        // Protected with the pre-restart session, sent only after the restart.
        var early = LoopbackPeer.rtp(sequence: 2, fill: 0x17)
        let earlyPlain = early
        try peer.srtpOut.protectRTP(&early)

        let (new, generation, state, retired, count) = try peer.onLoop { t in
            (t.restartICE(), t.iceGeneration, t.state, t.retiredUfrags, self.socket.transportCount)
        }
        XCTAssertNotEqual(new.ufrag, old.ufrag)
        XCTAssertNotEqual(new.password, old.password)
        XCTAssertEqual(new.ufrag.count, 8)
        XCTAssertEqual(new.password.count, 24)
        XCTAssertEqual(generation, 1)
        XCTAssertEqual(state, .connected, "an ICE restart keeps the DTLS association")
        XCTAssertEqual(retired, [old.ufrag])
        XCTAssertEqual(count, 1)

        // Old ufrag (with its own, formerly valid password): no answer, counted as retired.
        try peer.client.send(peer.bindingRequest(ufrag: old.ufrag, password: old.password), to: peer.server)
        var drops = try self.drops(reaching: 1)
        XCTAssertEqual(drops[.stunRetiredUfrag], 1)
        // New ufrag keyed with the old password: bad integrity.
        try peer.client.send(peer.bindingRequest(ufrag: new.ufrag, password: old.password), to: peer.server)
        drops = try self.drops(reaching: 2)
        XCTAssertEqual(drops[.stunBadIntegrity], 1)
        XCTAssertEqual(drops.values.reduce(0, +), 2)
        XCTAssertTrue(peer.client.take(timeout: 0.2).isEmpty, "checks with stale credentials get no answer")

        // New ufrag + new password, remote ufrag of the BH-11 restart offer: success.
        let remoteUfrag = try restartOfferUfrag()
        XCTAssertEqual(remoteUfrag, "Rs2b")
        let tid = STUNMessage.randomTransactionID()
        let request = STUNMessage.bindingRequest(transactionID: tid, username: "\(new.ufrag):\(remoteUfrag)",
                                                 integrityKey: Array(new.password.utf8), priority: 1_845_501_695,
                                                 iceControlling: 7, useCandidate: true)
        try peer.client.send(request, to: peer.server)
        let responses = peer.client.take()
        XCTAssertEqual(responses.count, 1, "exactly the STUN response: no new DTLS flight")
        let raw = try XCTUnwrap(responses.first)
        let response = try STUNMessage.parse(raw)
        XCTAssertEqual(response.messageType, 0x0101)
        XCTAssertEqual(response.transactionID, tid)
        XCTAssertEqual(response.xorMappedAddress?.port, UInt16(try XCTUnwrap(peer.client.channel.localAddress?.port)))
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: Array(new.password.utf8)))
        XCTAssertFalse(STUNMessage.verifyMessageIntegrity(raw, key: Array(old.password.utf8)))
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))

        // SRTP continues both ways with the contexts from the one handshake.
        try peer.client.send(early, to: peer.server)
        var later = LoopbackPeer.rtp(sequence: 3, fill: 0x99)
        let laterPlain = later
        try peer.srtpOut.protectRTP(&later)
        try peer.client.send(later, to: peer.server)
        XCTAssertEqual(peer.delegate.waitForRTP(count: 3), [firstPlain, earlyPlain, laterPlain])

        let reply = LoopbackPeer.rtp(sequence: 900, payload: 20, fill: 0x5a)
        try peer.onLoop { $0.sendRTP(reply) }
        var got = try XCTUnwrap(peer.client.take().first)
        try peer.srtpIn.unprotectRTP(&got)
        XCTAssertEqual(got, reply)

        let (connects, finalState, srtpFailures) = try peer.onLoop { t in
            (peer.delegate.connects.withLockedValue { $0 }, t.state, t.counters.srtpFailures)
        }
        XCTAssertEqual(connects, 1, "no second DTLS handshake")
        XCTAssertEqual(finalState, .connected)
        XCTAssertEqual(srtpFailures, 0)
    }

    func testRetiredUfragsAreBoundedAndForgottenWhenTheTransportCloses() throws {
        let peer = try LoopbackPeer(socket: socket, serverContext: serverContext, group: group)
        var ufrags = [try peer.onLoop { $0.localUfrag }]
        for _ in 0..<6 { ufrags.append(try peer.onLoop { $0.restartICE().ufrag }) }
        XCTAssertEqual(Set(ufrags).count, 7, "every generation has its own ufrag")
        let (retired, generation) = try peer.onLoop { ($0.retiredUfrags, $0.iceGeneration) }
        XCTAssertEqual(generation, 6)
        XCTAssertEqual(retired, Array(ufrags[2..<6]), "the last \(PeerTransport.retiredUfragLimit) earlier ufrags")

        // Oldest ufrag is forgotten (unknown), a recent one is retired.
        try peer.client.send(peer.bindingRequest(ufrag: ufrags[0], password: "x"), to: peer.server)
        try peer.client.send(peer.bindingRequest(ufrag: ufrags[5], password: "x"), to: peer.server)
        var drops = try self.drops(reaching: 2)
        XCTAssertEqual(drops[.stunUnknownUfrag], 1)
        XCTAssertEqual(drops[.stunRetiredUfrag], 1)

        // Current credentials work; after close every ufrag of the transport is unknown.
        let current = try peer.onLoop { $0.localCredentials }
        try peer.client.send(peer.bindingRequest(ufrag: current.ufrag, password: current.password), to: peer.server)
        XCTAssertEqual(peer.client.take().count, 1)
        let afterClose = try peer.onLoop { t -> ICECredentials in
            t.close()
            return t.restartICE()
        }
        XCTAssertEqual(afterClose, current, "a closed transport keeps its credentials")
        try peer.client.send(peer.bindingRequest(ufrag: ufrags[5], password: "x"), to: peer.server)
        try peer.client.send(peer.bindingRequest(ufrag: current.ufrag, password: current.password), to: peer.server)
        drops = try self.drops(reaching: 4)
        XCTAssertEqual(drops[.stunUnknownUfrag], 3)
        XCTAssertEqual(drops[.stunRetiredUfrag], 1)
        XCTAssertEqual(try socket.eventLoop.submit { self.socket.transportCount }.wait(), 0)
    }

    func testRestartBeforeRegistrationOnlyChangesCredentials() throws {
        let (before, after, generation, registeredCount) = try socket.eventLoop.submit {
            () -> (ICECredentials, ICECredentials, Int, Int) in
            let transport = PeerTransport(dtlsContext: self.serverContext)
            let before = transport.localCredentials
            let after = transport.restartICE()
            self.socket.register(transport)
            return (before, after, transport.iceGeneration, self.socket.transportCount)
        }.wait()
        XCTAssertNotEqual(before.ufrag, after.ufrag)
        XCTAssertNotEqual(before.password, after.password)
        XCTAssertEqual(generation, 1)
        XCTAssertEqual(registeredCount, 1)
        // Registered under the new ufrag only: a check with the new credentials is answered.
        let client = try LoopbackUDPClient(group: group)
        let request = STUNMessage.bindingRequest(transactionID: STUNMessage.randomTransactionID(),
                                                 username: "\(after.ufrag):r", integrityKey: Array(after.password.utf8),
                                                 priority: 1, iceControlling: 1, useCandidate: true)
        try client.send(request, to: socket.localAddress)
        let responses = client.take()
        XCTAssertEqual(responses.count, 1)
        XCTAssertTrue(responses.first.map { STUNMessage.verifyMessageIntegrity($0, key: Array(after.password.utf8)) } ?? false)
    }
}
