import XCTest
@testable import AudioMixer

final class OpusCodecTests: XCTestCase {
    /// Encodes `frames` 20 ms frames of a tone and decodes them again; returns the decoded samples.
    private func roundTrip(frequency: Double, rate: OpusSampleRate, frames: Int) throws -> [Int16] {
        var sender = try ToneSender(frequency: frequency, sampleRate: rate)
        let decoder = try OpusDecoder(sampleRate: rate)
        var decoded: [Int16] = []
        for _ in 0..<frames {
            let packet = try sender.next()
            let pcm = try decoder.decode(packet.payload)
            XCTAssertEqual(pcm.count, rate.samples(milliseconds: 20))
            decoded += pcm
        }
        return decoded
    }

    func testToneSurvivesEncodeDecodeAtEveryMixerRate() throws {
        for rate in [OpusSampleRate.hz16000, .hz24000, .hz48000] {
            let decoded = try roundTrip(frequency: 440, rate: rate, frames: 50)
            // Skip the first 200 ms (encoder start-up), analyse the next 800 ms (whole periods of 440 Hz at 40 ms).
            let window = decoded[rate.samples(milliseconds: 200)..<rate.samples(milliseconds: 1000)]
            let at440 = goertzelAmplitude(window, frequency: 440, sampleRate: Double(rate.rawValue))
            let at880 = goertzelAmplitude(window, frequency: 880, sampleRate: Double(rate.rawValue))
            XCTAssertGreaterThan(at440, 6_000, "\(rate): 440 Hz amplitude \(at440) of 8000")
            XCTAssertLessThan(at440, 10_000, "\(rate)")
            XCTAssertLessThan(at880, 200, "\(rate): 880 Hz leakage \(at880)")
        }
    }

    func testStereoPacketsDecodeInMonoAndStereoDecoders() throws {
        let stereo = try OpusEncoder(.init(channels: 2, application: .audio, bitrate: 64_000))
        var left = ToneGenerator(frequency: 440)
        var right = ToneGenerator(frequency: 880)
        let mono = try OpusDecoder(channels: 1)
        let both = try OpusDecoder(channels: 2)
        var monoOut: [Int16] = []
        var leftOut: [Int16] = []
        var rightOut: [Int16] = []
        for _ in 0..<50 {
            let l = left.frame(samples: 960)
            let r = right.frame(samples: 960)
            var interleaved = [Int16](repeating: 0, count: 1_920)
            for i in 0..<960 {
                interleaved[2 * i] = l[i]
                interleaved[2 * i + 1] = r[i]
            }
            let packet = try stereo.encode(interleaved)
            guard case .success(let info) = OpusPacketInfo.inspect(packet) else { return XCTFail("invalid stereo packet") }
            XCTAssertTrue(info.isStereo)
            let m = try mono.decode(packet)
            XCTAssertEqual(m.count, 960)
            monoOut += m
            let s = try both.decode(packet)
            XCTAssertEqual(s.count, 1_920)
            for i in 0..<960 {
                leftOut.append(s[2 * i])
                rightOut.append(s[2 * i + 1])
            }
        }
        let range = 9_600..<48_000
        // The stereo decoder keeps the channels apart.
        XCTAssertGreaterThan(goertzelAmplitude(leftOut[range], frequency: 440, sampleRate: 48_000), 5_000)
        XCTAssertLessThan(goertzelAmplitude(leftOut[range], frequency: 880, sampleRate: 48_000), 800)
        XCTAssertGreaterThan(goertzelAmplitude(rightOut[range], frequency: 880, sampleRate: 48_000), 5_000)
        XCTAssertLessThan(goertzelAmplitude(rightOut[range], frequency: 440, sampleRate: 48_000), 800)
        // The mono decoder down-mixes: both tones at about half amplitude.
        XCTAssertGreaterThan(goertzelAmplitude(monoOut[range], frequency: 440, sampleRate: 48_000), 2_500)
        XCTAssertGreaterThan(goertzelAmplitude(monoOut[range], frequency: 880, sampleRate: 48_000), 2_500)
    }

