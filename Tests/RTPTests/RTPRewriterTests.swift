import XCTest
@testable import RTP

final class RTPRewriterTests: XCTestCase {
    func elementValues(_ packet: [UInt8]) throws -> [(UInt8, [UInt8])] {
        let header = try RTPHeader.parse(packet)
        return header.extensions.map { ($0.id, Array(packet[$0.offset..<($0.offset + $0.length)])) }
    }

    func assertElements(_ packet: [UInt8], _ expected: [(UInt8, [UInt8])], file: StaticString = #filePath, line: UInt = #line) throws {
        let actual = try elementValues(packet)
        XCTAssertEqual(actual.map(\.0), expected.map(\.0), file: file, line: line)
        XCTAssertEqual(actual.map(\.1), expected.map(\.1), file: file, line: line)
    }

    func testRewriteFixedHeaderKeepsEverythingElse() throws {
        let original = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        var packet = original
        let header = try RTPHeader.parse(packet)
        RTPRewriter.rewrite(&packet, header: header, ssrc: 0x0102_0304, payloadType: 100, sequenceNumber: 0xfffe,
                            timestamp: 0xdead_beef)
        let rewritten = try RTPHeader.parse(packet)
        XCTAssertEqual(rewritten.ssrc, 0x0102_0304)
        XCTAssertEqual(rewritten.payloadType, 100)
        XCTAssertTrue(rewritten.marker, "marker bit preserved")
        XCTAssertEqual(rewritten.sequenceNumber, 0xfffe)
        XCTAssertEqual(rewritten.timestamp, 0xdead_beef)
        XCTAssertEqual(packet.count, original.count)
        XCTAssertEqual(Array(packet[12...]), Array(original[12...]), "extension and payload untouched")
        RTPRewriter.setMarker(&packet, false)
        XCTAssertFalse(try RTPHeader.parse(packet).marker)
        XCTAssertEqual(try RTPHeader.parse(packet).payloadType, 100)

        var short: [UInt8] = [0x80, 0, 0]
        RTPRewriter.rewrite(&short, header: header, ssrc: 1, payloadType: 1, sequenceNumber: 1, timestamp: 1)
        XCTAssertEqual(short, [0x80, 0, 0])
    }

    /// BH-17: forwarded either with P cleared and no padding, or untouched with the same 10 padding bytes.
    func testBH17ForwardingKeepsPaddingConsistent() throws {
        let original = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let header = try RTPHeader.parse(original)

        var kept = original
        RTPRewriter.rewrite(&kept, header: header, ssrc: 0xabcd, payloadType: 102, sequenceNumber: 9, timestamp: 90_000)
        XCTAssertEqual(kept.count, 36)
        XCTAssertEqual(kept[0] & 0x20, 0x20)
        XCTAssertEqual(Array(kept.suffix(10)), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a])
        XCTAssertEqual(try RTPHeader.parse(kept).payloadLength, 14)

        var stripped = original
        XCTAssertTrue(RTPRewriter.stripPadding(&stripped, header: header))
        XCTAssertEqual(stripped.count, 26)
        XCTAssertEqual(stripped[0], 0x80)
        let reparsed = try RTPHeader.parse(stripped)
        XCTAssertFalse(reparsed.padding)
        XCTAssertEqual(reparsed.payloadLength, 14)
        XCTAssertEqual(Array(stripped[reparsed.payloadRange]), Array(original[header.payloadRange]))
        XCTAssertEqual(stripped.last, 0x88, "last payload byte, no longer read as a padding count")

