import XCTest
@testable import RTP

/// Truncations, random bytes and lying lengths for every parser in the RTP target: no crash ever, and
/// errors carry a reason.
final class RTPHostileInputTests: XCTestCase {
    func rtpVectors() throws -> [[UInt8]] {
        try CaseFiles.packets("BH-15-rtp-onebyte-ext-padding.hex") + [try CaseFiles.packet("BH-17-rtp-padded-media.hex"),
            try CaseFiles.packet("BH-18-rtp-padding-only.hex"), RTPHeaderTests.twoBytePacket]
    }

    func rtcpVectors() throws -> [[UInt8]] {
        try CaseFiles.packets("BH-21-rtcp-screenshare-xr.hex") + CaseFiles.packets("BH-23-rtcp-malformed.hex") + [
            RTCPBuilder.senderReport(ssrc: 1, ntp: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [
                RTCPReportBlock(ssrc: 9, fractionLost: 1, cumulativeLost: -1, highestSeq: 2, jitter: 3, lsr: 4, dlsr: 5)]),
            RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: 2, lost: [1, 5, 40]) + RTCPBuilder.remb(senderSSRC: 1, bitrate: 9, ssrcs: [1])
                + RTCPBuilder.fir(senderSSRC: 1, mediaSSRC: 2, sequence: 3) + RTCPBuilder.bye(ssrcs: [1], reason: "bye"),
        ]
    }

    /// Checks the invariants of a successfully parsed header against its packet.
    func checkInvariants(_ header: RTPHeader, _ packet: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(header.headerLength + header.payloadLength + header.paddingLength, packet.count, file: file, line: line)
        XCTAssertGreaterThanOrEqual(header.payloadLength, 0, file: file, line: line)
        for element in header.extensions {
            XCTAssertGreaterThanOrEqual(element.offset, header.extensionDataOffset, file: file, line: line)
            XCTAssertLessThanOrEqual(element.offset + element.length, header.headerLength, file: file, line: line)
        }
    }

    /// Remaps with an arbitrary map and checks the result still parses with the same payload and values.
    func checkRemap(_ packet: [UInt8], _ header: RTPHeader, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let table = (0..<256).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let map: (UInt8) -> UInt8? = { table[Int($0)] < 40 ? nil : UInt8(table[Int($0)] % 20) }
        var copy = packet
        guard RTPRewriter.remapExtensionIDs(&copy, header: header, map: map) != nil else {
            return XCTFail("header parsed from this packet must be accepted")
        }
        guard let reparsed = try? RTPHeader.parse(copy) else { return XCTFail("remapped packet does not parse") }
        XCTAssertEqual(Array(copy[reparsed.payloadRange]), Array(packet[header.payloadRange]))
        XCTAssertEqual(reparsed.paddingLength, header.paddingLength)
        XCTAssertEqual(reparsed.csrcs, header.csrcs)
        let keptValues = header.extensions.compactMap { element -> [UInt8]? in
            guard let id = map(element.id), id != 0 else { return nil }
            return Array(packet[element.offset..<(element.offset + element.length)])
        }
        if header.extensionProfile.map({ RTPHeaderExtensionElement.isOneByte($0) || RTPHeaderExtensionElement.isTwoByte($0) }) ?? false {
            // The ID-15 byte of an in-place one-byte block may survive as a terminator: compare only what is parsed.
            XCTAssertEqual(reparsed.extensions.map { Array(copy[$0.offset..<($0.offset + $0.length)]) }, keptValues)
        }
    }

    func testRTPTruncationAtEveryLength() throws {
        for vector in try rtpVectors() {
            let full = try RTPHeader.parse(vector)
            for length in 0..<vector.count {
                let cut = Array(vector.prefix(length))
                do {
                    let header = try RTPHeader.parse(cut)
                    checkInvariants(header, cut)
                    XCTAssertGreaterThanOrEqual(length, full.headerLength, "a cut header cannot parse")
                } catch let error as RTPParseError {
                    XCTAssertFalse(error.description.isEmpty)
                    if length < 12 { XCTAssertEqual(error, .tooShort(count: length)) }
                } catch {
                    XCTFail("unexpected error type \(error)")
                }
            }
        }
    }

    func testRTPExtensionLengthsThatLie() throws {
        for vector in try rtpVectors() {
            let header = try RTPHeader.parse(vector)
            guard header.extensionProfile != nil else { continue }
            let lengthOffset = header.extensionDataOffset - 2
            for words in 0...0xFFFF {
                var tampered = vector
                tampered[lengthOffset] = UInt8(words >> 8)
                tampered[lengthOffset + 1] = UInt8(words & 0xFF)
                do {
                    let parsed = try RTPHeader.parse(tampered)
                    checkInvariants(parsed, tampered)
                    checkRemap(tampered, parsed, seed: UInt64(words))
                } catch RTPParseError.extensionOverrun(let declared, let available) {
                    XCTAssertEqual(declared, words * 4)
                    XCTAssertGreaterThan(declared, available)
                } catch RTPParseError.badPadding {
                    XCTAssertTrue(header.padding || tampered[0] & 0x20 != 0)
                } catch {
                    XCTFail("\(error)")
                }
            }
        }
    }

    func testRTPRandomBytesAndMutations() throws {
        var rng = SeededGenerator(seed: 3550)
        let vectors = try rtpVectors()
        var parsed = 0
        for iteration in 0..<40_000 {
            var bytes: [UInt8]
            if iteration % 2 == 0 {
                bytes = rng.bytes(Int.random(in: 0...96, using: &rng))
                if !bytes.isEmpty { bytes[0] = (bytes[0] & 0x3F) | 0x80 }
                if bytes.count > 13, Bool.random(using: &rng) {
                    bytes[0] |= 0x10
                    bytes[0] &= 0xF0
                    bytes[12] = 0xBE; bytes[13] = 0xDE
                }
            } else {
                bytes = vectors[Int.random(in: 0..<vectors.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            guard let header = try? RTPHeader.parse(bytes) else { continue }
            parsed += 1
            checkInvariants(header, bytes)
            checkRemap(bytes, header, seed: UInt64(iteration))
            var rewritten = bytes
            RTPRewriter.rewrite(&rewritten, header: header, ssrc: 1, payloadType: 2, sequenceNumber: 3, timestamp: 4)
            XCTAssertEqual(try? RTPHeader.parse(rewritten).payloadLength, header.payloadLength)
            var stripped = bytes
            RTPRewriter.stripPadding(&stripped, header: header)
            XCTAssertEqual(try? RTPHeader.parse(stripped).payloadLength, header.payloadLength)
            let payload = bytes[header.payloadRange]
            _ = try? VP8PayloadDescriptor.parse(payload)
            _ = VP8PayloadDescriptor.isKeyframe(payload: payload)
            _ = H264Payload.isKeyframe(payload: payload)
        }
        XCTAssertGreaterThan(parsed, 10_000)
    }

    func testCodecPayloadRandomBytes() {
        var rng = SeededGenerator(seed: 7741)
        var keyframes = 0
        for _ in 0..<30_000 {
            let payload = rng.bytes(Int.random(in: 0...12, using: &rng))
            if let descriptor = try? VP8PayloadDescriptor.parse(payload) {
                XCTAssertLessThanOrEqual(descriptor.payloadHeaderOffset, payload.count)
                XCTAssertLessThanOrEqual(descriptor.payloadHeaderOffset, 6)
            } else {
                XCTAssertTrue(payload.isEmpty || payload[0] & 0x80 != 0)
            }
            if VP8PayloadDescriptor.isKeyframe(payload: payload) { keyframes += 1 }
            _ = H264Payload.isKeyframe(payload: payload[...])
            var stap = [UInt8(0x78)] + payload
            if stap.count > 2 { stap[1] = 0 }
            _ = H264Payload.isKeyframe(payload: stap)
        }
        XCTAssertGreaterThan(keyframes, 0)
    }

    func testRTCPTruncationAtEveryLength() throws {
        for vector in try rtcpVectors() {
            let boundaries = packetBoundaries(vector)
            for length in 0..<vector.count {
                let cut = Array(vector.prefix(length))
                let strict = Result { try RTCPPacket.parseCompound(cut) }
                let lenient = RTCPPacket.parseCompoundLenient(cut)
                switch strict {
                case .success(let packets):
                    XCTAssertTrue(boundaries.contains(length), "a cut inside a packet must be rejected (length \(length))")
                    XCTAssertEqual(lenient.packets.count, packets.count)
                    XCTAssertEqual(lenient.errors, [])
                case .failure(let error):
                    XCTAssertNotNil(error as? RTCPParseError)
                    XCTAssertFalse(lenient.errors.isEmpty)
                }
            }
        }
    }

    /// Offsets where a packet of the compound ends, following the length fields while they are sane.
    func packetBoundaries(_ bytes: [UInt8]) -> Set<Int> {
        var offsets: Set<Int> = []
        var offset = 0
        while offset + 4 <= bytes.count, bytes[offset] >> 6 == 2 {
            offset += ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            offsets.insert(offset)
        }
        return offsets
    }

    func testRTCPLengthAndCountFieldsThatLie() throws {
        for vector in try rtcpVectors() {
            for start in packetBoundaries(vector).union([0]).sorted() where start + 4 <= vector.count {
                for words in [0, 1, 2, 3, 5, 6, 7, 8, 12, 13, 255, 256, 0x7FFF, 0xFFFF] {
                    var tampered = vector
                    tampered[start + 2] = UInt8(words >> 8)
                    tampered[start + 3] = UInt8(words & 0xFF)
                    let available = vector.count - start
                    let prefixIsValid = (try? RTCPPacket.parseCompound(Array(vector.prefix(start)))) != nil || start == 0
                    do {
                        let packets = try RTCPPacket.parseCompound(tampered)
                        XCTAssertLessThanOrEqual((words + 1) * 4, available, "an overrunning length was accepted")
                        XCTAssertFalse(packets.isEmpty)
                    } catch let error as RTCPParseError {
                        if (words + 1) * 4 > available, prefixIsValid, vector[start] >> 6 == 2 {
                            XCTAssertEqual(error, .lengthOverrun(offset: start, declared: (words + 1) * 4, available: available))
                        }
                    }
                    _ = RTCPPacket.parseCompoundLenient(tampered)
                }
                let packetLength = ((Int(vector[start + 2]) << 8 | Int(vector[start + 3])) + 1) * 4
                let prefixIsValid = (try? RTCPPacket.parseCompound(Array(vector.prefix(start)))) != nil || start == 0
                for count in 0...31 {
                    var tampered = vector
                    tampered[start] = (tampered[start] & 0xE0) | UInt8(count)
                    let fixed: Int? = [200: 28, 201: 8][Int(vector[start + 1])]
                    do {
                        _ = try RTCPPacket.parseCompound(tampered)
                    } catch let error as RTCPParseError {
                        if let fixed, fixed + 24 * count > packetLength, packetLength <= vector.count - start, prefixIsValid,
                           vector[start] >> 6 == 2, vector[start] & 0x20 == 0 {
                            XCTAssertEqual(error, .countOverrun(offset: start, packetType: vector[start + 1], count: count,
                                                                needed: fixed + 24 * count, available: packetLength))
                        }
                    }
                    _ = RTCPPacket.parseCompoundLenient(tampered)
                }
            }
        }
    }

    func testRTCPRandomBytesAndMutations() throws {
        var rng = SeededGenerator(seed: 3611)
        let vectors = try rtcpVectors()
        var accepted = 0
        for iteration in 0..<40_000 {
            var bytes: [UInt8]
            if iteration % 2 == 0 {
                // Random packets with valid version and a random, often lying, length.
                bytes = []
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    var packet = rng.bytes(4 * Int.random(in: 1...12, using: &rng))
                    packet[0] = 0x80 | (packet[0] & 0x1F)
                    packet[1] = UInt8.random(in: 200...207, using: &rng)
                    packet[2] = 0
                    if Int.random(in: 0..<4, using: &rng) > 0 { packet[3] = UInt8(packet.count / 4 - 1) }
                    bytes += packet
                }
            } else {
                bytes = vectors[Int.random(in: 0..<vectors.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            let strict = try? RTCPPacket.parseCompound(bytes)
            let lenient = RTCPPacket.parseCompoundLenient(bytes)
            if let strict {
                accepted += 1
                XCTAssertEqual(lenient.errors, [])
                XCTAssertEqual(strict.count, lenient.packets.count)
            } else {
                XCTAssertFalse(lenient.errors.isEmpty)
            }
        }
        XCTAssertGreaterThan(accepted, 1000)
    }
}
