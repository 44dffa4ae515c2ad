import XCTest
@testable import RTP

/// RFC 4588 §4 retransmission packets: wrap / unwrap with real packets and hostile input.
final class RTXPacketTests: XCTestCase {
    /// V=2 CC=1 M=1 PT=96 seq 0x1234 ts 0xAABBCCDD SSRC 0x11223344, CSRC 0x55667788, payload 01 02 03.
    static let original: [UInt8] = [0x81, 0xE0, 0x12, 0x34, 0xAA, 0xBB, 0xCC, 0xDD, 0x11, 0x22, 0x33, 0x44,
                                    0x55, 0x66, 0x77, 0x88, 0x01, 0x02, 0x03]

    func testHandComputedWrap() throws {
        let header = try RTPHeader.parse(Self.original)
        let rtx = RTXPacket.wrap(Self.original, header: header, rtxPayloadType: 97, rtxSSRC: 0x99AA_BBCC, rtxSequence: 7)
        XCTAssertEqual(rtx, [0x81, 0xE1, 0x00, 0x07, 0xAA, 0xBB, 0xCC, 0xDD, 0x99, 0xAA, 0xBB, 0xCC,
                             0x55, 0x66, 0x77, 0x88, 0x12, 0x34, 0x01, 0x02, 0x03])
        let rtxBytes = try XCTUnwrap(rtx)
        let rtxHeader = try RTPHeader.parse(rtxBytes)
        XCTAssertEqual(rtxHeader.payloadType, 97)
        XCTAssertTrue(rtxHeader.marker)
        XCTAssertEqual(rtxHeader.csrcs, [0x5566_7788])
        XCTAssertEqual(RTXPacket.originalSequenceNumber(rtxBytes, header: rtxHeader), 0x1234)
        XCTAssertEqual(RTXPacket.unwrap(rtxBytes, header: rtxHeader, originalPayloadType: 96, originalSSRC: 0x1122_3344),
                       Self.original)
    }

