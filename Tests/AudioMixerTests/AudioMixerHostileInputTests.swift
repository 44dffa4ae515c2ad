import XCTest
@testable import AudioMixer

final class AudioMixerHostileInputTests: XCTestCase {
    private func makeMixer() throws -> (AudioMixer<String>, OpusDecoder) {
        let mixer = try AudioMixer<String>()
        try mixer.addParticipant("A")
        try mixer.addParticipant("C")
        return (mixer, try OpusDecoder())
    }

    /// Decodes C's payload of `frame` and appends it to `pcm`.
    private func listen(_ frame: MixedFrame<String>, _ decoder: OpusDecoder, into pcm: inout [Int16]) throws {
        let payload = try XCTUnwrap(frame.payload(for: "C")).payload
        pcm += try decoder.decode(payload)
    }

    func testCorruptPayloadsAreCountedAndTheirSlotsConcealed() throws {
        let (mixer, decoder) = try makeMixer()
        var sender = try ToneSender(frequency: 440, fec: false)
        let garbage: [[UInt8]] = [
            [],                                   // no TOC (R1)
            [(31 << 3) | 2, 250, 1, 2],           // code 2, first length beyond the packet
            [(31 << 3) | 3, 0x00],                // code 3, zero frames
            [(31 << 3) | 3, 0x07, 1, 2, 3, 4, 5, 6, 7],  // 140 ms
            [(31 << 3) | 1, 1, 2, 3],             // code 1 with odd length
        ]
        var pcm: [Int16] = []
        var corrupt = 0
        for index in 0..<200 {
            let packet = try sender.next()
            var payload = packet.payload
            if index % 5 == 2 { payload = garbage[(index / 5) % garbage.count] }
            let outcome = mixer.push(participant: "A", payload: payload, sequenceNumber: packet.sequenceNumber,
                                     timestamp: packet.timestamp)
            if case .corrupt = outcome { corrupt += 1 } else { XCTAssertEqual(outcome, .buffered) }
            try listen(mixer.mixFrame(), decoder, into: &pcm)
        }
        let stats = try XCTUnwrap(mixer.statistics(for: "A"))
        XCTAssertEqual(corrupt, 40)
        XCTAssertEqual(stats.corruptPayloads, 40)
        XCTAssertEqual(stats.jitter.concealments, 40, "each dropped packet's 20 ms is concealed once")
        XCTAssertEqual(stats.jitter.played, 159, "160 good packets, the last still buffered")
        // One packet in five concealed: the tone is still clearly there for C.
        XCTAssertGreaterThan(goertzelAmplitude(pcm[(pcm.count - 48_000)...], frequency: 440, sampleRate: 48_000), 4_000)
    }

    func testLossWithFECIsRebuiltNotConcealed() throws {
        let (mixer, _) = try makeMixer()
        var sender = try ToneSender(frequency: 440, fec: true, syllableRate: 3)
        var lostWithLBRRAfter = 0
        var previousLost = false
        for index in 0..<300 {
            let packet = try sender.next()
            if previousLost, case .success(let info) = OpusPacketInfo.inspect(packet.payload), info.hasInbandFEC {
                lostWithLBRRAfter += 1
            }
            previousLost = index % 7 == 3
            if !previousLost {
                XCTAssertEqual(mixer.push(participant: "A", payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                          timestamp: packet.timestamp), .buffered)
            }
            _ = mixer.mixFrame()
        }
        let stats = try XCTUnwrap(mixer.statistics(for: "A")).jitter
        XCTAssertGreaterThan(lostWithLBRRAfter, 20)
        XCTAssertEqual(stats.fecRecoveries, lostWithLBRRAfter, "every loss followed by an LBRR packet is rebuilt")
        XCTAssertEqual(stats.fecRecoveries + stats.concealments, 43, "43 losses in 300 packets")
    }