        var wrong = Array(original.prefix(30))
        XCTAssertFalse(RTPRewriter.stripPadding(&wrong, header: header))
        XCTAssertEqual(wrong, Array(original.prefix(30)))
    }

    func testRemapInPlaceOneByte() throws {
        var packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        let size = packet.count
        let header = try RTPHeader.parse(packet)
        let result = RTPRewriter.remapExtensionIDs(&packet, header: header, map: { [1: 5, 3: 7, 4: 14][$0] })
        XCTAssertEqual(result, packet)
        XCTAssertEqual(packet.count, size, "IDs patched in place")
        try assertElements(packet, [(5, [0x8a]), (7, [0x04, 0xd2]), (14, Array("0".utf8))])
        XCTAssertEqual(Array(packet.suffix(3)), [0xf8, 0xff, 0xfe])
    }

    func testRemapDropRebuildsCompactBlock() throws {
        var packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        let header = try RTPHeader.parse(packet)
        XCTAssertNotNil(RTPRewriter.remapExtensionIDs(&packet, header: header, map: { $0 == 3 ? nil : $0 }))
        // 12 + 4 + (2 + 2 → one word) + 3 payload
        XCTAssertEqual(packet.count, 12 + 4 + 4 + 3)
        try assertElements(packet, [(1, [0x8a]), (4, Array("0".utf8))])
        let reparsed = try RTPHeader.parse(packet)
        XCTAssertEqual(reparsed.extensionProfile, 0xBEDE)
        XCTAssertTrue(reparsed.marker)
        XCTAssertEqual(reparsed.sequenceNumber, 0x1a2b)
        XCTAssertEqual(Array(packet[reparsed.payloadRange]), [0xf8, 0xff, 0xfe])
    }

    func testRemapToLargeIDSwitchesToTwoByteForm() throws {
        var packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        let header = try RTPHeader.parse(packet)
        RTPRewriter.remapExtensionIDs(&packet, header: header, map: { $0 == 4 ? 20 : $0 })
        XCTAssertEqual(try RTPHeader.parse(packet).extensionProfile, 0x1000)
        try assertElements(packet, [(1, [0x8a]), (3, [0x04, 0xd2]), (20, Array("0".utf8))])
        XCTAssertEqual(Array(packet.suffix(3)), [0xf8, 0xff, 0xfe])
    }

    func testRemapDroppingEverythingRemovesTheBlock() throws {
        var packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[1]
        let header = try RTPHeader.parse(packet)
        RTPRewriter.remapExtensionIDs(&packet, header: header, map: { _ in nil })
        XCTAssertEqual(packet.count, 15)
        XCTAssertEqual(packet[0] & 0x10, 0)
        let reparsed = try RTPHeader.parse(packet)
        XCTAssertNil(reparsed.extensionProfile)
        XCTAssertEqual(Array(packet[reparsed.payloadRange]), [0xf8, 0xff, 0xfe])
    }

    func testRemapTwoByteForms() throws {
        let original = RTPHeaderTests.twoBytePacket
        let header = try RTPHeader.parse(original)

        var renumbered = original
        RTPRewriter.remapExtensionIDs(&renumbered, header: header, map: { $0 &+ 100 })
        XCTAssertEqual(renumbered.count, original.count, "two-byte IDs patched in place")
        try assertElements(renumbered, [(101, (1...20).map { UInt8($0) }), (117, []), (102, [0xaa])])

        var withoutBig = original
        RTPRewriter.remapExtensionIDs(&withoutBig, header: header, map: { $0 == 1 ? nil : $0 })
        XCTAssertEqual(try RTPHeader.parse(withoutBig).extensionProfile, 0x1000, "zero-length element needs two-byte form")
        try assertElements(withoutBig, [(17, []), (2, [0xaa])])

        var onlySmall = original
        RTPRewriter.remapExtensionIDs(&onlySmall, header: header, map: { $0 == 2 ? 3 : nil })
        XCTAssertEqual(try RTPHeader.parse(onlySmall).extensionProfile, 0xBEDE, "fits the one-byte form again")
        try assertElements(onlySmall, [(3, [0xaa])])
        XCTAssertEqual(onlySmall.count, 12 + 4 + 4 + 4)
        XCTAssertEqual(Array(onlySmall.suffix(4)), [0xde, 0xad, 0xbe, 0xef])
    }

    func testRemapKeepsCSRCsAndPadding() throws {
        // CC=1, X=1, P=1: one-byte block with ID 1, payload 2 bytes, 2 bytes of padding.
        let packet: [UInt8] = [0xb1, 0x60, 0, 5, 0, 0, 0, 9, 0, 0, 0, 7, 0xaa, 0xbb, 0xcc, 0xdd,
                               0xbe, 0xde, 0, 1, 0x10, 0x77, 0, 0, 0x01, 0x02, 0x00, 0x02]
        let header = try RTPHeader.parse(packet)
        var dropped = packet
        RTPRewriter.remapExtensionIDs(&dropped, header: header, map: { _ in nil })
        let reparsed = try RTPHeader.parse(dropped)
        XCTAssertEqual(reparsed.csrcs, [0xaabb_ccdd])
        XCTAssertNil(reparsed.extensionProfile)
        XCTAssertEqual(reparsed.paddingLength, 2)
        XCTAssertEqual(Array(dropped[reparsed.payloadRange]), [0x01, 0x02])
    }

    func testRemapRejectsMismatchedHeader() throws {
        let packets = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")
        var packet = packets[1]
        let headerOfOther = try RTPHeader.parse(packets[0])
        XCTAssertNil(RTPRewriter.remapExtensionIDs(&packet, header: headerOfOther, map: { $0 }))
        XCTAssertEqual(packet, packets[1])
        var noExtension = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let header = try RTPHeader.parse(noExtension)
        XCTAssertEqual(RTPRewriter.remapExtensionIDs(&noExtension, header: header, map: { _ in nil }), noExtension)
    }
}
