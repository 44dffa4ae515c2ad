// Valid Opus packets for the opus/mixer targets, encoded at start-up with the project's encoder:
// SILK, hybrid and CELT modes, mono and stereo, 10…60 ms, with and without in-band FEC.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AudioMixer

public enum OpusSeeds {
    /// (name, packets) per encoder configuration; deterministic.
    public static func make() -> [(name: String, packets: [[UInt8]])] {
        let configurations: [(String, OpusEncoder.Configuration, Int)] = [
            ("voip16k-fec-20ms", .init(sampleRate: .hz16000, bitrate: 24_000, inbandFEC: true, packetLossPercent: 20), 20),
            ("voip48k-10ms", .init(sampleRate: .hz48000, bitrate: 32_000, inbandFEC: false, packetLossPercent: 0), 10),
            ("voip24k-60ms", .init(sampleRate: .hz24000, bitrate: 16_000), 60),
            ("audio48k-stereo-20ms", .init(sampleRate: .hz48000, channels: 2, application: .audio, bitrate: 96_000), 20),
            ("lowdelay48k-5ms", .init(sampleRate: .hz48000, application: .restrictedLowDelay, bitrate: 64_000), 5),
            ("audio48k-hybrid-20ms", .init(sampleRate: .hz48000, application: .audio, bitrate: 20_000), 20),
        ]
        var result: [(name: String, packets: [[UInt8]])] = []
        for (name, configuration, milliseconds) in configurations {
            guard let encoder = try? OpusEncoder(configuration) else { continue }
            let samples = configuration.sampleRate.samples(milliseconds: milliseconds)
            var phase = 0.0
            var packets: [[UInt8]] = []
            for frame in 0..<12 {
                var pcm = [Int16](repeating: 0, count: samples * configuration.channels)
                let amplitude = frame % 4 == 3 ? 0.0 : 6_000.0 * Double(1 + frame % 3)
                for index in 0..<samples {
                    let value = Int16(amplitude * sin(phase))
                    phase += 2 * Double.pi * 440 / Double(configuration.sampleRate.rawValue)
                    for channel in 0..<configuration.channels { pcm[index * configuration.channels + channel] = value }
                }
                if let packet = try? encoder.encode(pcm) { packets.append(packet) }
            }
            result.append((name, packets))
        }
        return result
    }
}
