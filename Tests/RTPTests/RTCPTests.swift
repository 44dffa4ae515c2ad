import XCTest
@testable import RTP

final class RTCPTests: XCTestCase {
    // MARK: BH-21

    func testBH21ChromeCompoundAcceptedWhole() throws {
        let compound = try CaseFiles.packets("BH-21-rtcp-screenshare-xr.hex")[0]
        let packets = try RTCPPacket.parseCompound(compound)
        XCTAssertEqual(packets.count, 3)
        guard case .senderReport(let sr) = packets[0] else { return XCTFail("\(packets[0])") }
        XCTAssertEqual(sr.ssrc, 0x4b1d_0a11)
        XCTAssertEqual(sr.ntpTimestamp, 0xe40e_c09c_a44c_be1e)
        XCTAssertEqual(sr.rtpTimestamp, 0x0c60_3b79)
        XCTAssertEqual(sr.packetCount, 0xa4)
        XCTAssertEqual(sr.octetCount, 0x0002_c706)
        XCTAssertEqual(sr.reports, [])
        guard case .sourceDescription(let chunks) = packets[1] else { return XCTFail("\(packets[1])") }
        XCTAssertEqual(chunks.map(\.ssrc), [0x4b1d_0a11])
        XCTAssertEqual(chunks.first?.cname, "Qe7Jp2Vx9Lk4Ws1T")
        guard case .extendedReport(let ssrc, let blocks) = packets[2] else { return XCTFail("\(packets[2])") }
        XCTAssertEqual(ssrc, 0x4b1d_0a11)
        XCTAssertEqual(blocks.map(\.type), [42])
        XCTAssertEqual(blocks.first?.bytes, [0x2a, 0, 0, 1, 0, 0, 0, 0x96])
    }

    func testBH21FirefoxCNAMEEndingOnWordBoundary() throws {
        let compound = try CaseFiles.packets("BH-21-rtcp-screenshare-xr.hex")[1]
        let packets = try RTCPPacket.parseCompound(compound)
        XCTAssertEqual(packets.count, 3)
        guard case .senderReport(let sr) = packets[0] else { return XCTFail() }
        XCTAssertEqual(sr.ssrc, 0x3a9c_61d2)
        guard case .sourceDescription(let chunks) = packets[1] else { return XCTFail() }
        XCTAssertEqual(chunks.count, 1)
        XCTAssertEqual(chunks.first?.cname, "{5d0c2e41-7f3a-4b19-9e62-0a8b1c3d4e5f}")
        XCTAssertEqual(chunks.first?.cname?.count, 38)
        guard case .extendedReport(_, let blocks) = packets[2] else { return XCTFail() }
        XCTAssertEqual(blocks.first?.bytes, [0x2a, 0, 0, 1, 0, 0, 0x04, 0xb0])
    }

    // MARK: BH-23

    func testBH23ByeFollowedByZeroWords() throws {
        let compound = try CaseFiles.packets("BH-23-rtcp-malformed.hex")[0]
        XCTAssertThrowsError(try RTCPPacket.parseCompound(compound)) {
            XCTAssertEqual($0 as? RTCPParseError, .badVersion(offset: 8, version: 0))
        }
        let (packets, errors) = RTCPPacket.parseCompoundLenient(compound)
        XCTAssertEqual(errors, [.badVersion(offset: 8, version: 0)])
        XCTAssertEqual(packets.count, 1)
        guard case .bye(let ssrcs, let reason)? = packets.first else { return XCTFail() }
        XCTAssertEqual(ssrcs, [12345])
        XCTAssertNil(reason)
    }

    func testBH23ReportCountOverrunsItsOwnLength() throws {
        let compound = try CaseFiles.packets("BH-23-rtcp-malformed.hex")[1]
        let expected = RTCPParseError.countOverrun(offset: 0, packetType: 201, count: 2, needed: 56, available: 32)
        XCTAssertThrowsError(try RTCPPacket.parseCompound(compound)) { XCTAssertEqual($0 as? RTCPParseError, expected) }
        let (packets, errors) = RTCPPacket.parseCompoundLenient(compound)
        XCTAssertEqual(errors, [expected])
        XCTAssertEqual(packets.count, 1, "the RR is rejected, never half-read from the SDES bytes")
        guard case .sourceDescription(let chunks)? = packets.first else { return XCTFail() }
        XCTAssertEqual(chunks.first?.ssrc, 0x0bad_cafe)
        XCTAssertEqual(chunks.first?.cname, "rrprobe")
    }

