import XCTest
@testable import RTP

/// RTPFB FMT 15 transport-wide congestion control feedback: wire format, round trips, hostile input.
final class TransportFeedbackTests: XCTestCase {
    /// Worked example with the two chunk encodings the draft illustrates (§3.1.3 example 1: a run of
    /// 221 "not received" = 0x00DD; §3.1.4 example 1: 1-bit vector N RRRRR NNN RRR NN = 0x9F1C) and
    /// a 2-bit vector [large, small, not received, large, small, not received, small] =
    /// 1|1|10 01 00 10 01 00 01 = 0xE491.
    static let example = TransportFeedback(
        senderSSRC: 0x0102_0304, mediaSSRC: 0x0A0B_0C0D, baseSequence: 65_534, referenceTime: -1,
        feedbackPacketCount: 7,
        statuses: [.notReceived] + (1...5).map { .smallDelta($0 == 1 ? 0x10 : UInt8($0 - 1)) }
            + [.notReceived, .notReceived, .notReceived, .smallDelta(5), .smallDelta(6), .smallDelta(7),
               .notReceived, .notReceived]
            + Array(repeating: .notReceived, count: 221)
            + [.largeDelta(-4), .smallDelta(10), .notReceived, .largeDelta(1000), .smallDelta(255), .notReceived,
               .smallDelta(0)])

    static let exampleBytes: [UInt8] = [
        0xAF, 0xCD, 0x00, 0x0A, // V=2 P=1 FMT=15, PT=205, length 10 words (44 bytes)
        0x01, 0x02, 0x03, 0x04, // sender SSRC
        0x0A, 0x0B, 0x0C, 0x0D, // media SSRC
        0xFF, 0xFE, 0x00, 0xF2, // base 65534, status count 242
        0xFF, 0xFF, 0xFF, 0x07, // reference time -1 (24-bit), feedback packet count 7
        0x9F, 0x1C, 0x00, 0xDD, // 1-bit vector (draft §3.1.4 ex. 1), run of 221 not received (§3.1.3 ex. 1)
        0xE4, 0x91,             // 2-bit vector
        0x10, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, // 8 small deltas of the 1-bit vector
        0xFF, 0xFC, 0x0A, 0x03, 0xE8, 0xFF, 0x00,       // -4 (large), 10, 1000 (large), 255, 0
        0x00, 0x00, 0x03,       // RTCP padding, count 3
    ]

    func testHandComputedExampleSerializesToTheDraftChunks() throws {
        XCTAssertEqual(Self.example.statuses.count, 242)
        XCTAssertEqual(Self.example.serialize(), Self.exampleBytes)
        XCTAssertEqual(try TransportFeedback.parse(Self.exampleBytes), Self.example)
    }

    func testExampleThroughTheCompoundParser() throws {
        let compound = RTCPBuilder.receiverReport(ssrc: 0x0102_0304, reports: []) + Self.exampleBytes
        let packets = try RTCPPacket.parseCompound(compound)
        XCTAssertEqual(packets.count, 2)
        guard case .transportCC(let sender, let media, let raw) = packets[1] else { return XCTFail("\(packets[1])") }
        XCTAssertEqual(raw.count, 41 - 12)
        XCTAssertEqual(try TransportFeedback.parse(senderSSRC: sender, mediaSSRC: media, fci: raw), Self.example)
    }

