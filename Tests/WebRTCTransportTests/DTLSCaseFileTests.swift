import Foundation
import XCTest
@testable import WebRTCTransport

/// BH-14: a real OpenSSL ClientHello split over two datagrams must be reassembled and answered.
final class DTLSCaseFileTests: XCTestCase {
    /// Datagrams of a `cases/*.hex` file (shared loader: `CaseFiles`, honours PARLEY_CASES_DIR).
    static func datagrams(_ name: String) throws -> [[UInt8]] { try CaseFiles.packets(name) }

    func testFragmentedClientHelloIsReassembledAndAnswered() throws {
        let hello = try Self.datagrams("BH-14-dtls-clienthello-fragmented.hex")
        guard hello.map(\.count) == [228, 127] else { return XCTFail("BH-14 datagrams: \(hello.map(\.count))") }
        let server = try DTLSEndpoint(context: DTLSContext(certificate: DTLSCertificate()), role: .server,
                                      expectedPeerFingerprint: nil)
        XCTAssertTrue(server.receive(hello[0]).isEmpty, "half a ClientHello must not be answered yet")
        let flight = server.receive(hello[1])
        XCTAssertNil(server.failure)
        XCTAssertFalse(flight.isEmpty, "the reassembled ClientHello must be answered (ServerHello flight)")
        XCTAssertTrue(flight.allSatisfy { $0.count <= DTLSEndpoint.mtu }, "our flight is fragmented to the MTU")
        XCTAssertEqual(flight.first?.first, 22, "handshake record")
        XCTAssertEqual(flight.first.map { Array($0[13...13]) }, [2], "first message is ServerHello")
    }

    func testFragmentsInReverseOrderAreReassembledToo() throws {
        let hello = try Self.datagrams("BH-14-dtls-clienthello-fragmented.hex")
        guard hello.count == 2 else { return XCTFail("BH-14 datagrams: \(hello.map(\.count))") }
        let server = try DTLSEndpoint(context: DTLSContext(certificate: DTLSCertificate()), role: .server,
                                      expectedPeerFingerprint: nil)
        _ = server.receive(hello[1])
        let flight = server.receive(hello[0])
        XCTAssertNil(server.failure)
        XCTAssertFalse(flight.isEmpty)
    }

    /// BH-14: the ClientHello's use_srtp offers 0x0007 (AEAD_AES_128_GCM) and 0x0001
    /// (AES128_CM_HMAC_SHA1_80); the ServerHello must pick one of them — GCM, the first offered.
    func testServerHelloPicksAnOfferedSRTPProfile() throws {
        let hello = try Self.datagrams("BH-14-dtls-clienthello-fragmented.hex")
        guard hello.count == 2 else { return XCTFail("BH-14 datagrams: \(hello.map(\.count))") }
        let server = try DTLSEndpoint(context: DTLSContext(certificate: DTLSCertificate()), role: .server,
                                      expectedPeerFingerprint: nil)
        _ = server.receive(hello[0])
        let record = try XCTUnwrap(server.receive(hello[1]).first)
        // Record header (13) + handshake header (12), then ServerHello: version (2), random (32),
        // session id (1 + n), cipher suite (2), compression (1), extensions (2 + list).
        var at = 13 + 12 + 2 + 32
        guard record.count > at else { return XCTFail("short ServerHello record") }
        at += 1 + Int(record[at]) + 2 + 1
        guard record.count >= at + 2 else { return XCTFail("no extensions") }
        let end = min(record.count, at + 2 + (Int(record[at]) << 8 | Int(record[at + 1])))
        at += 2
        var profiles: [UInt16] = []
        while at + 4 <= end {
            let type = Int(record[at]) << 8 | Int(record[at + 1])
            let length = Int(record[at + 2]) << 8 | Int(record[at + 3])
            if type == 0x000e, length >= 4, at + 4 + length <= end {
                let listLength = Int(record[at + 4]) << 8 | Int(record[at + 5])
                for i in stride(from: 0, to: min(listLength, length - 2), by: 2) {
                    profiles.append(UInt16(record[at + 6 + i]) << 8 | UInt16(record[at + 7 + i]))
                }
            }
            at += 4 + length
        }
        XCTAssertEqual(profiles, [0x0007], "use_srtp in the ServerHello: exactly one profile, AEAD_AES_128_GCM")
    }
}