    func testBurstsGapsReorderingDuplicatesAndTimestampJumps() throws {
        let (mixer, decoder) = try makeMixer()
        var sender = try ToneSender(frequency: 440, fec: false)
        var pcm: [Int16] = []
        let capacity = mixer.configuration.jitterBuffer.capacity
        func push(_ packet: (payload: [UInt8], sequenceNumber: UInt16, timestamp: UInt32), timestampOffset: UInt32 = 0) -> PushOutcome {
            mixer.push(participant: "A", payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                       timestamp: packet.timestamp &+ timestampOffset)
        }
        func frame() throws {
            try listen(mixer.mixFrame(), decoder, into: &pcm)
            XCTAssertLessThanOrEqual(mixer.statistics(for: "A")?.bufferDepth ?? .max, capacity)
        }
        // Steady start.
        for _ in 0..<20 { _ = push(try sender.next()); try frame() }
        var stats = try XCTUnwrap(mixer.statistics(for: "A")).jitter
        XCTAssertEqual(stats.concealments, 0)

        // Duplicates: every packet twice.
        for _ in 0..<10 {
            let packet = try sender.next()
            XCTAssertEqual(push(packet), .buffered)
            XCTAssertEqual(push(packet), .duplicate)
            try frame()
        }
        // Reordering: pairs swapped (within the 40 ms prefetch): nothing lost.
        for _ in 0..<5 {
            let first = try sender.next()
            let second = try sender.next()
            XCTAssertEqual(push(second), .buffered)
            XCTAssertEqual(push(first), .buffered)
            try frame()
            try frame()
        }
        stats = try XCTUnwrap(mixer.statistics(for: "A")).jitter
        XCTAssertEqual(stats.duplicates, 10)
        XCTAssertEqual(stats.concealments, 0)

        // Burst: a 300 ms network stall, then 15 packets at once. Concealment covers the stall; the
        // packets whose time has passed are late; latency stays bounded.
        var held: [(payload: [UInt8], sequenceNumber: UInt16, timestamp: UInt32)] = []
        for _ in 0..<15 {
            held.append(try sender.next())
            try frame()
        }
        let outcomes = held.map { push($0) }
        XCTAssertEqual(outcomes.filter { $0 == .buffered }.count + outcomes.filter { $0 == .late }.count, 15)
        XCTAssertLessThanOrEqual(mixer.statistics(for: "A")?.bufferDepth ?? .max, capacity)
        for _ in 0..<10 { _ = push(try sender.next()); try frame() }
        stats = try XCTUnwrap(mixer.statistics(for: "A")).jitter
        XCTAssertGreaterThan(stats.concealments, 0)
        XCTAssertGreaterThan(stats.late + stats.underruns, 0)

        // Gap: three packets never arrive.
        let concealedBefore = stats.concealedTicks
        for _ in 0..<3 { _ = try sender.next() }
        for _ in 0..<10 { _ = push(try sender.next()); try frame() }
        stats = try XCTUnwrap(mixer.statistics(for: "A")).jitter
        XCTAssertEqual(stats.concealedTicks - concealedBefore, 3 * 960)

        // One wild timestamp: dropped as a discontinuity, the stream goes on.
        XCTAssertEqual(push(try sender.next(), timestampOffset: 2_000_000_000), .discontinuity)
        for _ in 0..<10 { XCTAssertEqual(push(try sender.next()), .buffered); try frame() }
        // The sender's timestamps jump for good: resync on the second packet.
        XCTAssertEqual(push(try sender.next(), timestampOffset: 1_000_000), .discontinuity)
        XCTAssertEqual(push(try sender.next(), timestampOffset: 1_000_000), .resynchronized)
        try frame()
        for _ in 0..<60 { XCTAssertEqual(push(try sender.next(), timestampOffset: 1_000_000), .buffered); try frame() }
        stats = try XCTUnwrap(mixer.statistics(for: "A")).jitter
        XCTAssertEqual(stats.discontinuities, 2)
        XCTAssertEqual(stats.resyncs, 1)
        XCTAssertLessThanOrEqual(stats.maxDepth, capacity)
        // After all that, C hears A's tone cleanly again.
        XCTAssertGreaterThan(goertzelAmplitude(pcm[(pcm.count - 48_000)...], frequency: 440, sampleRate: 48_000), 6_000)
    }

