import XCTest
@testable import AudioMixer

final class OpusPacketInfoTests: XCTestCase {
    private func info(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> OpusPacketInfo? {
        switch OpusPacketInfo.inspect(bytes) {
        case .success(let value): return value
        case .failure(let error):
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    private func failure(_ bytes: [UInt8]) -> OpusPacketError? {
        if case .failure(let error) = OpusPacketInfo.inspect(bytes) { return error }
        return nil
    }

    /// RFC 6716 §3.1 Table 2, every configuration, code 0 (one frame), mono and stereo.
    func testTOCTable() {
        let expected: [(OpusPacketInfo.Mode, Int, [Int])] = [
            (.silk, 4_000, [480, 960, 1_920, 2_880]), (.silk, 6_000, [480, 960, 1_920, 2_880]),
            (.silk, 8_000, [480, 960, 1_920, 2_880]), (.hybrid, 12_000, [480, 960]), (.hybrid, 20_000, [480, 960]),
            (.celt, 4_000, [120, 240, 480, 960]), (.celt, 8_000, [120, 240, 480, 960]),
            (.celt, 12_000, [120, 240, 480, 960]), (.celt, 20_000, [120, 240, 480, 960]),
        ]
        var configuration = 0
        for (mode, bandwidth, durations) in expected {
            for duration in durations {
                for stereo in [false, true] {
                    let toc = UInt8(configuration << 3) | (stereo ? 0x04 : 0)
                    guard let parsed = info([toc, 0x00, 0x11]) else { return }
                    XCTAssertEqual(parsed.configuration, configuration)
                    XCTAssertEqual(parsed.mode, mode, "config \(configuration)")
                    XCTAssertEqual(parsed.bandwidthHz, bandwidth, "config \(configuration)")
                    XCTAssertEqual(parsed.frameTicks, duration, "config \(configuration)")
                    XCTAssertEqual(parsed.frameCount, 1)
                    XCTAssertEqual(parsed.durationTicks, duration)
                    XCTAssertEqual(parsed.isStereo, stereo)
                }
                configuration += 1
            }
        }
        XCTAssertEqual(configuration, 32)
    }

    /// RFC 6716 §3.2: frame count codes 1–3 and the §3.4 rules on lengths.
    func testFramingCodesAndLyingLengths() {
        let toc20msCELT: UInt8 = 31 << 3  // CELT FB 20 ms
        // Code 1: two frames of equal size; the rest must split evenly (R3).
        XCTAssertEqual(info([toc20msCELT | 1, 1, 2, 3, 4])?.frameCount, 2)
        XCTAssertNotNil(failure([toc20msCELT | 1, 1, 2, 3]))
        // Code 2: first length 2, second frame the rest; a first length beyond the data lies (R4).
        XCTAssertEqual(info([toc20msCELT | 2, 2, 9, 9, 7])?.frameCount, 2)
        XCTAssertNotNil(failure([toc20msCELT | 2, 200, 1, 2]))
        XCTAssertNotNil(failure([toc20msCELT | 2]))
        // Code 3 CBR: count byte M=3 (60 ms), 3 bytes each.
        XCTAssertEqual(info([toc20msCELT | 3, 0x03] + [UInt8](repeating: 5, count: 9))?.durationTicks, 2_880)
        // Code 3 with zero frames (R5), or more than 120 ms (6 × 20 ms = ok, 7 × 20 ms not).
        XCTAssertNotNil(failure([toc20msCELT | 3, 0x00, 1]))
        XCTAssertEqual(info([toc20msCELT | 3, 0x06] + [UInt8](repeating: 5, count: 6))?.durationTicks, 5_760)
        XCTAssertNotNil(failure([toc20msCELT | 3, 0x07] + [UInt8](repeating: 5, count: 7)))
        // Code 3 with padding whose length lies (R6/R7): padding flag, 250 bytes of padding, 3 bytes of data.
        XCTAssertNotNil(failure([toc20msCELT | 3, 0x41, 250, 1, 2, 3]))
        // Code 3 VBR: frame lengths that exceed the packet.
        XCTAssertNotNil(failure([toc20msCELT | 3, 0x82, 100, 1, 2, 3]))
        XCTAssertEqual(failure([]), .empty)
        XCTAssertEqual(failure([UInt8](repeating: 0, count: 70_000)), .tooLong(bytes: 70_000))
    }

    /// Every truncation and random bytes: no trap, and accepted packets have sane durations.
    func testHostileInputNeverTraps() throws {
        var generator = SeededGenerator(seed: 42)
        let vbr: [UInt8] = [(31 << 3) | 3, 0x83, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        var sender = try ToneSender(frequency: 440)
        let real = try sender.next().payload
        for packet in [vbr, real] {
            for length in 0...packet.count {
                switch OpusPacketInfo.inspect(Array(packet[0..<length])) {
                case .success(let parsed):
                    XCTAssertGreaterThan(length, 0)
                    XCTAssertLessThanOrEqual(parsed.durationTicks, 5_760)
                case .failure:
                    break
                }
            }
        }
        XCTAssertNotNil(failure(Array(vbr[0..<5])), "VBR lengths longer than the truncated packet")
        var accepted = 0
        for _ in 0..<10_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if case .success(let parsed) = OpusPacketInfo.inspect(bytes) {
                accepted += 1
                XCTAssertTrue((1...48).contains(parsed.frameCount))
                XCTAssertLessThanOrEqual(parsed.durationTicks, 5_760)
                XCTAssertEqual(parsed.durationTicks % 120, 0)
            }
        }
        XCTAssertGreaterThan(accepted, 1_000, "random bytes are often valid framing (code 0 accepts anything)")
    }

    /// Bit positions of RFC 6716 §4.2.3: VAD flags then LBRR flag per channel.
    func testLBRRBitPositions() {
        // 20 ms mono: VAD = bit 7, LBRR = bit 6.
        XCTAssertTrue(OpusPacketInfo.lbrrFlag(firstByte: 0b0100_0000, frameTicks: 960, isStereo: false))
        XCTAssertFalse(OpusPacketInfo.lbrrFlag(firstByte: 0b1011_1111, frameTicks: 960, isStereo: false))
        // 10 ms is one SILK frame too.
        XCTAssertTrue(OpusPacketInfo.lbrrFlag(firstByte: 0b0100_0000, frameTicks: 480, isStereo: false))
        // 40 ms: two VAD flags, LBRR = bit 5. 60 ms: three, LBRR = bit 4.
        XCTAssertTrue(OpusPacketInfo.lbrrFlag(firstByte: 0b0010_0000, frameTicks: 1_920, isStereo: false))
        XCTAssertFalse(OpusPacketInfo.lbrrFlag(firstByte: 0b1101_1111, frameTicks: 1_920, isStereo: false))
        XCTAssertTrue(OpusPacketInfo.lbrrFlag(firstByte: 0b0001_0000, frameTicks: 2_880, isStereo: false))
        XCTAssertFalse(OpusPacketInfo.lbrrFlag(firstByte: 0b1110_1111, frameTicks: 2_880, isStereo: false))
        // Stereo 20 ms: mid VAD, mid LBRR (bit 6), side VAD, side LBRR (bit 4).
        XCTAssertTrue(OpusPacketInfo.lbrrFlag(firstByte: 0b0001_0000, frameTicks: 960, isStereo: true))
        XCTAssertFalse(OpusPacketInfo.lbrrFlag(firstByte: 0b1010_1111, frameTicks: 960, isStereo: true))
        // Stereo 60 ms: side LBRR is bit 0.
        XCTAssertTrue(OpusPacketInfo.lbrrFlag(firstByte: 0b0000_0001, frameTicks: 2_880, isStereo: true))
        // CELT packets never report FEC.
        XCTAssertEqual(info([(31 << 3), 0xFF, 0xFF])?.hasInbandFEC, false)
    }

    /// 60 ms SILK-only packets at 16 kHz: the flag (bit 4) must match libopus' real FEC use. For
    /// 60 ms libopus' FEC call conceals through a different path than plain PLC, so "differs from
    /// PLC" is no oracle here; closeness to the lost audio is. Without LBRR the rebuild is never
    /// much better than concealment; with it (some of the three SILK frames may lack their own
    /// LBRR) it beats concealment in most packets.
    func testLBRRFlagOf60msSILKPacketsMatchesLibopus() throws {
        let encoder = try OpusEncoder(.init(sampleRate: .hz16000, bitrate: 20_000, inbandFEC: true, packetLossPercent: 20))
        var tone = ToneGenerator(frequency: 300, sampleRate: 16_000, syllableRate: 3)
        let packets = try (0..<30).map { _ in try encoder.encode(tone.frame(samples: 960)) }
        var flagged = 0
        var flaggedBetter = 0
        var unflagged = 0
        for index in 1..<packets.count {
            guard let parsed = info(packets[index]) else { return }
            XCTAssertEqual(parsed.mode, .silk)
            XCTAssertEqual(parsed.durationTicks, 2_880)
            let reference = try OpusDecoder(sampleRate: .hz16000)
            let fec = try OpusDecoder(sampleRate: .hz16000)
            let plc = try OpusDecoder(sampleRate: .hz16000)
            for packet in packets[0..<(index - 1)] {
                _ = try reference.decode(packet)
                _ = try fec.decode(packet)
                _ = try plc.decode(packet)
            }
            let lost = try reference.decode(packets[index - 1])
            let rebuilt = try fec.decodeFEC(packets[index], samples: 960)
            let concealed = try plc.conceal(samples: 960)
            let fecError = squaredError(rebuilt, lost)
            let plcError = squaredError(concealed, lost)
            if parsed.hasInbandFEC {
                flagged += 1
                if fecError < plcError / 2 { flaggedBetter += 1 }
            } else {
                unflagged += 1
                XCTAssertGreaterThan(fecError, plcError / 2, "packet \(index) has no LBRR: FEC cannot be much better")
            }
        }
        XCTAssertGreaterThan(flagged, 10)
        XCTAssertGreaterThanOrEqual(Double(flaggedBetter), 0.8 * Double(flagged), "\(flaggedBetter) of \(flagged)")
        XCTAssertGreaterThan(unflagged, 0)
    }

    private func squaredError(_ a: [Int16], _ b: [Int16]) -> Double {
        var sum = 0.0
        for i in 0..<min(a.count, b.count) {
            let d = Double(a[i]) - Double(b[i])
            sum += d * d
        }
        return sum
    }
}
