import Foundation
import XCTest
@testable import WebRTCTransport

/// BH-14: a real OpenSSL ClientHello split over two datagrams must be reassembled and answered.
final class DTLSCaseFileTests: XCTestCase {
    /// Datagrams of a `cases/*.hex` file (`#` comments, blank line between datagrams).
    static func datagrams(_ name: String) throws -> [[UInt8]] {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().resolvingSymlinksInPath()
        let root = tests.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("shared/cases/\(name)")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing \(url.path): ../shared/cases must sit beside the repository")
            return []
        }
        var result: [[UInt8]] = [], current: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.isEmpty {   // a comment or blank line ends a datagram
                if !current.isEmpty { result.append(current); current = [] }
                continue
            }
            // Hex with or without spaces between bytes.
            let digits = Array(trimmed.filter { !$0.isWhitespace })
            guard digits.count % 2 == 0 else { XCTFail("odd hex digit count in \(name)"); return [] }
            for i in stride(from: 0, to: digits.count, by: 2) {
                guard let byte = UInt8(String(digits[i...i + 1]), radix: 16) else {
                    XCTFail("bad hex in \(name)"); return []
                }
                current.append(byte)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

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
}
