import XCTest
@testable import RTP

/// BH-21 points the byte-for-byte tests in RTCPTests leave open: the XR block of type 42 is
/// walked by its own block length (not assumed to be one item), an XR that is garbage never takes
/// the SR and SDES down with it, and Firefox's CNAME chunk really needs its full word of nulls.
/// Also the BH-22 shape (multi-chunk SDES), built here because `BH-22-rtcp-sdes-multichunk.hex`
/// is listed in cases/README.md but absent from the directory.
final class RTCPCompoundCaseTests: XCTestCase {
    /// Chrome compound of the case file: SR (0..<28), SDES (28..<56), XR (56..<72).
    private func chromeCompound() throws -> [UInt8] {
        let compound = try CaseFiles.packets("BH-21-rtcp-screenshare-xr.hex")[0]
        XCTAssertEqual(compound.count, 72)
        XCTAssertEqual(Array(compound[56..<60]), [0x80, 207, 0x00, 0x03], "XR header where the case file puts it")
        return compound
    }

    private func assertChromeSRAndSDES(_ packets: [RTCPPacket], file: StaticString = #filePath, line: UInt = #line) {
        guard packets.count >= 2, case .senderReport(let sr) = packets[0], case .sourceDescription(let chunks) = packets[1] else {
            return XCTFail("expected SR + SDES first, got \(packets)", file: file, line: line)
        }
        XCTAssertEqual(sr.ssrc, 0x4b1d_0a11, file: file, line: line)
        XCTAssertEqual(sr.ntpTimestamp, 0xe40e_c09c_a44c_be1e, file: file, line: line)
        XCTAssertEqual(sr.rtpTimestamp, 0x0c60_3b79, file: file, line: line)
        XCTAssertEqual(chunks.first?.cname, "Qe7Jp2Vx9Lk4Ws1T", file: file, line: line)
        XCTAssertEqual(chunks.first?.cname?.utf8.count, 16, "Chrome's CNAME is the 16-char string", file: file, line: line)
    }

    func testBH21BlockType42IsSkippedByItsBlockLength() throws {
        let chrome = try chromeCompound()
        // Same compound, but the BT=42 block carries TWO items (block length 2) and is followed by a
        // registered block, RFC 3611 §4.4 Receiver Reference Time (BT=4, length 2, NTP timestamp).
        let rrt: [UInt8] = [0x04, 0x00, 0x00, 0x02, 0xe4, 0x0e, 0xc0, 0x9d, 0x01, 0x02, 0x03, 0x04]
        let bt42: [UInt8] = [0x2a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x96, 0x00, 0x01, 0x00, 0x2c]
        let xrBody = Array(chrome[60..<64]) + bt42 + rrt
        let xr: [UInt8] = [0x80, 207, 0x00, UInt8(xrBody.count / 4)] + xrBody
        let compound = Array(chrome[0..<56]) + xr

        let packets = try RTCPPacket.parseCompound(compound)
        XCTAssertEqual(packets.count, 3)
        assertChromeSRAndSDES(packets)
        guard case .extendedReport(let ssrc, let blocks) = packets[2] else { return XCTFail("\(packets[2])") }
        XCTAssertEqual(ssrc, 0x4b1d_0a11)
        XCTAssertEqual(blocks.map(\.type), [42, 4])
        XCTAssertEqual(blocks.first?.bytes, bt42, "whole BT=42 block, both items")
        XCTAssertEqual(blocks.last?.bytes, rrt, "the block after BT=42 starts where its length says")
    }

    func testBH21GarbageXRDoesNotLoseTheSRAndSDES() throws {
        var compound = try chromeCompound()
        compound[64 + 3] = 0x05   // BT=42 block claims 5 words; only 1 is left in the XR packet
        XCTAssertThrowsError(try RTCPPacket.parseCompound(compound)) {
            XCTAssertEqual($0 as? RTCPParseError, .badXRBlock(offset: 56, blockOffset: 64))
        }
        let (packets, errors) = RTCPPacket.parseCompoundLenient(compound)
        XCTAssertEqual(errors, [.badXRBlock(offset: 56, blockOffset: 64)])
        XCTAssertEqual(packets.count, 2)
        assertChromeSRAndSDES(packets)
    }

