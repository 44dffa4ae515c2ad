import NIOCore
import XCTest
@testable import WebRTCTransport

/// `SRTPAEADSender` (outbound AES-GCM over OpenSSL) must produce libsrtp's bytes packet for packet,
/// and refuse what libsrtp refuses, whatever the sequence numbers do.
final class SRTPAEADSenderTests: XCTestCase {
    private let key: [UInt8] = (0..<28).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    /// A pair of outbound GCM contexts with the same key: OpenSSL path and libsrtp reference.
    private func pair() throws -> (fast: SRTPContext, reference: SRTPContext) {
        (try SRTPContext(profile: .aeadAes128Gcm, keyAndSalt: key, direction: .outbound, replayWindow: 1024,
                         aeadOverOpenSSL: true),
         try SRTPContext(profile: .aeadAes128Gcm, keyAndSalt: key, direction: .outbound, replayWindow: 1024,
                         aeadOverOpenSSL: false))
    }

    private func rtp(seq: UInt16, ssrc: UInt32 = 0x1122_3344, payload: Int = 60, csrcs: Int = 0,
                     extensionWords: Int? = nil, padding: Bool = false) -> [UInt8] {
        var first: UInt8 = 0x80 | UInt8(csrcs & 0x0f)
        if extensionWords != nil { first |= 0x10 }
        if padding { first |= 0x20 }
        var p: [UInt8] = [first, 96, UInt8(seq >> 8), UInt8(seq & 0xff), 0, 1, 2, 3,
                          UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)]
        for c in 0..<csrcs { p += [0, 0, 0, UInt8(c)] }
        if let words = extensionWords {
            p += [0xbe, 0xde, UInt8(words >> 8), UInt8(words & 0xff)]
            p += (0..<(4 * words)).map { UInt8(truncatingIfNeeded: $0 + 1) }
        }
        p += (0..<payload).map { UInt8(truncatingIfNeeded: Int(seq) &+ $0) }
        if padding { p += [0, 0, 3] }
        return p
    }

    /// Protects `packet` with both contexts (array path on the fast one, and the ByteBuffer path on
    /// a copy when given); asserts equal bytes or both failing. Returns whether it succeeded.
    @discardableResult
    private func check(_ packet: [UInt8], _ fast: SRTPContext, _ reference: SRTPContext,
                       file: StaticString = #filePath, line: UInt = #line) -> Bool {
        var a = packet, b = packet
        let fastResult = Result { try fast.protectRTP(&a) }
        let referenceResult = Result { try reference.protectRTP(&b) }
        switch (fastResult, referenceResult) {
        case (.success, .success):
            XCTAssertEqual(a, b, "seq \(Int(packet[2]) << 8 | Int(packet[3]))", file: file, line: line)
            return true
        case (.failure, .failure):
            return false
        default:
            XCTFail("fast \(fastResult) vs libsrtp \(referenceResult) for seq \(Int(packet[2]) << 8 | Int(packet[3]))",
                    file: file, line: line)
            return false
        }
    }

    func testPRFMatchesRFC3711AppendixB3() throws {
        func hex(_ s: String) -> [UInt8] {
            stride(from: 0, to: s.count, by: 2).map { i in
                UInt8(s[s.index(s.startIndex, offsetBy: i)..<s.index(s.startIndex, offsetBy: i + 2)], radix: 16) ?? 0
            }
        }
        let masterKey = hex("E1F97A0D3E018BE0D64FA32C06DE4139"), masterSalt = hex("0EC675AD498AFEEBB6960B3AABE6")
        XCTAssertEqual(SRTPAEADSender.prf(masterKey: masterKey, masterSalt: masterSalt, label: 0, length: 16),
                       hex("C61E7A93744F39EE10734AFE3FF7A087"))
        XCTAssertEqual(SRTPAEADSender.prf(masterKey: masterKey, masterSalt: masterSalt, label: 2, length: 14),
                       hex("30CBBC08863D8C85D49DB34A9AE1"))
    }

    func testConsecutivePacketsAcrossTheSequenceWrapMatchLibsrtp() throws {
        for start in [UInt16(0), 1, 1000, 32_767, 32_769, 64_000, 65_535] {
            let (fast, reference) = try pair()
            var seq = start
            for i in 0..<2600 {
                XCTAssertTrue(check(rtp(seq: seq, payload: i % 1200), fast, reference))
                seq &+= 1
            }
        }
    }

    func testReorderingRetransmissionJumpsAndTooOldPacketsMatchLibsrtp() throws {
        let (fast, reference) = try pair()
        var steps: [UInt16] = [65_530, 65_531, 65_529, 65_533, 65_532, 65_532, 2, 65_534, 65_535, 0, 1, 3, 3]
        steps += [9_000, 8_990, 9_001, 7_900, 7_977, 7_978, 7_976, 40_000, 39_000, 41_000, 100, 60_000, 5]
        steps += [33_000, 65_535, 0, 32_000, 32_768, 32_767, 1, 65_000]
        var outcomes: [Bool] = []
        for seq in steps { outcomes.append(check(rtp(seq: seq), fast, reference)) }
        // 9 001 is the highest: 7 978 is 1 023 behind (sent), 7 977 and 7 976 are 1 024+ (refused).
        XCTAssertEqual(Array(outcomes[13...19]), [true, true, true, false, false, true, false])

        var rng = SystemRandomNumberGenerator()
        var seq: UInt16 = 20_000
        for _ in 0..<5000 {
            let step = Int(rng.next(upperBound: UInt64(2200))) - 1100   // back and forth around the window edge
            seq = UInt16(truncatingIfNeeded: Int(seq) + step)
            check(rtp(seq: seq, payload: 40), fast, reference)
        }
    }

    func testInterleavedSSRCsKeepSeparateIndices() throws {
        let (fast, reference) = try pair()
        var seqs: [UInt32: UInt16] = [1: 65_500, 2: 10, 0xdead_beef: 40_000]
        for i in 0..<600 {
            let ssrc = Array(seqs.keys).sorted()[i % 3]
            seqs[ssrc, default: 0] &+= 1
            XCTAssertTrue(check(rtp(seq: seqs[ssrc, default: 0], ssrc: ssrc), fast, reference))
        }
    }

    func testHeaderShapesAndMalformedHeaders() throws {
        let (fast, reference) = try pair()
        var seq: UInt16 = 500
        for csrcs in [0, 1, 15] {
            for ext in [nil, 0, 1, 5] as [Int?] {
                for payload in [0, 1, 17, 1100] {
                    seq &+= 1
                    XCTAssertTrue(check(rtp(seq: seq, payload: payload, csrcs: csrcs, extensionWords: ext,
                                            padding: payload == 17), fast, reference))
                }
            }
        }
        // Headers longer than the packet: every truncation of a packet with CSRCs and an extension.
        seq &+= 1
        let full = rtp(seq: seq, payload: 0, csrcs: 2, extensionWords: 3)
        for length in 0..<full.count { XCTAssertFalse(check(Array(full.prefix(length)), fast, reference)) }
        var lying = rtp(seq: seq &+ 1, payload: 8, extensionWords: 1)
        lying[14] = 0xff   // extension length far beyond the packet
        XCTAssertFalse(check(lying, fast, reference))
        XCTAssertTrue(check(rtp(seq: seq &+ 2), fast, reference), "a refused packet changes nothing")
    }

    func testBufferPathEqualsArrayPathAndDecryptsWithLibsrtp() throws {
        let fastArray = try SRTPContext(profile: .aeadAes128Gcm, keyAndSalt: key, direction: .outbound)
        let fastBuffer = try SRTPContext(profile: .aeadAes128Gcm, keyAndSalt: key, direction: .outbound)
        let inbound = try SRTPContext(profile: .aeadAes128Gcm, keyAndSalt: key, direction: .inbound)
        for i in 0..<300 {
            let plain = rtp(seq: UInt16((65_400 + i) & 0xffff), payload: 1000 + i, extensionWords: i % 3 == 0 ? 2 : nil)
            var a = plain
            try fastArray.protectRTP(&a)
            var buffer = ByteBufferAllocator().buffer(capacity: 0)
            try fastBuffer.protect(plain, rtcp: false, into: &buffer)
            XCTAssertEqual(Array(buffer.readableBytesView), a)
            XCTAssertEqual(a.count, plain.count + 16)
            try inbound.unprotectRTP(&a)
            XCTAssertEqual(a, plain)
        }
        var empty = ByteBufferAllocator().buffer(capacity: 0)
        XCTAssertThrowsError(try fastBuffer.protect([0x80, 96, 0], rtcp: false, into: &empty))
        XCTAssertEqual(empty.readableBytes, 0, "nothing written for a refused packet")
    }

    func testOnlyOutboundGCMUsesOpenSSLAndWindowsAreChecked() throws {
        XCTAssertThrowsError(try SRTPAEADSender(keyAndSalt: key, replayWindow: 100))
        XCTAssertThrowsError(try SRTPAEADSender(keyAndSalt: Array(key.prefix(27))))
        // CM-80 and inbound contexts keep working through libsrtp (round trip).
        let cmKey = (0..<30).map { UInt8($0) }
        let out = try SRTPContext(profile: .aes128CmHmacSha1_80, keyAndSalt: cmKey, direction: .outbound)
        let inb = try SRTPContext(profile: .aes128CmHmacSha1_80, keyAndSalt: cmKey, direction: .inbound)
        var p = rtp(seq: 9)
        try out.protectRTP(&p)
        XCTAssertEqual(p.count, rtp(seq: 9).count + 10)
        try inb.unprotectRTP(&p)
        XCTAssertEqual(p, rtp(seq: 9))
    }
}