    func testBH17PaddingIsRemovedAndPCleared() throws {
        let packet = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.paddingLength, 10)
        let rtx = try XCTUnwrap(RTXPacket.wrap(packet, header: header, rtxPayloadType: 109, rtxSSRC: 0x5EED_0202, rtxSequence: 500))
        XCTAssertEqual(rtx.count, 12 + 2 + 14)
        XCTAssertEqual(rtx[0], 0x80, "P cleared")
        XCTAssertEqual(Array(rtx[12..<16]), [0x20, 0x01, 0x7C, 0x85])
        let rtxHeader = try RTPHeader.parse(rtx)
        XCTAssertEqual(rtxHeader.paddingLength, 0)
        XCTAssertEqual(rtxHeader.timestamp, 0x000F_4240)
        XCTAssertEqual(rtxHeader.sequenceNumber, 500)
        XCTAssertEqual(rtxHeader.ssrc, 0x5EED_0202)
        // Unwrapping restores the packet as it would be forwarded with its padding stripped.
        var stripped = packet
        XCTAssertTrue(RTPRewriter.stripPadding(&stripped, header: header))
        XCTAssertEqual(RTXPacket.unwrap(rtx, header: rtxHeader, originalPayloadType: 108, originalSSRC: 0x5EED_0201), stripped)
    }

    func testBH15HeaderExtensionIsKept() throws {
        for packet in try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex") {
            let header = try RTPHeader.parse(packet)
            let rtx = try XCTUnwrap(RTXPacket.wrap(packet, header: header, rtxPayloadType: 112, rtxSSRC: 9, rtxSequence: 65_535))
            let rtxHeader = try RTPHeader.parse(rtx)
            XCTAssertEqual(rtxHeader.extensions, header.extensions, "same offsets: the header bytes are copied")
            XCTAssertEqual(rtxHeader.extensionProfile, 0xBEDE)
            XCTAssertEqual(rtxHeader.transportWideSequence(id: 3, in: rtx), header.transportWideSequence(id: 3, in: packet))
            XCTAssertEqual(Array(rtx[rtxHeader.payloadRange]), [packet[2], packet[3]] + Array(packet[header.payloadRange]))
            XCTAssertEqual(RTXPacket.unwrap(rtx, header: rtxHeader, originalPayloadType: 111, originalSSRC: 0x5EED_0001), packet)
        }
    }

    func testUnwrapDropsTheRTXPaddingAndRejectsShortPayloads() throws {
        let header = try RTPHeader.parse(Self.original)
        var rtx = try XCTUnwrap(RTXPacket.wrap(Self.original, header: header, rtxPayloadType: 97, rtxSSRC: 1, rtxSequence: 2))
        rtx[0] |= 0x20
        rtx += [0, 0, 0, 4]
        let padded = try RTPHeader.parse(rtx)
        XCTAssertEqual(padded.paddingLength, 4)
        XCTAssertEqual(RTXPacket.unwrap(rtx, header: padded, originalPayloadType: 96, originalSSRC: 0x1122_3344), Self.original)

        // Payload of 0 and 1 byte (with and without padding): no OSN.
        let bare = Array(Self.original.prefix(16))
        for payload in [[], [0x12]] as [[UInt8]] {
            for padding in [[], [0, 2]] as [[UInt8]] {
                var candidate = bare + payload + padding
                if !padding.isEmpty { candidate[0] |= 0x20 }
                let candidateHeader = try RTPHeader.parse(candidate)
                XCTAssertEqual(candidateHeader.payloadLength, payload.count)
                XCTAssertNil(RTXPacket.unwrap(candidate, header: candidateHeader, originalPayloadType: 96, originalSSRC: 1))
                XCTAssertNil(RTXPacket.originalSequenceNumber(candidate, header: candidateHeader))
            }
        }
        // Exactly the OSN: an empty original payload.
        let osnOnly = bare + [0x12, 0x34]
        XCTAssertEqual(RTXPacket.unwrap(osnOnly, header: try RTPHeader.parse(osnOnly), originalPayloadType: 96, originalSSRC: 0x1122_3344),
                       Array(Self.original.prefix(16)))
        // A padding-only packet (BH-18 probe) wraps to an OSN-only RTX packet.
        let probe = try CaseFiles.packet("BH-18-rtp-padding-only.hex")
        let probeHeader = try RTPHeader.parse(probe)
        let wrappedProbe = try XCTUnwrap(RTXPacket.wrap(probe, header: probeHeader, rtxPayloadType: 97, rtxSSRC: 1, rtxSequence: 1))
        XCTAssertEqual(wrappedProbe.count, probeHeader.headerLength + 2)
    }

    func testInvalidArguments() throws {
        let header = try RTPHeader.parse(Self.original)
        XCTAssertNil(RTXPacket.wrap(Self.original, header: header, rtxPayloadType: 128, rtxSSRC: 1, rtxSequence: 1))
        let rtx = try XCTUnwrap(RTXPacket.wrap(Self.original, header: header, rtxPayloadType: 97, rtxSSRC: 1, rtxSequence: 1))
        XCTAssertNil(RTXPacket.unwrap(rtx, header: try RTPHeader.parse(rtx), originalPayloadType: 200, originalSSRC: 1))
        // A header parsed from another packet.
        XCTAssertNil(RTXPacket.wrap(Self.original + [9], header: header, rtxPayloadType: 97, rtxSSRC: 1, rtxSequence: 1))
        XCTAssertNil(RTXPacket.wrap(Array(Self.original.prefix(15)), header: header, rtxPayloadType: 97, rtxSSRC: 1, rtxSequence: 1))
        XCTAssertNil(RTXPacket.unwrap(Self.original, header: try RTPHeader.parse(rtx), originalPayloadType: 96, originalSSRC: 1))
        XCTAssertNil(RTXPacket.unwrap([], header: header, originalPayloadType: 96, originalSSRC: 1))
    }

    func testForgedHeadersAndRandomPacketsNeverTrap() {
        var rng = SeededGenerator(seed: 4588)
        var roundTrips = 0
        for iteration in 0..<20_000 {
            var bytes = rng.bytes(Int.random(in: 0...64, using: &rng))
            if !bytes.isEmpty { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
            if var header = try? RTPHeader.parse(bytes) {
                let rtxPT = UInt8.random(in: 0...127, using: &rng)
                if let rtx = RTXPacket.wrap(bytes, header: header, rtxPayloadType: rtxPT, rtxSSRC: 5, rtxSequence: UInt16(iteration & 0xFFFF)),
                   let rtxHeader = try? RTPHeader.parse(rtx) {
                    var stripped = bytes
                    RTPRewriter.stripPadding(&stripped, header: header)
                    XCTAssertEqual(rtxHeader.payloadType, rtxPT)
                    XCTAssertEqual(RTXPacket.unwrap(rtx, header: rtxHeader, originalPayloadType: header.payloadType,
                                                    originalSSRC: header.ssrc), stripped)
                    roundTrips += 1
                } else {
                    XCTFail("a parsed packet must wrap into a parsable RTX packet")
                }
                // Forge the header: offsets and lengths that do not match the bytes.
                header.headerLength = Int.random(in: -20...80, using: &rng)
                header.payloadOffset = Bool.random(using: &rng) ? header.headerLength : Int.random(in: -5...80, using: &rng)
                header.payloadLength = Int.random(in: -20...80, using: &rng)
                header.paddingLength = Int.random(in: -20...80, using: &rng)
                _ = RTXPacket.wrap(bytes, header: header, rtxPayloadType: 1, rtxSSRC: 1, rtxSequence: 1)
                _ = RTXPacket.unwrap(bytes, header: header, originalPayloadType: 1, originalSSRC: 1)
                _ = RTXPacket.originalSequenceNumber(bytes, header: header)
            }
        }
        XCTAssertGreaterThan(roundTrips, 1_000)
    }
}
