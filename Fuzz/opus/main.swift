// libFuzzer target: Opus RTP payloads (RFC 6716 §3 framing, RFC 7587) through
// `OpusPacketInfo.inspect` and, when accepted, libopus decoding through `OpusDecoder`.
//
// Checked besides "never traps": an accepted packet has 1…48 frames of a legal size lasting at most
// 120 ms, and decodes (normal and FEC) to exactly its announced duration, as the inspector promises.
import AudioMixer
import FuzzSupport
import OpusSupport

let decoder48k = try! OpusDecoder(sampleRate: .hz48000, channels: 1)
let decoder16kStereo = try! OpusDecoder(sampleRate: .hz16000, channels: 2)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let payload = fuzzBytes(data, size)
    let viaPointer = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let result = OpusPacketInfo.inspect(payload)
    fuzzCheck(OpusPacketInfo.inspect(viaPointer) == result, "array and pointer inspections differ")
    guard case .success(let info) = result else { return 0 }
    fuzzCheck((1...48).contains(info.frameCount), "frame count \(info.frameCount)")
    fuzzCheck([120, 240, 480, 960, 1_920, 2_880].contains(info.frameTicks), "frame ticks \(info.frameTicks)")
    fuzzCheck(info.durationTicks <= 5_760, "duration \(info.durationTicks) ticks above 120 ms")

    for decoder in [decoder48k, decoder16kStereo] {
        decoder.reset()
        let samples = info.durationTicks / decoder.sampleRate.rtpTicksPerSample
        do {
            let pcm = try decoder.decode(payload)
            fuzzCheck(pcm.count == samples * decoder.channels,
                      "decoded \(pcm.count) values, expected \(samples) × \(decoder.channels)")
        } catch {
            fuzzCheck(false, "inspect accepted a packet libopus refuses: \(error)")
        }
        if info.hasInbandFEC {
            let fecSamples = info.frameTicks / decoder.sampleRate.rtpTicksPerSample
            _ = try? decoder.decodeFEC(payload, samples: fecSamples)
        }
    }
    return 0
}

runLibFuzzer(fuzzOpus) { seeds in
    for (name, packets) in OpusSeeds.make() {
        for (index, packet) in packets.enumerated() where index % 3 == 0 { seeds.write("\(name)-\(index)", packet) }
    }
    // Code 3 (RFC 6716 §3.2.5): CBR with 3 frames, VBR with padding.
    seeds.write("code3-cbr", [(31 << 3) | 3, 0x03, 1, 2, 3, 4, 5, 6])
    seeds.write("code3-vbr-padding", [(20 << 3) | 3, 0xC2, 2, 1, 2, 9, 9, 7, 7, 0, 0])
    seeds.write("code2", [(1 << 3) | 2, 3, 1, 2, 3, 4, 5])
}