    func testBH23LengthOverrunsDatagram() throws {
        let compound = try CaseFiles.packets("BH-23-rtcp-malformed.hex")[2]
        let expected = RTCPParseError.lengthOverrun(offset: 0, declared: 1024, available: 32)
        XCTAssertThrowsError(try RTCPPacket.parseCompound(compound)) { XCTAssertEqual($0 as? RTCPParseError, expected) }
        let (packets, errors) = RTCPPacket.parseCompoundLenient(compound)
        XCTAssertEqual(packets.count, 0)
        XCTAssertEqual(errors, [expected])
        XCTAssertTrue(expected.description.contains("1024"))
    }

    // MARK: Builders ↔ parser

    func testPLIAndFIRRoundTrip() throws {
        let pli = RTCPBuilder.pli(senderSSRC: 0x11, mediaSSRC: 0x22)
        XCTAssertEqual(pli, [0x81, 206, 0, 2, 0, 0, 0, 0x11, 0, 0, 0, 0x22])
        guard case .pli(0x11, 0x22)? = try RTCPPacket.parseCompound(pli).first else { return XCTFail() }

        let fir = RTCPBuilder.fir(senderSSRC: 0x11, mediaSSRC: 0x5eed_0201, sequence: 7)
        XCTAssertEqual(fir.count, 20)
        guard case .fir(let sender, let entries)? = try RTCPPacket.parseCompound(fir).first else { return XCTFail() }
        XCTAssertEqual(sender, 0x11)
        XCTAssertEqual(entries.map(\.ssrc), [0x5eed_0201])
        XCTAssertEqual(entries.map(\.sequence), [7])
    }