    /// The LBRR bit read from the first byte (RFC 6716 §4.2.3) must say exactly when libopus really
    /// rebuilds audio from FEC (`decode_fec = 1` output differs from plain concealment).
    func testLBRRFlagAgreesWithLibopusFECUse() throws {
        var flagged = 0
        var unflagged = 0
        for frequency in [300.0, 440.0] {
            var sender = try ToneSender(frequency: frequency, fec: true, syllableRate: 3)
            let packets = try (0..<100).map { _ in try sender.next().payload }
            let fecDecoder = try OpusDecoder()
            let plcDecoder = try OpusDecoder()
            for index in 1..<packets.count {
                guard case .success(let info) = OpusPacketInfo.inspect(packets[index]) else {
                    return XCTFail("encoder produced an invalid packet")
                }
                XCTAssertEqual(info.durationTicks, 960)
                XCTAssertNotEqual(info.mode, .celt, "VOIP at 32 kbit/s codes speech-like input with SILK")
                // Both decoders have decoded packets 0..<index-1; packet index-1 is "lost".
                let rebuilt = try fecDecoder.decodeFEC(packets[index], samples: 960)
                let concealed = try plcDecoder.conceal(samples: 960)
                XCTAssertEqual(info.hasInbandFEC, rebuilt != concealed, "packet \(index) at \(frequency) Hz")
                if info.hasInbandFEC { flagged += 1 } else { unflagged += 1 }
                // Put both decoders back on the real stream (packets 0..<index) for the next round.
                try resync(fecDecoder, packets[0..<index])
                try resync(plcDecoder, packets[0..<index])
            }
        }
        XCTAssertGreaterThan(flagged, 100, "most speech-like packets carry LBRR")
        XCTAssertGreaterThan(unflagged, 10, "quiet (VAD-inactive) packets carry none")
    }

    /// Resets `decoder` and feeds it `packets`.
    private func resync(_ decoder: OpusDecoder, _ packets: ArraySlice<[UInt8]>) throws {
        decoder.reset()
        for packet in packets { _ = try decoder.decode(packet) }
    }

    func testEncoderWithoutFECNeverMarksLBRR() throws {
        var sender = try ToneSender(frequency: 300, fec: false, syllableRate: 3)
        for index in 0..<100 {
            guard case .success(let info) = OpusPacketInfo.inspect(try sender.next().payload) else {
                return XCTFail("encoder produced an invalid packet")
            }
            XCTAssertFalse(info.hasInbandFEC, "packet \(index) flagged LBRR without FEC")
        }
    }

    func testFECRebuildsTheLostPacketBetterThanConcealment() throws {
        var sender = try ToneSender(frequency: 440, syllableRate: 3)
        let packets = try (0..<40).map { _ in try sender.next().payload }
        guard let lost = (5..<39).first(where: { index in
            if case .success(let info) = OpusPacketInfo.inspect(packets[index + 1]) { return info.hasInbandFEC }
            return false
        }) else { return XCTFail("no packet with LBRR") }
        let reference = try OpusDecoder()
        let withFEC = try OpusDecoder()
        let withPLC = try OpusDecoder()
        for packet in packets[0..<lost] {
            _ = try reference.decode(packet)
            _ = try withFEC.decode(packet)
            _ = try withPLC.decode(packet)
        }
        let original = try reference.decode(packets[lost])
        let rebuilt = try withFEC.decodeFEC(packets[lost + 1], samples: 960)
        let concealed = try withPLC.conceal(samples: 960)
        XCTAssertEqual(rebuilt.count, 960)
        XCTAssertEqual(concealed.count, 960)
        func error(_ x: [Int16]) -> Double {
            zip(x, original).map { Double($0) - Double($1) }.map { $0 * $0 }.reduce(0, +)
        }
        let energy = original.map { Double($0) * Double($0) }.reduce(0, +)
        XCTAssertLessThan(error(rebuilt), 0.5 * energy, "FEC rebuild should be close to the lost audio")
        XCTAssertLessThan(error(rebuilt), error(concealed), "FEC should beat concealment")
    }