    func testBH21FirefoxChunkNeedsTheFullNullWord() throws {
        let firefox = try CaseFiles.packets("BH-21-rtcp-screenshare-xr.hex")[1]
        XCTAssertEqual(firefox.count, 96)
        // SDES at 28..<80: header, SSRC, 01 26 + 38 chars = 44 bytes, then 4 null octets.
        XCTAssertEqual(Array(firefox[28..<32]), [0x81, 202, 0x00, 0x0c])
        XCTAssertEqual(Array(firefox[76..<80]), [0, 0, 0, 0])

        // Without the null word the item list has no terminator: the SDES is invalid (RFC 3550
        // §6.5), and the parser must not read the XR header as the end of the chunk.
        let withoutNullWord = Array(firefox[0..<28]) + [0x81, 202, 0x00, 0x0b] + Array(firefox[32..<76]) + Array(firefox[80...])
        XCTAssertEqual(withoutNullWord.count, 92)
        XCTAssertThrowsError(try RTCPPacket.parseCompound(withoutNullWord)) {
            XCTAssertEqual($0 as? RTCPParseError, .badSDES(offset: 28, chunk: 0))
        }
        let (packets, errors) = RTCPPacket.parseCompoundLenient(withoutNullWord)
        XCTAssertEqual(errors, [.badSDES(offset: 28, chunk: 0)])
        XCTAssertEqual(packets.count, 2, "SR and XR survive in the lenient parse")
        guard case .senderReport(let sr)? = packets.first, case .extendedReport(_, let blocks)? = packets.last else {
            return XCTFail("\(packets)")
        }
        XCTAssertEqual(sr.ssrc, 0x3a9c_61d2)
        XCTAssertEqual(blocks.map(\.type), [42])
    }

    /// BH-22 shape (synthetic; the case file is missing): three chunks — CNAME with 1 null + 1
    /// pad byte, CNAME + NAME with a null and 3 pad bytes, a chunk with no item — then RTCP
    /// padding (P=1, 4 bytes) on the last packet; and a last chunk that has no terminator.
    func testMultiChunkSDESWithPaddingAndMissingTerminator() throws {
        let casesDirectory = CaseFiles.directory
        XCTAssertFalse(FileManager.default.fileExists(atPath: casesDirectory.appendingPathComponent(
            "BH-22-rtcp-sdes-multichunk.hex").path), "BH-22 case file appeared: read it instead of this synthetic packet")
        let chunk1: [UInt8] = [0, 0, 0, 1, 1, 4] + Array("abcd".utf8) + [0, 0]
        let chunk2: [UInt8] = [0, 0, 0, 2, 1, 1] + Array("x".utf8) + [2, 3] + Array("Bob".utf8) + [0, 0, 0, 0]
        let chunk3: [UInt8] = [0, 0, 0, 3, 0, 0, 0, 0]
        let body = chunk1 + chunk2 + chunk3
        XCTAssertEqual(body.count, 36)
        let padded: [UInt8] = [0xa3, 202, 0, UInt8((body.count + 4) / 4)] + body + [0, 0, 0, 4]
        guard case .sourceDescription(let chunks)? = try RTCPPacket.parseCompound(padded).first else { return XCTFail() }
        XCTAssertEqual(chunks.map(\.ssrc), [1, 2, 3])
        XCTAssertEqual(chunks.map(\.cname), ["abcd", "x", nil])
        XCTAssertEqual(chunks[1].items.map(\.type), [1, 2])
        XCTAssertEqual(chunks[1].items.last?.value, Array("Bob".utf8))
        XCTAssertEqual(chunks[2].items, [])

        // The third chunk's CNAME fills the packet to its last byte: no null octet → invalid.
        let unterminated: [UInt8] = [0, 0, 0, 3, 1, 6] + Array("abcdef".utf8)
        let bad: [UInt8] = [0x83, 202, 0, UInt8((chunk1.count + chunk2.count + unterminated.count) / 4)]
            + chunk1 + chunk2 + unterminated
        XCTAssertThrowsError(try RTCPPacket.parseCompound(bad)) {
            XCTAssertEqual($0 as? RTCPParseError, .badSDES(offset: 0, chunk: 2))
        }
    }
}
