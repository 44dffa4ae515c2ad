// libFuzzer target: the audio mixer (issue 5) fed a fuzzed RTP packet stream: payloads, sequence
// numbers, timestamps, RFC 6464 levels, mutes, leaves and joins, interleaved with 20 ms mix frames.
//
// Input: one configuration byte, then records (at most `maxRecords`), each an op byte:
//   op % 8 in 0…3  push raw payload: [flags][seq/ts fields][level][length][bytes]
//   op % 8 == 4    push a valid Opus packet from the seed pool, optionally with one byte flipped
//   op % 8 == 5    mixFrame()
//   op % 8 == 6    toggle mute
//   op % 8 == 7    remove / re-add the participant
// The participant is (op >> 3) % 4 (3 starts absent). Sequence numbers and timestamps are deltas
// from the participant's last ones unless op bit 7 asks for absolute values.
//
// Checked besides "never traps": pushes to absent participants say so; every frame has one payload
// per present participant, each a valid 20 ms Opus packet; buffers stay within capacity.
import AudioMixer
import FuzzSupport
import OpusSupport

let pool: [[UInt8]] = OpusSeeds.make().flatMap(\.packets)
let maxRecords = 96
let maxFrames = 12

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMixer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzReader(fuzzBytes(data, size))
    let setup = input.byte()
    let rates: [OpusSampleRate] = [.hz16000, .hz48000, .hz8000, .hz24000]
    let configuration = AudioMixer<Int>.Configuration(
        sampleRate: rates[Int(setup & 3)], bitrate: 16_000 + Int(setup >> 4) * 4_000, complexity: 0,
        jitterBuffer: JitterBuffer.Configuration(capacity: 4 + Int(setup >> 2 & 3) * 8),
        mixGateLevel: setup & 0x80 != 0 ? 127 : 65, privateHangoverFrames: Int(setup >> 5 & 3))
    guard let mixer = try? AudioMixer<Int>(configuration: configuration) else {
        fuzzCheck(false, "mixer refused a valid configuration")
        return 0
    }
    var present = Set<Int>()
    for id in 0..<3 where (try? mixer.addParticipant(id, muted: false)) == true { present.insert(id) }
    var sequence = [UInt16](repeating: 100, count: 4)
    var timestamp = [UInt32](repeating: 48_000, count: 4)
    var frames = 0
    var records = 0

    while !input.isAtEnd && records < maxRecords {
        records += 1
        let op = input.byte()
        let id = Int(op >> 3) % 4
        switch op % 8 {
        case 0...4:
            if op & 0x80 != 0 {
                sequence[id] = input.uint16()
                timestamp[id] = input.uint32()
            } else {
                sequence[id] &+= UInt16(bitPattern: Int16(Int8(bitPattern: input.byte())))
                timestamp[id] &+= UInt32(bitPattern: Int32(Int8(bitPattern: input.byte())) * 120)
            }
            let levelByte = input.byte()
            let level: UInt8? = levelByte == 0xFF ? nil : levelByte
            var payload: [UInt8]
            if op % 8 == 4 {
                payload = pool.isEmpty ? [] : pool[Int(input.byte()) % pool.count]
                let flip = input.byte()
                if flip != 0, !payload.isEmpty { payload[Int(flip) % payload.count] ^= input.byte() | 1 }
            } else {
                payload = input.bytes(Int(input.byte()))
            }
            let outcome = mixer.push(participant: id, payload: payload, sequenceNumber: sequence[id],
                                     timestamp: timestamp[id], audioLevel: level)
            fuzzCheck((outcome == .unknownParticipant) == !present.contains(id),
                      "push outcome \(outcome) for participant \(id), present: \(present.contains(id))")
        case 5:
            guard frames < maxFrames else { continue }
            frames += 1
            mix(mixer, present)
        case 6:
            if let muted = mixer.isMuted(id) { mixer.setMuted(!muted, for: id) }
        default:
            if present.contains(id) {
                fuzzCheck(mixer.removeParticipant(id), "could not remove present participant \(id)")
                present.remove(id)
            } else if (try? mixer.addParticipant(id, muted: op & 0x80 != 0)) == true {
                present.insert(id)
            }
        }
        for member in present {
            guard let stats = mixer.statistics(for: member) else {
                fuzzCheck(false, "no statistics for present participant \(member)")
                return 0
            }
            fuzzCheck(stats.bufferDepth <= configuration.jitterBuffer.capacity,
                      "buffer depth \(stats.bufferDepth) above capacity \(configuration.jitterBuffer.capacity)")
        }
    }
    if frames < maxFrames { mix(mixer, present) }
    return 0
}

func mix(_ mixer: AudioMixer<Int>, _ present: Set<Int>) {
    let frame = mixer.mixFrame()
    fuzzCheck(Set(frame.payloads.map(\.listener)) == present, "frame listeners differ from the participants")
    fuzzCheck(Set(frame.contributors).isSubset(of: present), "a contributor is not a participant")
    for output in frame.payloads {
        guard case .success(let info) = OpusPacketInfo.inspect(output.payload) else {
            return fuzzCheck(false, "mixer produced an invalid Opus packet")
        }
        fuzzCheck(info.durationTicks == 960, "mixed packet lasts \(info.durationTicks) ticks")
    }
}

runLibFuzzer(fuzzMixer) { seeds in
    // Three talkers sending pool packets in order with levels, mixing every two pushes.
    var steady: [UInt8] = [0x01]
    for step in 0..<24 {
        let id = UInt8(step % 3)
        steady += [id << 3 | 4, 1, 20, UInt8(30 + step), UInt8(step * 5), 0]   // +1 seq, +20×120 ticks
        if step % 2 == 1 { steady.append(5) }
    }
    seeds.write("steady-three-talkers", steady)
    // Reordering, a duplicate, absolute jumps, a mute, a leave and a join, raw garbage.
    seeds.write("hostile-stream", [0x82,
        4, 1, 20, 40, 3, 0,   4, 2, 40, 40, 4, 0,   4, 0xFF, 0xEC, 40, 5, 0,   4, 0, 0, 40, 5, 0,   5,
        0x84, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 6, 0,   5,   14,   15,   5,   23,
        0x18, 1, 20, 0xFF, 3, 0xFC, 0xFF, 0xFE,   0x1C, 1, 20, 10, 7, 3, 0x55,   5, 5, 5])
}
