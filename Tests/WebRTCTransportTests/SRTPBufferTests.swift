import NIOCore
import XCTest
@testable import WebRTCTransport

/// The ByteBuffer paths of `SRTPContext` (protect into the outgoing datagram, unprotect into an
/// exact-size array) must give the same bytes as the array paths and reject what they reject.
final class SRTPBufferTests: XCTestCase {
    private func key(_ profile: SRTPProtectionProfile, seed: UInt8) -> [UInt8] {
        (0..<(profile.keyLength + profile.saltLength)).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) }
    }

    private func rtp(sequence: UInt16, payload: Int) -> [UInt8] {
        [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 1, 0, 0xca, 0xfe, 0, 1]
            + (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
    }

    func testProtectIntoBufferEqualsProtectInPlaceForBothProfiles() throws {
        for profile in SRTPProtectionProfile.allCases {
            let k = key(profile, seed: 3)
            let arrayPath = try SRTPContext(profile: profile, keyAndSalt: k, direction: .outbound)
            let bufferPath = try SRTPContext(profile: profile, keyAndSalt: k, direction: .outbound)
            let inbound = try SRTPContext(profile: profile, keyAndSalt: k, direction: .inbound)
            for (i, size) in [0, 1, 160, 1188].enumerated() {
                let plain = rtp(sequence: UInt16(100 + i), payload: size)
                var expected = plain
                try arrayPath.protectRTP(&expected)
                var buffer = ByteBufferAllocator().buffer(capacity: 0)
                buffer.writeBytes([0xee, 0xee])   // bytes already in the buffer stay in front
                try bufferPath.protect(plain, rtcp: false, into: &buffer)
                XCTAssertEqual(Array(buffer.readableBytesView), [0xee, 0xee] + expected, "\(profile) size \(size)")
                buffer.moveReaderIndex(forwardBy: 2)
                let decrypted = try buffer.withUnsafeReadableBytes { try inbound.unprotect($0, rtcp: false) }
                XCTAssertEqual(decrypted, plain)
                XCTAssertEqual(decrypted.count, plain.count)
            }
            let rtcp: [UInt8] = [0x81, 201, 0, 7, 0, 0, 0, 1, 0xca, 0xfe, 0, 1] + Array(repeating: 0x33, count: 20)
            var expected = rtcp
            try arrayPath.protectRTCP(&expected)
            var buffer = ByteBufferAllocator().buffer(capacity: 0)
            try bufferPath.protect(rtcp, rtcp: true, into: &buffer)
            XCTAssertEqual(Array(buffer.readableBytesView), expected)
            let decrypted = try buffer.withUnsafeReadableBytes { try inbound.unprotect($0, rtcp: true) }
            XCTAssertEqual(decrypted, rtcp)
        }
    }

    func testUnprotectRejectsTamperingReplayTruncationAndGarbage() throws {
        let profile = SRTPProtectionProfile.aeadAes128Gcm
        let k = key(profile, seed: 9)
        let out = try SRTPContext(profile: profile, keyAndSalt: k, direction: .outbound)
        let inbound = try SRTPContext(profile: profile, keyAndSalt: k, direction: .inbound)
        var packet = rtp(sequence: 7, payload: 100)
        try out.protectRTP(&packet)

        // Every truncation fails (auth or framing) and never crashes.
        for length in 0..<packet.count {
            let cut = Array(packet.prefix(length))
            XCTAssertThrowsError(try cut.withUnsafeBytes { try inbound.unprotect($0, rtcp: false) }, "length \(length)")
        }
        var tampered = packet
        tampered[30] ^= 0x01
        XCTAssertThrowsError(try tampered.withUnsafeBytes { try inbound.unprotect($0, rtcp: false) }) { error in
            XCTAssertEqual(error as? SRTPError, .unprotect(Int32(srtp_err_status_auth_fail_raw)))
        }
        let plain = try packet.withUnsafeBytes { try inbound.unprotect($0, rtcp: false) }
        XCTAssertEqual(plain, rtp(sequence: 7, payload: 100))
        XCTAssertThrowsError(try packet.withUnsafeBytes { try inbound.unprotect($0, rtcp: false) }, "replay")

        var rng = SystemRandomNumberGenerator()
        for n in 0..<300 {
            var garbage = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !garbage.isEmpty { garbage[0] = 0x80 }
            XCTAssertThrowsError(try garbage.withUnsafeBytes { try inbound.unprotect($0, rtcp: n % 2 == 0) })
        }
        let huge = [UInt8](repeating: 0x80, count: SRTPContext.maxPacketSize + 1)
        XCTAssertThrowsError(try huge.withUnsafeBytes { try inbound.unprotect($0, rtcp: false) }) { error in
            XCTAssertEqual(error as? SRTPError, .tooLarge(SRTPContext.maxPacketSize + 1))
        }
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        XCTAssertThrowsError(try out.protect(huge, rtcp: false, into: &buffer))
        XCTAssertEqual(buffer.readableBytes, 0, "nothing written on error")
    }
}

/// libsrtp's srtp_err_status_auth_fail (7), spelled out so the test does not import CSRTP.
private let srtp_err_status_auth_fail_raw: UInt32 = 7
