import XCTest
@testable import RTP

/// The transport-wide sequence number header extension accessor (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
final class TransportWideSequenceTests: XCTestCase {
    func testReadsBH15TransportWideSequence() throws {
        // BH-15 packet A: id1 audio level, id3 = 04 d2 (TWCC 1234), id4 mid, with 0x00 padding between.
        let packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.transportWideSequence(id: 3, in: packet), 1234)
        XCTAssertEqual(header.transportWideSequence(id: 3, in: packet[...]), 1234)
        XCTAssertNil(header.transportWideSequence(id: 1, in: packet), "1-byte element is not a transport-wide sequence")
        XCTAssertNil(header.transportWideSequence(id: 5, in: packet))
        XCTAssertNil(header.transportWideSequence(id: 3, in: Array(packet.prefix(16))), "not the parsed packet")
        // Packet B stops at ID 15 before id3: absent.
        let packetB = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[1]
        XCTAssertNil(try RTPHeader.parse(packetB).transportWideSequence(id: 3, in: packetB))
    }

    func testRewritesInPlace() throws {
        var packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        let original = packet
        let header = try RTPHeader.parse(packet)
        XCTAssertTrue(header.setTransportWideSequence(0xFEDC, id: 3, in: &packet))
        XCTAssertEqual(try RTPHeader.parse(packet).transportWideSequence(id: 3, in: packet), 0xFEDC)
        XCTAssertEqual(packet.count, original.count)
        XCTAssertEqual(zip(packet, original).filter { $0 != $1 }.count, 2)
        XCTAssertFalse(header.setTransportWideSequence(1, id: 1, in: &packet))
        XCTAssertFalse(header.setTransportWideSequence(1, id: 9, in: &packet))
        var short = Array(packet.prefix(18))
        XCTAssertFalse(header.setTransportWideSequence(1, id: 3, in: &short))
        XCTAssertEqual(short, Array(packet.prefix(18)))
    }

    func testTwoByteFormElement() throws {
        // Two-byte header (0x1000), id 7 with a 2-byte value 0x0102, then id 8 with 4 bytes.
        let packet: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x10, 0x00, 0, 3,
                               7, 2, 0x01, 0x02, 8, 4, 9, 9, 9, 9, 0, 0, 0xAB]
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.transportWideSequence(id: 7, in: packet), 0x0102)
        XCTAssertNil(header.transportWideSequence(id: 8, in: packet), "4-byte value is not the -01 extension")
    }
}