    func testPacketResultsGiveArrivalTimes() {
        let results = Self.example.packetResults
        XCTAssertEqual(results.count, 242)
        XCTAssertEqual(results[0], .init(sequence: 65_534, arrivalMicros: nil))
        // Reference -1 × 64 ms, then +16 × 250 µs, then +1, +2, +3, +4 ticks.
        XCTAssertEqual(results[1], .init(sequence: 65_535, arrivalMicros: -64_000 + 4_000))
        XCTAssertEqual(results[2], .init(sequence: 0, arrivalMicros: -60_000 + 250))
        XCTAssertEqual(results[5].arrivalMicros, -60_000 + 250 * (1 + 2 + 3 + 4))
        XCTAssertEqual(results[9].arrivalMicros, -57_500 + 5 * 250)
        XCTAssertEqual(results[11].arrivalMicros, -57_500 + 18 * 250)
        XCTAssertEqual(results[235], .init(sequence: 233, arrivalMicros: -53_000 - 1_000))
        XCTAssertEqual(results[238].arrivalMicros, -54_000 + 2_500 + 250_000)
        XCTAssertEqual(results[241], .init(sequence: 239, arrivalMicros: -54_000 + 2_500 + 250_000 + 63_750))
        XCTAssertEqual(results.filter { $0.arrivalMicros != nil }.count, 13)
    }