    func testCopiedEncoderStateContinuesTheSameStream() throws {
        let a = try OpusEncoder()
        let b = try OpusEncoder()
        var tone = ToneGenerator(frequency: 523)
        for _ in 0..<20 { _ = try a.encode(tone.frame(samples: 960)) }
        try b.copyState(from: a)
        for _ in 0..<10 {
            let frame = tone.frame(samples: 960)
            XCTAssertEqual(try a.encode(frame), try b.encode(frame))
        }
        let other = try OpusEncoder(.init(bitrate: 24_000))
        XCTAssertThrowsError(try other.copyState(from: a)) { error in
            guard case OpusCodecError.invalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    func testInvalidArgumentsThrowTypedErrors() throws {
        func expectInvalidArgument(_ body: () throws -> Void, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { error in
                guard case OpusCodecError.invalidArgument = error else { return XCTFail("\(error)", line: line) }
            }
        }
        expectInvalidArgument { _ = try OpusDecoder(channels: 3) }
        expectInvalidArgument { _ = try OpusDecoder(channels: 0) }
        expectInvalidArgument { _ = try OpusEncoder(.init(channels: 3)) }
        expectInvalidArgument { _ = try OpusEncoder(.init(bitrate: 100)) }
        expectInvalidArgument { _ = try OpusEncoder(.init(complexity: 11)) }
        expectInvalidArgument { _ = try OpusEncoder(.init(packetLossPercent: 101)) }
        let encoder = try OpusEncoder()
        expectInvalidArgument { _ = try encoder.encode([Int16](repeating: 0, count: 961)) }
        expectInvalidArgument { _ = try encoder.encode([]) }
        let decoder = try OpusDecoder()
        expectInvalidArgument { _ = try decoder.conceal(samples: 100) }  // not a multiple of 2.5 ms
        expectInvalidArgument { _ = try decoder.conceal(samples: 0) }
        expectInvalidArgument { _ = try decoder.conceal(samples: 5_760 + 120) }
        var sender = try ToneSender(frequency: 440)
        let packet = try sender.next().payload
        expectInvalidArgument { _ = try decoder.decodeFEC(packet, samples: 7) }
        // A 20 ms packet into a 10 ms buffer.
        var small = [Int16](repeating: 0, count: 480)
        expectInvalidArgument {
            _ = try packet.withUnsafeBytes { bytes in
                try small.withUnsafeMutableBufferPointer { try decoder.decode(bytes, into: $0) }
            }
        }
        XCTAssertThrowsError(try decoder.decode([])) { error in
            XCTAssertEqual(error as? OpusCodecError, .invalidPacket(.empty))
        }
    }

    func testTruncatedAndCorruptedPacketsNeverTrap() throws {
        var sender = try ToneSender(frequency: 440)
        var packets: [[UInt8]] = []
        for _ in 0..<5 { packets.append(try sender.next().payload) }
        let decoder = try OpusDecoder()
        var rejected = 0
        var decoded = 0
        for packet in packets {
            for length in 0...packet.count {
                let truncated = Array(packet[0..<length])
                do {
                    let pcm = try decoder.decode(truncated)
                    XCTAssertEqual(pcm.count % 120, 0, "decoded durations are multiples of 2.5 ms")
                    decoded += 1
                } catch {
                    rejected += 1
                }
            }
        }
        // Length 0 always fails; many truncations remain syntactically valid (libopus reads past the end as zeros).
        XCTAssertGreaterThanOrEqual(rejected, packets.count)
        XCTAssertGreaterThan(decoded, 0)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...300, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let pcm = try? decoder.decode(bytes) {
                XCTAssertLessThanOrEqual(pcm.count, 5_760)
            }
            _ = try? decoder.decodeFEC(bytes, samples: 960)
        }
        // The decoder still works afterwards.
        decoder.reset()
        XCTAssertEqual(try decoder.decode(try sender.next().payload).count, 960)
    }
}