    func testNACKPacking() throws {
        let lost: [UInt16] = [100, 101, 116, 117, 117, 65535, 0, 15, 16, 300]
        let bytes = RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: 2, lost: lost)
        // FCIs: 100 (+101, +116), 117, 65535 (+0, +15), 16, 300
        XCTAssertEqual(bytes.count, 12 + 5 * 4)
        guard case .nack(1, 2, let parsed)? = try RTCPPacket.parseCompound(bytes).first else { return XCTFail() }
        XCTAssertEqual(Set(parsed), Set(lost))
        XCTAssertEqual(parsed.count, Set(lost).count)
        XCTAssertEqual(parsed, [100, 101, 116, 117, 65535, 0, 15, 16, 300])
        XCTAssertEqual(RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: 2, lost: []), [])
    }

    func testReceiverAndSenderReportRoundTrip() throws {
        let blocks: [RTCPReportBlock] = (0..<40).map { (index: Int) -> RTCPReportBlock in
            let lost: Int32 = index == 3 ? -5 : Int32(index * 1000)
            return RTCPReportBlock(ssrc: UInt32(index), fractionLost: UInt8(index), cumulativeLost: lost,
                                   highestSeq: 0x0001_0000 + UInt32(index), jitter: 90, lsr: 0xc09c_a44c, dlsr: 65536)
        }
        let rr = RTCPBuilder.receiverReport(ssrc: 0xaa, reports: blocks)
        let parsedRR = try RTCPPacket.parseCompound(rr)
        XCTAssertEqual(parsedRR.count, 2, "40 blocks need two RR packets")
        var collected: [RTCPReportBlock] = []
        for packet in parsedRR {
            guard case .receiverReport(let report) = packet else { return XCTFail() }
            XCTAssertEqual(report.ssrc, 0xaa)
            collected += report.reports
        }
        XCTAssertEqual(collected, blocks)
        XCTAssertEqual(collected[3].cumulativeLost, -5)

        let clamped = RTCPReportBlock(ssrc: 1, fractionLost: 0, cumulativeLost: .max, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0)
        guard case .receiverReport(let report)? = try RTCPPacket.parseCompound(RTCPBuilder.receiverReport(ssrc: 1, reports: [clamped])).first
        else { return XCTFail() }
        XCTAssertEqual(report.reports.first?.cumulativeLost, 0x7F_FFFF)

        let sr = RTCPBuilder.senderReport(ssrc: 0xbb, ntp: 0xe40e_c09c_a44c_be1e, rtpTimestamp: 1234, packetCount: 10,
                                          octetCount: 12_000, reports: Array(blocks.prefix(2)))
        guard case .senderReport(let parsedSR)? = try RTCPPacket.parseCompound(sr).first else { return XCTFail() }
        XCTAssertEqual(parsedSR, RTCPSenderReport(ssrc: 0xbb, ntpTimestamp: 0xe40e_c09c_a44c_be1e, rtpTimestamp: 1234,
                                                  packetCount: 10, octetCount: 12_000, reports: Array(blocks.prefix(2))))
        XCTAssertEqual(try RTCPPacket.parseCompound(RTCPBuilder.senderReport(ssrc: 1, ntp: 0, rtpTimestamp: 0, packetCount: 0,
                                                                             octetCount: 0, reports: blocks)).count, 2)
    }

    func testREMBRoundTrip() throws {
        for bitrate: UInt64 in [0, 1, 262_143, 262_144, 1_500_000, 2_500_001, 1_000_000_000_000] {
            let bytes = RTCPBuilder.remb(senderSSRC: 9, bitrate: bitrate, ssrcs: [0x5eed_0301, 0x5eed_0302])
            guard case .remb(9, let parsed, let ssrcs)? = try RTCPPacket.parseCompound(bytes).first else { return XCTFail() }
            XCTAssertEqual(ssrcs, [0x5eed_0301, 0x5eed_0302])
            XCTAssertLessThanOrEqual(parsed, bitrate)
            XCTAssertGreaterThan(parsed + bitrate / 131_072 + 1, bitrate, "18-bit mantissa keeps ≥ 17 significant bits")
        }
        guard case .remb(_, let exact, _)? = try RTCPPacket.parseCompound(RTCPBuilder.remb(senderSSRC: 1, bitrate: 1_500_000, ssrcs: [])).first
        else { return XCTFail() }
        XCTAssertEqual(exact, 1_500_000)
        // Exponent 63 with a full mantissa overflows 64 bits: saturate instead of trapping.
        let huge: [UInt8] = [0x8f, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0] + Array("REMB".utf8) + [0, 0xff, 0xff, 0xff]
        guard case .remb(_, let saturated, _)? = try RTCPPacket.parseCompound(huge).first else { return XCTFail() }
        XCTAssertEqual(saturated, .max)
        // REMB with N=3 SSRCs but room for one: count overrun.
        var lying = RTCPBuilder.remb(senderSSRC: 1, bitrate: 1000, ssrcs: [7])
        lying[16] = 3
        XCTAssertThrowsError(try RTCPPacket.parseCompound(lying)) {
            guard case .countOverrun(0, 206, 3, _, 24)? = $0 as? RTCPParseError else { return XCTFail("\($0)") }
        }
    }

    func testSDESAndBYERoundTrip() throws {
        for cname in ["", "a", "ab", "abc", "abcd", "Qe7Jp2Vx9Lk4Ws1T", String(repeating: "x", count: 300)] {
            let bytes = RTCPBuilder.sdes(ssrc: 5, cname: cname)
            XCTAssertEqual(bytes.count % 4, 0)
            guard case .sourceDescription(let chunks)? = try RTCPPacket.parseCompound(bytes).first else { return XCTFail() }
            XCTAssertEqual(chunks.first?.cname, String(cname.prefix(255)))
        }
        let bye = RTCPBuilder.bye(ssrcs: [1, 2], reason: "left the room")
        guard case .bye(let ssrcs, let reason)? = try RTCPPacket.parseCompound(bye).first else { return XCTFail() }
        XCTAssertEqual(ssrcs, [1, 2])
        XCTAssertEqual(reason, "left the room")
    }

    func testCompoundOfEverythingAndUnknowns() throws {
        let twcc: [UInt8] = [0x8f, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x10, 0x00, 0x02, 0x00, 0x01, 0x02, 0x07,
                             0x20, 0x02, 0x04, 0x08]
        let app: [UInt8] = [0x83, 204, 0, 3, 0, 0, 0, 9] + Array("TEST".utf8) + [1, 2, 3, 4]
        let sli: [UInt8] = [0x82, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]
        let ij: [UInt8] = [0x81, 195, 0, 1, 0, 0, 0, 5]
        let compound = RTCPBuilder.receiverReport(ssrc: 1, reports: []) + RTCPBuilder.sdes(ssrc: 1, cname: "c") + twcc + app
            + sli + ij + RTCPBuilder.pli(senderSSRC: 1, mediaSSRC: 2)
        let packets = try RTCPPacket.parseCompound(compound)
        XCTAssertEqual(packets.count, 7)
        guard case .transportCC(1, 2, let raw) = packets[2] else { return XCTFail("\(packets[2])") }
        XCTAssertEqual(raw, Array(twcc[12...]))
        guard case .app(3, 9, "TEST", [1, 2, 3, 4]) = packets[3] else { return XCTFail("\(packets[3])") }
        guard case .unknown(206, let sliRaw) = packets[4] else { return XCTFail("\(packets[4])") }
        XCTAssertEqual(sliRaw, sli)
        guard case .unknown(195, let ijRaw) = packets[5] else { return XCTFail("\(packets[5])") }
        XCTAssertEqual(ijRaw, ij)
        guard case .pli = packets[6] else { return XCTFail() }
    }

    func testPaddingRules() throws {
        // Padding on the last packet: PLI with 4 padding bytes (length 3 words).
        let padded: [UInt8] = [0xa1, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4]
        guard case .pli(1, 2)? = try RTCPPacket.parseCompound(padded).first else { return XCTFail() }
        XCTAssertThrowsError(try RTCPPacket.parseCompound(padded + RTCPBuilder.pli(senderSSRC: 1, mediaSSRC: 2))) {
            XCTAssertEqual($0 as? RTCPParseError, .paddingNotLast(offset: 0))
        }
        var zeroPad = padded
        zeroPad[15] = 0
        XCTAssertThrowsError(try RTCPPacket.parseCompound(zeroPad)) {
            XCTAssertEqual($0 as? RTCPParseError, .badPadding(offset: 0, paddingLength: 0))
        }
        var hugePad = padded
        hugePad[15] = 13
        XCTAssertThrowsError(try RTCPPacket.parseCompound(hugePad)) {
            XCTAssertEqual($0 as? RTCPParseError, .badPadding(offset: 0, paddingLength: 13))
        }
        // Padding eating into the fixed part: PLI body shorter than 8 bytes.
        var eaten = padded
        eaten[15] = 12
        XCTAssertThrowsError(try RTCPPacket.parseCompound(eaten)) {
            guard case .truncatedBody(0, 206, _, _)? = $0 as? RTCPParseError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try RTCPPacket.parseCompound([])) { XCTAssertEqual($0 as? RTCPParseError, .tooShort(offset: 0, available: 0)) }
    }

    func testSDESWithoutTerminatorIsRejected() {
        // One chunk, CNAME item of 2 bytes filling the packet exactly, no null octet.
        let sdes: [UInt8] = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 0x61, 0x62]
        XCTAssertThrowsError(try RTCPPacket.parseCompound(sdes)) { XCTAssertEqual($0 as? RTCPParseError, .badSDES(offset: 0, chunk: 0)) }
        // SC=2 but only one chunk present.
        var twoChunks = RTCPBuilder.sdes(ssrc: 1, cname: "ab")
        twoChunks[0] = 0x82
        XCTAssertThrowsError(try RTCPPacket.parseCompound(twoChunks)) {
            guard case .countOverrun(0, 202, 2, _, _)? = $0 as? RTCPParseError else { return XCTFail("\($0)") }
        }
    }
}