    func testDraftSecondExamplesUseTheReservedSymbol() throws {
        // §3.1.3 example 2 (0x6018) and §3.1.4 example 2 (0xCD50) carry symbol 11, which -01 reserves
        // ("received without delta" in an earlier draft): rejected rather than guessed.
        let runOf24 = [0x00, 0x01, 0x00, 0x18, 0, 0, 0, 0, 0x60, 0x18] as [UInt8]
        XCTAssertThrowsError(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: runOf24)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .reservedSymbol(index: 0))
        }
        let vector = [0x00, 0x01, 0x00, 0x07, 0, 0, 0, 0, 0xCD, 0x50, 1, 2, 3] as [UInt8]
        XCTAssertThrowsError(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: vector)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .reservedSymbol(index: 1))
        }
        // Symbol 11 past the status count is ignored: only the first (not received) is reported.
        let short = [0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0xCD, 0x50] as [UInt8]
        XCTAssertEqual(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: short).statuses, [.notReceived])
    }

    func testChunkChoice() {
        func chunkBytes(_ statuses: [TransportFeedback.PacketStatus]) -> [UInt8] {
            let packet = TransportFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequence: 0, referenceTime: 0,
                                           feedbackPacketCount: 0, statuses: statuses).serialize()
            return Array(packet[20...])
        }
        // 20 small deltas: one run-length chunk (symbol 01, length 20), the deltas, 2 bytes of padding.
        XCTAssertEqual(chunkBytes(Array(repeating: .smallDelta(4), count: 20)),
                       [0x20, 0x14] + Array(repeating: 4, count: 20) + [0, 2])
        // 8191 not received is one chunk; 8192 needs two (13-bit run length).
        XCTAssertEqual(chunkBytes(Array(repeating: .notReceived, count: 8191)), [0x1F, 0xFF, 0x00, 0x02])
        XCTAssertEqual(chunkBytes(Array(repeating: .notReceived, count: 8192)), [0x1F, 0xFF, 0x00, 0x01])
        // Alternating received/lost: a 1-bit vector of 14, then one of the last 2; a trailing run of 3
        // equal statuses is a run-length chunk.
        let alternating: [TransportFeedback.PacketStatus] = (0..<16).map { $0 % 2 == 0 ? .smallDelta(1) : .notReceived }
        XCTAssertEqual(Array(chunkBytes(alternating).prefix(4)), [0xAA, 0xAA, 0xA0, 0x00])
        XCTAssertEqual(Array(chunkBytes(alternating.prefix(14) + [.notReceived, .notReceived, .notReceived]).prefix(4)),
                       [0xAA, 0xAA, 0x00, 0x03])
        // A large delta forces 2-bit vectors: 7, then the remaining 2 (unused symbols 00); 2 padding bytes.
        let mixed: [TransportFeedback.PacketStatus] = [.largeDelta(-1), .notReceived, .smallDelta(2), .notReceived,
                                                        .notReceived, .notReceived, .notReceived, .smallDelta(3),
                                                        .largeDelta(300)]
        XCTAssertEqual(chunkBytes(mixed), [0xE1, 0x00, 0xD8, 0x00, 0xFF, 0xFF, 2, 3, 0x01, 0x2C, 0, 2])
    }

    func testRoundTripOfRandomFeedback() throws {
        var rng = SeededGenerator(seed: 205_15)
        for iteration in 0..<2_000 {
            var statuses: [TransportFeedback.PacketStatus] = []
            let target = iteration % 50 == 0 ? Int.random(in: 1_000...20_000, using: &rng) : Int.random(in: 0...300, using: &rng)
            while statuses.count < target {
                let status: TransportFeedback.PacketStatus
                switch Int.random(in: 0...5, using: &rng) {
                case 0, 1: status = .notReceived
                case 2, 3: status = .smallDelta(UInt8.random(in: 0...255, using: &rng))
                default: status = .largeDelta(Int16.random(in: .min ... .max, using: &rng))
                }
                let run = Bool.random(using: &rng) ? Int.random(in: 1...40, using: &rng) : 1
                statuses += repeatElement(status, count: min(run, target - statuses.count))
            }
            let feedback = TransportFeedback(
                senderSSRC: UInt32.random(in: 0...UInt32.max, using: &rng), mediaSSRC: UInt32.random(in: 0...UInt32.max, using: &rng),
                baseSequence: UInt16.random(in: 0...UInt16.max, using: &rng),
                referenceTime: Int32.random(in: -0x80_0000...0x7F_FFFF, using: &rng),
                feedbackPacketCount: UInt8.random(in: 0...255, using: &rng), statuses: statuses)
            let bytes = feedback.serialize()
            XCTAssertEqual(bytes.count % 4, 0)
            XCTAssertEqual((Int(bytes[2]) << 8 | Int(bytes[3]) + 1) * 4, bytes.count)
            XCTAssertEqual(try TransportFeedback.parse(bytes), feedback)
            // Never larger than a 2-bit vector per 7 statuses plus the deltas.
            let deltaBytes = statuses.reduce(0) { total, status in
                switch status {
                case .notReceived: return total
                case .smallDelta: return total + 1
                case .largeDelta: return total + 2
                }
            }
            XCTAssertLessThanOrEqual(bytes.count, 20 + 2 * ((statuses.count + 6) / 7) + deltaBytes + 3)
        }
    }

    func testEdgesOfTheFields() throws {
        let empty = TransportFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequence: 9, referenceTime: 0, feedbackPacketCount: 0, statuses: [])
        XCTAssertEqual(empty.serialize(), [0x8F, 205, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try TransportFeedback.parse(empty.serialize()), empty)
        // Reference time: the low 24 bits are written and read back sign-extended.
        var wide = empty
        wide.referenceTime = 0x0180_0001
        XCTAssertEqual(Array(wide.serialize()[16...18]), [0x80, 0x00, 0x01])
        XCTAssertEqual(try TransportFeedback.parse(wide.serialize()).referenceTime, -0x7F_FFFF)
        XCTAssertEqual(TransportFeedback.wrapReferenceTime(0x80_0000), -0x80_0000)
        XCTAssertEqual(TransportFeedback.wrapReferenceTime(-1), -1)
        XCTAssertEqual(TransportFeedback.wrapReferenceTime(0x1_7F_FFFF), 0x7F_FFFF)
        // More than 65 535 statuses: the rest is dropped.
        var huge = empty
        huge.statuses = Array(repeating: .smallDelta(1), count: 70_000)
        let parsed = try TransportFeedback.parse(huge.serialize())
        XCTAssertEqual(parsed.statuses.count, 65_535)
        XCTAssertEqual(parsed.statuses.last, .smallDelta(1))
        // Status helpers.
        XCTAssertEqual(TransportFeedback.PacketStatus.received(deltaTicks: 255), .smallDelta(255))
        XCTAssertEqual(TransportFeedback.PacketStatus.received(deltaTicks: 256), .largeDelta(256))
        XCTAssertEqual(TransportFeedback.PacketStatus.received(deltaTicks: -1), .largeDelta(-1))
        XCTAssertEqual(TransportFeedback.PacketStatus.received(deltaTicks: 32_767), .largeDelta(32_767))
        XCTAssertEqual(TransportFeedback.PacketStatus.received(deltaTicks: -32_768), .largeDelta(-32_768))
        XCTAssertNil(TransportFeedback.PacketStatus.received(deltaTicks: 32_768))
        XCTAssertNil(TransportFeedback.PacketStatus.received(deltaTicks: -32_769))
    }

    // MARK: - Hostile input

    func testHeaderErrors() {
        var bytes = Self.exampleBytes
        bytes[0] = 0x6F
        XCTAssertThrowsError(try TransportFeedback.parse(bytes)) { XCTAssertEqual($0 as? TransportFeedbackParseError, .badVersion(1)) }
        bytes = Self.exampleBytes
        bytes[1] = 206
        XCTAssertThrowsError(try TransportFeedback.parse(bytes)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .notTransportFeedback(packetType: 206, format: 15))
        }
        bytes = Self.exampleBytes
        bytes[0] = 0xA1
        XCTAssertThrowsError(try TransportFeedback.parse(bytes)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .notTransportFeedback(packetType: 205, format: 1))
        }
        bytes = Self.exampleBytes
        bytes[3] = 0xFF
        XCTAssertThrowsError(try TransportFeedback.parse(bytes)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .lengthMismatch(declared: 1024, available: 44))
        }
        for padding: UInt8 in [0, 41, 255] {
            bytes = Self.exampleBytes
            bytes[43] = padding
            XCTAssertThrowsError(try TransportFeedback.parse(bytes)) {
                XCTAssertEqual($0 as? TransportFeedbackParseError, .badPadding(paddingLength: Int(padding)))
            }
        }
        // Padding that leaves less than the 20-byte fixed part.
        bytes = Self.exampleBytes
        bytes[43] = 30
        XCTAssertThrowsError(try TransportFeedback.parse(bytes)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .tooShort(available: 14))
        }
        // A compound (two packets) is not one packet.
        XCTAssertThrowsError(try TransportFeedback.parse(Self.exampleBytes + Self.exampleBytes)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .lengthMismatch(declared: 44, available: 88))
        }
    }

    func testTruncationAtEveryLength() {
        let packet = Self.exampleBytes
        for length in 0..<packet.count {
            XCTAssertThrowsError(try TransportFeedback.parse(Array(packet.prefix(length))), "length \(length)") {
                XCTAssertFalse(($0 as? TransportFeedbackParseError)?.description.isEmpty ?? true)
            }
        }
        // The FCI cut anywhere before its last delta (29 bytes, 0 padding bytes).
        let fci = Array(packet[12..<41])
        for length in 0..<fci.count {
            XCTAssertThrowsError(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: Array(fci.prefix(length)))) { error in
                guard let error = error as? TransportFeedbackParseError else { return XCTFail("\(error)") }
                switch (length, error) {
                case (0..<8, .tooShort(let available)): XCTAssertEqual(available, length)
                case (8..<10, .chunksTruncated(242, 0)): break
                case (10..<29, .deltasTruncated(let needed, let available)):
                    // Checked after each chunk: the first (ending at 10) needs 8 delta bytes, so does
                    // the run (ending at 12), all three (ending at 14) need 15.
                    let (expectedNeeded, chunkEnd) = length < 18 ? (8, 10) : length < 20 ? (8, 12) : (15, 14)
                    XCTAssertEqual(needed, expectedNeeded, "length \(length)")
                    XCTAssertEqual(available, length - chunkEnd, "length \(length)")
                default: XCTFail("length \(length): \(error)")
                }
            }
        }
        // Up to 3 trailing bytes are zero padding; 4 are not.
        XCTAssertEqual(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: fci + [0, 0, 0]).statuses.count, 242)
        XCTAssertThrowsError(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: fci + [0, 0, 0, 0])) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .trailingBytes(count: 4))
        }
    }

    func testStatusCountsThatLie() throws {
        // Claims more packets than the chunks describe.
        var bytes = Self.exampleBytes
        bytes[14] = 0x01
        XCTAssertThrowsError(try TransportFeedback.parse(bytes)) { error in
            // 242 + 256: the delta bytes are read as chunks until they run out or hit a reserved symbol.
            guard let error = error as? TransportFeedbackParseError else { return XCTFail("\(error)") }
            switch error {
            case .chunksTruncated(498, _), .reservedSymbol, .deltasTruncated: break
            default: XCTFail("\(error)")
            }
        }
        // 65 535 packets, all from 2-byte run-length chunks: 8 × 8191 + 7 — accepted, no deltas.
        let runs = (Array(repeating: [0x1F, 0xFF] as [UInt8], count: 8) + [[0x00, 0x07]]).flatMap { $0 }
        let lots = try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: [0, 0, 0xFF, 0xFF, 0, 0, 0, 0] + runs)
        XCTAssertEqual(lots.statuses.count, 65_535)
        XCTAssertTrue(lots.statuses.allSatisfy { $0 == .notReceived })
        // The same count of received packets needs 65 535 deltas that are not there.
        let received = (Array(repeating: [0x3F, 0xFF] as [UInt8], count: 8) + [[0x20, 0x07]]).flatMap { $0 }
        XCTAssertThrowsError(try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: [0, 0, 0xFF, 0xFF, 0, 0, 0, 0] + received)) {
            XCTAssertEqual($0 as? TransportFeedbackParseError, .deltasTruncated(needed: 8191, available: 16))
        }
        // Run lengths past the status count are clipped; zero-length runs describe nothing.
        let clipped = try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: [0, 5, 0, 3, 0, 0, 0, 0, 0x00, 0x00, 0x20, 0x09, 7, 8, 9])
        XCTAssertEqual(clipped.statuses, [.smallDelta(7), .smallDelta(8), .smallDelta(9)])
        XCTAssertEqual(clipped.baseSequence, 5)
    }

    func testRandomBytesAndMutationsNeverTrap() {
        var rng = SeededGenerator(seed: 15)
        let vectors = [Self.exampleBytes, Self.example.serialize(),
                       TransportFeedback(senderSSRC: 3, mediaSSRC: 4, baseSequence: 1, referenceTime: 77, feedbackPacketCount: 1,
                                         statuses: Array(repeating: .largeDelta(-300), count: 30)).serialize()]
        var parsed = 0
        for iteration in 0..<15_000 {
            var bytes: [UInt8]
            if iteration % 3 == 0 {
                bytes = rng.bytes(Int.random(in: 0...80, using: &rng))
                if bytes.count >= 4 {
                    bytes[0] = 0x8F | (bytes[0] & 0x20)
                    bytes[1] = 205
                    bytes[2] = 0
                    bytes[3] = UInt8(bytes.count / 4 - 1)
                    bytes = Array(bytes.prefix(bytes.count / 4 * 4))
                }
            } else {
                bytes = vectors[iteration % vectors.count]
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 12..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                let feedback = try TransportFeedback.parse(bytes)
                parsed += 1
                XCTAssertEqual(try TransportFeedback.parse(feedback.serialize()), feedback)
            } catch let error as TransportFeedbackParseError {
                XCTAssertFalse(error.description.isEmpty)
            } catch {
                XCTFail("unexpected error \(error)")
            }
            if bytes.count >= 12 {
                _ = try? TransportFeedback.parse(senderSSRC: 0, mediaSSRC: 0, fci: Array(bytes[12...]))
            }
        }
        XCTAssertGreaterThan(parsed, 500)
    }
}
