import XCTest
@testable import RTP

final class RTPHeaderTests: XCTestCase {
    func values(_ header: RTPHeader, _ packet: [UInt8]) -> [UInt8: [UInt8]] {
        var result: [UInt8: [UInt8]] = [:]
        for element in header.extensions { result[element.id] = Array(packet[element.offset..<(element.offset + element.length)]) }
        return result
    }

    func testLoaderReadsDeclaredLengths() throws {
        for name in ["BH-15-rtp-onebyte-ext-padding.hex", "BH-17-rtp-padded-media.hex", "BH-18-rtp-padding-only.hex",
                     "BH-21-rtcp-screenshare-xr.hex", "BH-23-rtcp-malformed.hex"] {
            XCTAssertEqual(try CaseFiles.packets(name).map(\.count), try CaseFiles.declaredLengths(name), name)
        }
    }

    /// BH-15 packet A: 0x00 padding bytes between one-byte elements.
    func testBH15PaddingBetweenOneByteElements() throws {
        let packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.version, 2)
        XCTAssertTrue(header.marker)
        XCTAssertFalse(header.padding)
        XCTAssertEqual(header.payloadType, 111)
        XCTAssertEqual(header.sequenceNumber, 0x1a2b)
        XCTAssertEqual(header.timestamp, 0xa5c0)
        XCTAssertEqual(header.ssrc, 0x5eed_0001)
        XCTAssertEqual(header.csrcs, [])
        XCTAssertEqual(header.extensionProfile, 0xBEDE)
        XCTAssertEqual(header.extensions.map(\.id), [1, 3, 4])
        XCTAssertEqual(values(header, packet), [1: [0x8a], 3: [0x04, 0xd2], 4: Array("0".utf8)])
        XCTAssertFalse(header.extensionElementsTruncated)
        XCTAssertEqual(header.extensionDataOffset, 16)
        XCTAssertEqual(header.extensionDataLength, 12)
        XCTAssertEqual(header.headerLength, 28)
        XCTAssertEqual(header.payloadOffset, 28)
        XCTAssertEqual(Array(packet[header.payloadRange]), [0xf8, 0xff, 0xfe])
        XCTAssertEqual(header.paddingLength, 0)
        XCTAssertFalse(header.isPaddingOnly)
        XCTAssertEqual(header.extensionValue(id: 3, in: packet).map(Array.init), [0x04, 0xd2])
        XCTAssertNil(header.extensionValue(id: 2, in: packet))
    }

    /// BH-15 packet B: ID 15 stops element parsing; the payload offset still comes from the length field.
    func testBH15ID15TerminatesButPacketIsKept() throws {
        let packet = try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[1]
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.sequenceNumber, 0x1a2c)
        XCTAssertFalse(header.marker)
        XCTAssertEqual(header.extensions.map(\.id), [1])
        XCTAssertEqual(values(header, packet), [1: [0x8a]])
        XCTAssertFalse(header.extensionElementsTruncated)
        XCTAssertEqual(header.payloadOffset, 24)
        XCTAssertEqual(Array(packet[header.payloadRange]), [0xf8, 0xff, 0xfe])
    }

    /// BH-17: payload excludes the 10 padding bytes.
    func testBH17PaddedMedia() throws {
        let packet = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let header = try RTPHeader.parse(packet)
        XCTAssertTrue(header.padding)
        XCTAssertEqual(header.payloadType, 108)
        XCTAssertEqual(header.sequenceNumber, 0x2001)
        XCTAssertEqual(header.timestamp, 0x000f_4240)
        XCTAssertEqual(header.ssrc, 0x5eed_0201)
        XCTAssertEqual(header.headerLength, 12)
        XCTAssertEqual(header.payloadLength, 14)
        XCTAssertEqual(header.paddingLength, 10)
        XCTAssertEqual(header.packetLength, 36)
        XCTAssertEqual(Array(packet[header.payloadRange]),
                       [0x7c, 0x85, 0xb8, 0x00, 0x4f, 0x5a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        XCTAssertFalse(header.isPaddingOnly)
    }

    /// BH-18: a probe is recognised as padding-only.
    func testBH18PaddingOnlyProbe() throws {
        let packet = try CaseFiles.packet("BH-18-rtp-padding-only.hex")
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.payloadType, 96)
        XCTAssertEqual(header.sequenceNumber, 0x3000)
        XCTAssertEqual(header.timestamp, 0x0011_2233)
        XCTAssertEqual(header.ssrc, 0x5eed_0301)
        XCTAssertEqual(header.payloadLength, 0)
        XCTAssertEqual(header.paddingLength, 224)
        XCTAssertTrue(header.isPaddingOnly)
    }

    /// BH-16 shape (the .hex file is not in shared/cases, so built here): two-byte header (0x1000) with a
    /// 20-byte element, a zero-length ID 17 element and a padding byte.
    static let twoBytePacket: [UInt8] = {
        var packet: [UInt8] = [0x90, 0x60, 0x00, 0x07, 0x00, 0x00, 0x10, 0x00, 0x5e, 0xed, 0x04, 0x01]
        var block: [UInt8] = [0x01, 20] + (1...20).map { UInt8($0) }   // ID 1, 20 bytes
        block += [17, 0]                                                // ID 17, zero length
        block += [0x00]                                                 // padding byte
        block += [0x02, 0x01, 0xaa]                                     // ID 2, 1 byte
        block += [UInt8](repeating: 0, count: (4 - block.count % 4) % 4)
        packet += [0x10, 0x00, 0x00, UInt8(block.count / 4)] + block
        return packet + [0xde, 0xad, 0xbe, 0xef]
    }()

    func testTwoByteExtensionsWithZeroLengthElement() throws {
        let packet = Self.twoBytePacket
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.extensionProfile, 0x1000)
        XCTAssertEqual(header.extensions.map(\.id), [1, 17, 2])
        XCTAssertEqual(header.extensions.map(\.length), [20, 0, 1])
        XCTAssertEqual(values(header, packet)[1], (1...20).map { UInt8($0) })
        XCTAssertEqual(values(header, packet)[17], [])
        XCTAssertEqual(values(header, packet)[2], [0xaa])
        XCTAssertEqual(Array(packet[header.payloadRange]), [0xde, 0xad, 0xbe, 0xef])
        // appbits in the low nibble are still the two-byte form
        var withAppBits = packet
        withAppBits[13] = 0x05
        XCTAssertEqual(try RTPHeader.parse(withAppBits).extensions.map(\.id), [1, 17, 2])
    }

    func testCSRCsAndUnknownProfile() throws {
        var packet: [UInt8] = [0x92, 0x08, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x0a, 0, 0, 0, 0x0b]
        packet += [0x12, 0x34, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x42]
        packet[0] |= 0x10
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.csrcs, [0x0a, 0x0b])
        XCTAssertEqual(header.extensionProfile, 0x1234)
        XCTAssertEqual(header.extensions, [], "an unknown profile's data is skipped, not parsed")
        XCTAssertEqual(header.headerLength, 28)
        XCTAssertEqual(Array(packet[header.payloadRange]), [0x42])
    }

    func testOverrunningOneByteElementKeepsEarlierElements() throws {
        // ID 1 (1 byte), then ID 2 claiming 16 bytes in a 1-word block.
        let packet: [UInt8] = [0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x10, 0x55, 0x2f, 0x00, 0x99]
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.extensions.map(\.id), [1])
        XCTAssertTrue(header.extensionElementsTruncated)
        XCTAssertEqual(Array(packet[header.payloadRange]), [0x99])
    }

    func testErrorsNameTheReason() {
        XCTAssertThrowsError(try RTPHeader.parse([0x80, 0, 0])) { XCTAssertEqual($0 as? RTPParseError, .tooShort(count: 3)) }
        XCTAssertThrowsError(try RTPHeader.parse([UInt8](repeating: 0x40, count: 12))) {
            XCTAssertEqual($0 as? RTPParseError, .badVersion(1))
        }
        XCTAssertThrowsError(try RTPHeader.parse([0x8f] + [UInt8](repeating: 0, count: 20))) {
            XCTAssertEqual($0 as? RTPParseError, .csrcOverrun(csrcCount: 15, available: 9))
        }
        XCTAssertThrowsError(try RTPHeader.parse([0x90] + [UInt8](repeating: 0, count: 13))) {
            XCTAssertEqual($0 as? RTPParseError, .extensionHeaderOverrun(available: 2))
        }
        XCTAssertThrowsError(try RTPHeader.parse([0x90] + [UInt8](repeating: 0, count: 11) + [0xbe, 0xde, 0xff, 0xff])) {
            XCTAssertEqual($0 as? RTPParseError, .extensionOverrun(declaredBytes: 0x3fffc, available: 0))
        }
        XCTAssertThrowsError(try RTPHeader.parse([0xa0] + [UInt8](repeating: 0, count: 11) + [1, 2, 0])) {
            XCTAssertEqual($0 as? RTPParseError, .badPadding(paddingLength: 0, available: 3))
        }
        XCTAssertThrowsError(try RTPHeader.parse([0xa0] + [UInt8](repeating: 0, count: 11) + [1, 2, 4])) {
            XCTAssertEqual($0 as? RTPParseError, .badPadding(paddingLength: 4, available: 3))
        }
        XCTAssertThrowsError(try RTPHeader.parse([0xa0] + [UInt8](repeating: 0, count: 11))) {
            XCTAssertEqual($0 as? RTPParseError, .badPadding(paddingLength: 0, available: 0))
        }
        XCTAssertFalse(RTPParseError.badVersion(0).description.isEmpty)
    }

    func testUnsafeBufferOverloadMatches() throws {
        for packet in try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex") + [Self.twoBytePacket] {
            let fromArray = try RTPHeader.parse(packet)
            let fromBuffer = try packet.withUnsafeBytes { try RTPHeader.parse($0) }
            XCTAssertEqual(fromArray, fromBuffer)
        }
    }

    func testIsRTCPDemux() throws {
        XCTAssertFalse(RTCPPacket.isRTCP(try CaseFiles.packet("BH-17-rtp-padded-media.hex")))
        XCTAssertFalse(RTCPPacket.isRTCP(try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex")[0]), "M=1 PT=111 is 0xef")
        for compound in try CaseFiles.packets("BH-21-rtcp-screenshare-xr.hex") { XCTAssertTrue(RTCPPacket.isRTCP(compound)) }
        XCTAssertTrue(RTCPPacket.isRTCP(RTCPBuilder.pli(senderSSRC: 1, mediaSSRC: 2)))
        XCTAssertTrue(RTCPPacket.isRTCP([0x80, 192, 0, 0]))
        XCTAssertTrue(RTCPPacket.isRTCP([0x80, 223, 0, 0]))
        XCTAssertFalse(RTCPPacket.isRTCP([0x80, 224, 0, 0]))
        XCTAssertFalse(RTCPPacket.isRTCP([0x80, 191, 0, 0]))
        XCTAssertFalse(RTCPPacket.isRTCP([0x80, 200]))
    }
}