    /// ≥ 20 000 seeded random pushes: valid, truncated, bit-flipped and random payloads; sequence
    /// numbers and timestamps mostly sane with duplicates, reordering, jumps and wild values;
    /// random levels; mixing, muting, removal and re-adding in between. Nothing may trap, buffers
    /// stay bounded, every output is a valid 20 ms Opus packet, and the counters add up.
    func testSeededFuzzOfPush() throws {
        var random = SeededGenerator(seed: 0x5EED_A0D1)
        let mixer = try AudioMixer<Int>(configuration: .init(sampleRate: .hz24000))
        let capacity = mixer.configuration.jitterBuffer.capacity
        var pool: [[UInt8]] = []
        for frequency in [220.0, 440.0, 880.0] {
            var sender = try ToneSender(frequency: frequency, syllableRate: 3)
            for _ in 0..<40 { pool.append(try sender.next().payload) }
        }
        var tenMs = try OpusEncoder(.init(bitrate: 24_000))
        var tone = ToneGenerator(frequency: 330)
        for _ in 0..<10 { pool.append(try tenMs.encode(tone.frame(samples: 480))) }
        tenMs = try OpusEncoder(.init(bitrate: 24_000))
        for _ in 0..<10 { pool.append(try tenMs.encode(tone.frame(samples: 2_880))) }

        let participants = 0..<5
        for id in participants { try mixer.addParticipant(id) }
        var present = Set(participants)
        var sequence = [UInt16](repeating: 0, count: 5)
        var timestamp = [UInt32](repeating: 0, count: 5)
        var pushesByOutcome: [Int: [String: Int]] = [:]
        var totalPushes = 0
        var framesMixed = 0

        while totalPushes < 20_000 {
            let id = Int.random(in: participants, using: &random)
            // Payload.
            var payload = pool[Int.random(in: 0..<pool.count, using: &random)]
            switch Int.random(in: 0..<10, using: &random) {
            case 0: payload = Array(payload.prefix(Int.random(in: 0...payload.count, using: &random)))
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &random) where !payload.isEmpty {
                    payload[Int.random(in: 0..<payload.count, using: &random)] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
                }
            case 2: payload = (0..<Int.random(in: 0...80, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default: break
            }
            // Sequence number and timestamp.
            switch Int.random(in: 0..<20, using: &random) {
            case 0: break                                              // duplicate numbers
            case 1: sequence[id] &-= UInt16.random(in: 1...5, using: &random)  // reordered / late
            case 2: sequence[id] &+= UInt16.random(in: 2...10, using: &random) // gap
            case 3: sequence[id] = UInt16.random(in: 0...UInt16.max, using: &random)
            default: sequence[id] &+= 1
            }
            switch Int.random(in: 0..<20, using: &random) {
            case 0: timestamp[id] = UInt32.random(in: 0...UInt32.max, using: &random)
            case 1: timestamp[id] &+= UInt32.random(in: 0...100_000, using: &random)
            case 2: timestamp[id] &-= UInt32.random(in: 0...5_000, using: &random)
            case 3: timestamp[id] &+= UInt32.random(in: 0...2_000, using: &random)  // misaligned
            default: timestamp[id] &+= 960
            }
            let level: UInt8? = Bool.random(using: &random) ? nil : UInt8.random(in: 0...255, using: &random)
            let outcome = mixer.push(participant: id, payload: payload, sequenceNumber: sequence[id],
                                     timestamp: timestamp[id], audioLevel: level)
            totalPushes += 1
            let key: String
            switch outcome {
            case .corrupt: key = "corrupt"
            default: key = "\(outcome)"
            }
            if present.contains(id) {
                pushesByOutcome[id, default: [:]][key, default: 0] += 1
                XCTAssertNotEqual(outcome, .unknownParticipant)
            } else {
                XCTAssertEqual(outcome, .unknownParticipant)
            }

            // Control operations and mixing.
            switch Int.random(in: 0..<400, using: &random) {
            case 0: mixer.setMuted(Bool.random(using: &random), for: Int.random(in: participants, using: &random))
            case 1:
                let victim = Int.random(in: participants, using: &random)
                if mixer.removeParticipant(victim) {
                    present.remove(victim)
                    pushesByOutcome[victim] = nil
                }
            case 2:
                let newcomer = Int.random(in: participants, using: &random)
                if try mixer.addParticipant(newcomer) { present.insert(newcomer) }
            default: break
            }
            if Int.random(in: 0..<3, using: &random) == 0 {
                let frame = mixer.mixFrame()
                framesMixed += 1
                XCTAssertEqual(Set(frame.payloads.map(\.listener)), present)
                for output in frame.payloads {
                    guard case .success(let info) = OpusPacketInfo.inspect(output.payload) else {
                        return XCTFail("mixer produced an invalid packet")
                    }
                    XCTAssertEqual(info.durationTicks, 960)
                }
                XCTAssertEqual(Set(frame.contributors).isSubset(of: present), true)
            }
            for member in present {
                let stats = try XCTUnwrap(mixer.statistics(for: member))
                XCTAssertLessThanOrEqual(stats.bufferDepth, capacity)
                XCTAssertLessThanOrEqual(stats.jitter.maxDepth, capacity)
            }
        }
        // Every push to a present participant is accounted for in exactly one counter.
        for member in present {
            let stats = try XCTUnwrap(mixer.statistics(for: member))
            let seen = pushesByOutcome[member] ?? [:]
            let jitter = stats.jitter
            XCTAssertEqual(stats.corruptPayloads, seen["corrupt"] ?? 0)
            XCTAssertEqual(stats.mutedDrops, seen["muted"] ?? 0)
            XCTAssertEqual(jitter.buffered, seen["buffered"] ?? 0)
            XCTAssertEqual(jitter.duplicates, seen["duplicate"] ?? 0)
            XCTAssertEqual(jitter.late, seen["late"] ?? 0)
            XCTAssertEqual(jitter.discontinuities, seen["discontinuity"] ?? 0)
            XCTAssertEqual(jitter.resyncs, seen["resynchronized"] ?? 0)
            XCTAssertEqual(stats.pushes, seen.values.reduce(0, +))
        }
        XCTAssertGreaterThan(framesMixed, 5_000)
        XCTAssertEqual(mixer.statistics.encodeErrors, 0)
        let totals = present.compactMap { mixer.statistics(for: $0) }
        XCTAssertGreaterThan(totals.map(\.corruptPayloads).reduce(0, +), 0)
        XCTAssertGreaterThan(totals.map(\.jitter.discontinuities).reduce(0, +), 0)
        XCTAssertGreaterThan(totals.map(\.jitter.concealments).reduce(0, +), 0)
    }
}
