import XCTest
@testable import WebRTCTransport

final class DTLSHandshakeTests: XCTestCase {
    /// Runs a full in-memory handshake; returns (client, server) endpoints.
    private func handshake(serverCert: DTLSCertificate, clientCert: DTLSCertificate,
                           expectServer: String?, expectClient: String?) throws -> (DTLSEndpoint, DTLSEndpoint) {
        let server = try DTLSEndpoint(context: DTLSContext(certificate: serverCert), role: .server,
                                      expectedPeerFingerprint: expectClient)
        let client = try DTLSEndpoint(context: DTLSContext(certificate: clientCert), role: .client,
                                      expectedPeerFingerprint: expectServer)
        var toServer = client.start()
        XCTAssertFalse(toServer.isEmpty, "client must send a ClientHello")
        var rounds = 0
        while !(client.isConnected && server.isConnected) && rounds < 20 {
            var toClient: [[UInt8]] = []
            for d in toServer { toClient += server.receive(d) }
            toServer = []
            for d in toClient { toServer += client.receive(d) }
            rounds += 1
            if client.failure != nil || server.failure != nil { break }
        }
        return (client, server)
    }

    func testHandshakeExportsMatchingSRTPKeysAndPrefersGCM() throws {
        let a = try DTLSCertificate(), b = try DTLSCertificate()
        let (client, server) = try handshake(serverCert: a, clientCert: b,
                                             expectServer: a.sha256Fingerprint, expectClient: b.sha256Fingerprint)
        XCTAssertNil(client.failure); XCTAssertNil(server.failure)
        XCTAssertTrue(client.isConnected); XCTAssertTrue(server.isConnected)
        let ck = try XCTUnwrap(client.keyingMaterial), sk = try XCTUnwrap(server.keyingMaterial)
        XCTAssertEqual(ck.profile, .aeadAes128Gcm)
        XCTAssertEqual(ck.localKeyAndSalt, sk.remoteKeyAndSalt)
        XCTAssertEqual(ck.remoteKeyAndSalt, sk.localKeyAndSalt)
        XCTAssertEqual(ck.localKeyAndSalt.count, 28)
        XCTAssertNotEqual(ck.localKeyAndSalt, ck.remoteKeyAndSalt)
    }

    func testFingerprintMismatchFailsTheHandshake() throws {
        let a = try DTLSCertificate(), b = try DTLSCertificate(), other = try DTLSCertificate()
        let (client, _) = try handshake(serverCert: a, clientCert: b,
                                        expectServer: other.sha256Fingerprint, expectClient: b.sha256Fingerprint)
        XCTAssertFalse(client.isConnected)
        guard case .fingerprintMismatch(let expected, let actual)? = client.failure else {
            return XCTFail("expected a fingerprint mismatch, got \(String(describing: client.failure))")
        }
        XCTAssertEqual(expected, other.sha256Fingerprint)
        XCTAssertEqual(actual, a.sha256Fingerprint)
    }

    func testFingerprintFormat() throws {
        let cert = try DTLSCertificate()
        XCTAssertEqual(cert.sha256Fingerprint.count, 95)
        XCTAssertEqual(cert.sha256Fingerprint.split(separator: ":").count, 32)
        XCTAssertEqual(DTLSCertificate.formatFingerprint([0x0a, 0xff, 0x00]), "0A:FF:00")
    }

    func testGarbageDatagramsNeverCrashOrConnect() throws {
        let server = try DTLSEndpoint(context: DTLSContext(certificate: DTLSCertificate()), role: .server,
                                      expectedPeerFingerprint: nil)
        var rng = SystemRandomNumberGenerator()
        for n in 0..<2000 {
            var d = (0..<(n % 300)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !d.isEmpty { d[0] = 22 }   // handshake content type
            _ = server.receive(d)
        }
        XCTAssertFalse(server.isConnected)
    }

    func testServerRetransmitsOnTimeout() throws {
        let a = try DTLSCertificate(), b = try DTLSCertificate()
        let server = try DTLSEndpoint(context: DTLSContext(certificate: a), role: .server, expectedPeerFingerprint: nil)
        let client = try DTLSEndpoint(context: DTLSContext(certificate: b), role: .client, expectedPeerFingerprint: nil)
        let hello = client.start()
        XCTAssertEqual(hello.count, 1)
        XCTAssertNotNil(client.timeoutMilliseconds())
        var flight: [[UInt8]] = []
        for d in hello { flight += server.receive(d) }
        XCTAssertFalse(flight.isEmpty, "server must answer the ClientHello with its flight")
        XCTAssertTrue(flight.allSatisfy { $0.count <= DTLSEndpoint.mtu })
    }

    func testSRTPRoundTripAndTamperRejection() throws {
        let a = try DTLSCertificate(), b = try DTLSCertificate()
        let (client, server) = try handshake(serverCert: a, clientCert: b, expectServer: nil, expectClient: nil)
        let ck = try XCTUnwrap(client.keyingMaterial), sk = try XCTUnwrap(server.keyingMaterial)
        for profile in SRTPProtectionProfile.allCases {
            let keyLen = profile.keyLength + profile.saltLength
            let localKey = Array(ck.localKeyAndSalt.prefix(16)) + Array(repeating: 7, count: keyLen - 16)
            let out = try SRTPContext(profile: profile, keyAndSalt: localKey, direction: .outbound)
            let inb = try SRTPContext(profile: profile, keyAndSalt: localKey, direction: .inbound)
            var rtp: [UInt8] = [0x80, 96, 0x12, 0x34, 0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef] + (0..<100).map { UInt8($0) }
            let plain = rtp
            try out.protectRTP(&rtp)
            XCTAssertEqual(rtp.count, plain.count + (profile == .aeadAes128Gcm ? 16 : 10))
            XCTAssertNotEqual(Array(rtp[12..<112]), Array(plain[12...]))
            var tampered = rtp
            tampered[20] ^= 1
            XCTAssertThrowsError(try inb.unprotectRTP(&tampered))
            try inb.unprotectRTP(&rtp)
            XCTAssertEqual(rtp, plain)
            var replay = plain
            try out.protectRTP(&replay)
            XCTAssertThrowsError(try inb.unprotectRTP(&replay), "a replayed packet must be rejected")
            var rtcp: [UInt8] = [0x81, 206, 0, 2, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef]
            let plainRTCP = rtcp
            try out.protectRTCP(&rtcp)
            try inb.unprotectRTCP(&rtcp)
            XCTAssertEqual(rtcp, plainRTCP)
        }
        // The exported keys interoperate across the two ends: client protects, server unprotects.
        let clientOut = try SRTPContext(profile: ck.profile, keyAndSalt: ck.localKeyAndSalt, direction: .outbound)
        let serverIn = try SRTPContext(profile: sk.profile, keyAndSalt: sk.remoteKeyAndSalt, direction: .inbound)
        var packet: [UInt8] = [0x80, 111, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4, 0xaa, 0xbb]
        let original = packet
        try clientOut.protectRTP(&packet)
        try serverIn.unprotectRTP(&packet)
        XCTAssertEqual(packet, original)
    }

    func testSRTPRejectsWrongKeyLength() {
        XCTAssertThrowsError(try SRTPContext(profile: .aeadAes128Gcm, keyAndSalt: [1, 2, 3], direction: .inbound))
    }
}
