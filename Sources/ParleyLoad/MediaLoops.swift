import Foundation
import AudioMixer
import WebRTCClient

/// A VP8 test pattern encoded once at start-up and replayed in a loop by every publisher
/// (issue 6 §2). Frame 0 is a keyframe, so jumping back to it (on PLI/FIR, or at the loop end)
/// yields a decodable stream.
public struct VideoLoop: Sendable {
    public let frames: [EncodedVP8Frame]
    public let framesPerSecond: Int
    public let width: Int
    public let height: Int

    /// Encodes `seconds` of a moving test pattern (colour bars scrolling, a white square bouncing).
    /// - Throws: `VP8EncoderError` for a bad size/bitrate or a libvpx failure.
    public static func make(width: Int, height: Int, bitrate: Int, framesPerSecond: Int = 30,
                            seconds: Int = 2) throws -> VideoLoop {
        let encoder = try VP8Encoder(width: width, height: height, bitrate: bitrate,
                                     framesPerSecond: framesPerSecond, keyframeInterval: 10_000)
        let count = max(1, framesPerSecond * max(1, seconds))
        var frames: [EncodedVP8Frame] = []
        frames.reserveCapacity(count)
        for index in 0..<count {
            let produced = try encoder.encode(forceKeyframe: index == 0) { y, yStride, u, v, uvStride in
                let shift = index * 4
                let box = 40 + (index * 7) % max(1, width - 120)
                for row in 0..<height {
                    let line = y + row * yStride
                    for col in 0..<width {
                        let bar = ((col + shift) / max(1, width / 8)) % 8
                        var luma = UInt8(truncatingIfNeeded: 30 + bar * 28)
                        if col >= box, col < box + 64, row >= height / 3, row < height / 3 + 64 { luma = 235 }
                        line[col] = luma
                    }
                }
                for row in 0..<(height / 2) {
                    for col in 0..<(width / 2) {
                        u[row * uvStride + col] = UInt8(truncatingIfNeeded: 128 + ((col + shift) % 64) - 32)
                        v[row * uvStride + col] = UInt8(truncatingIfNeeded: 128 + (row % 64) - 32)
                    }
                }
            }
            frames.append(contentsOf: produced)
        }
        return VideoLoop(frames: frames, framesPerSecond: framesPerSecond, width: width, height: height)
    }

    /// Mean encoded bitrate of the loop in bits/s.
    public var meanBitrate: Double {
        guard !frames.isEmpty else { return 0 }
        let bytes = frames.reduce(0) { $0 + $1.data.count }
        return Double(bytes * 8) * Double(framesPerSecond) / Double(frames.count)
    }
}

/// 20 ms Opus packets (48 kHz, mono input, the `opus/48000/2` RTP format) of a tone or of
/// silence, encoded once and replayed at 50 packets/s.
public struct AudioLoop: Sendable {
    public let packets: [[UInt8]]
    /// RTP timestamp increment per packet (960 at 48 kHz).
    public static let samplesPerPacket: UInt32 = 960

    /// - Parameter toneHz: nil for silence.
    /// - Throws: `OpusCodecError` when libopus refuses the configuration.
    public static func make(toneHz: Double? = 440, seconds: Int = 1) throws -> AudioLoop {
        let encoder = try OpusEncoder(OpusEncoder.Configuration(sampleRate: .hz48000, channels: 1))
        var packets: [[UInt8]] = []
        let count = 50 * max(1, seconds)
        var phase = 0.0
        for _ in 0..<count {
            var pcm = [Int16](repeating: 0, count: Int(samplesPerPacket))
            if let toneHz {
                for i in pcm.indices {
                    pcm[i] = Int16(6000 * sin(phase))
                    phase += 2 * Double.pi * toneHz / 48_000
                }
            }
            packets.append(try encoder.encode(pcm))
        }
        return AudioLoop(packets: packets)
    }
}
