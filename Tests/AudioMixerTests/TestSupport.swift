import Foundation
import XCTest
@testable import AudioMixer

/// Deterministic PRNG (SplitMix64) so fuzz runs are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Continuous-phase sine generator producing Int16 frames.
/// With `syllableRate` > 0 the amplitude is modulated (0.1…1 × amplitude at that rate in Hz), which
/// keeps libopus' voice-activity detector (and so its LBRR/FEC output) active like speech does;
/// a steady tone is classified inactive after ~0.6 s.
struct ToneGenerator {
    let frequency: Double
    let amplitude: Double
    let sampleRate: Int
    let syllableRate: Double
    private var phase = 0.0
    private var modulationPhase = 0.0

    init(frequency: Double, amplitude: Double = 8_000, sampleRate: Int = 48_000, syllableRate: Double = 0) {
        self.frequency = frequency
        self.amplitude = amplitude
        self.sampleRate = sampleRate
        self.syllableRate = syllableRate
    }

    mutating func frame(samples: Int) -> [Int16] {
        var out = [Int16](repeating: 0, count: samples)
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        let modulationStep = 2 * Double.pi * syllableRate / Double(sampleRate)
        for i in 0..<samples {
            let envelope = syllableRate > 0 ? 0.55 - 0.45 * cos(modulationPhase) : 1
            out[i] = Int16((amplitude * envelope * sin(phase)).rounded())
            phase += step
            if phase > 2 * Double.pi { phase -= 2 * Double.pi }
            modulationPhase += modulationStep
            if modulationPhase > 2 * Double.pi { modulationPhase -= 2 * Double.pi }
        }
        return out
    }
}

/// Amplitude of the `frequency` component of `samples` (Goertzel; 2|X(f)|/N, so a pure sine of
/// amplitude A gives ≈ A when the window holds a whole number of periods).
func goertzelAmplitude(_ samples: ArraySlice<Int16>, frequency: Double, sampleRate: Double) -> Double {
    let omega = 2 * Double.pi * frequency / sampleRate
    let coefficient = 2 * cos(omega)
    var s1 = 0.0
    var s2 = 0.0
    for sample in samples {
        let s0 = Double(sample) + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return 2 * max(power, 0).squareRoot() / Double(samples.count)
}

func goertzelAmplitude(_ samples: [Int16], frequency: Double, sampleRate: Double) -> Double {
    goertzelAmplitude(samples[...], frequency: frequency, sampleRate: sampleRate)
}

/// A simulated WebRTC sender: tone → Opus 20 ms packets with RTP sequence numbers and timestamps.
struct ToneSender {
    var tone: ToneGenerator
    let encoder: OpusEncoder
    var sequenceNumber: UInt16
    var timestamp: UInt32
    let samplesPerFrame: Int

    init(frequency: Double, amplitude: Double = 8_000, sampleRate: OpusSampleRate = .hz48000,
         firstSequence: UInt16 = 1_000, firstTimestamp: UInt32 = 123_456, fec: Bool = true,
         syllableRate: Double = 0) throws {
        tone = ToneGenerator(frequency: frequency, amplitude: amplitude, sampleRate: sampleRate.rawValue,
                             syllableRate: syllableRate)
        encoder = try OpusEncoder(OpusEncoder.Configuration(sampleRate: sampleRate, bitrate: 32_000, complexity: 5,
                                                            inbandFEC: fec, packetLossPercent: fec ? 20 : 0))
        sequenceNumber = firstSequence
        timestamp = firstTimestamp
        samplesPerFrame = sampleRate.samples(milliseconds: 20)
    }

    /// Next packet: (payload, sequence number, timestamp); advances by one 20 ms frame.
    mutating func next() throws -> (payload: [UInt8], sequenceNumber: UInt16, timestamp: UInt32) {
        let payload = try encoder.encode(tone.frame(samples: samplesPerFrame))
        defer {
            sequenceNumber &+= 1
            timestamp &+= 960
        }
        return (payload, sequenceNumber, timestamp)
    }
}

/// `/work/shared/cases` (…/Tests/AudioMixerTests/X.swift → repo root → ../shared/cases).
func sharedCasesDirectory(file: StaticString = #filePath) throws -> URL {
    let repoRoot = URL(fileURLWithPath: "\(file)").resolvingSymlinksInPath().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let cases = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/cases")
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: cases.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        XCTFail("shared cases directory missing at \(cases.path): CI must have ../shared beside the clone")
        throw CocoaError(.fileNoSuchFile)
    }
    return cases
}
