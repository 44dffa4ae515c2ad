import XCTest
@testable import AudioMixer

/// Drives an ``AudioMixer`` like the SFU will: senders push 20 ms packets, `mixFrame()` every
/// tick, and every listener's payloads are decoded by a 48 kHz decoder as a browser would.
final class MixerHarness {
    let mixer: AudioMixer<String>
    var senders: [String: ToneSender] = [:]
    /// Header-extension level each sender attaches (nil = no extension).
    var extensionLevels: [String: UInt8] = [:]
    var listenerDecoders: [String: OpusDecoder] = [:]
    var received: [String: [Int16]] = [:]
    var changes: [(frame: Int, change: TalkingChange<String>)] = []
    var lastFrame: MixedFrame<String>?
    private(set) var frameIndex = 0

    init(configuration: AudioMixer<String>.Configuration = .init()) throws {
        mixer = try AudioMixer<String>(configuration: configuration)
    }

    func add(_ id: String, tone frequency: Double?, amplitude: Double = 8_000) throws {
        try mixer.addParticipant(id)
        // Deterministic, different starting numbers per participant (as random as RTP's).
        let seed = id.unicodeScalars.reduce(UInt32(2_166_136_261)) { ($0 ^ $1.value) &* 16_777_619 }
        if let frequency {
            senders[id] = try ToneSender(frequency: frequency, amplitude: amplitude,
                                         firstSequence: UInt16(truncatingIfNeeded: seed),
                                         firstTimestamp: seed &* 7)
        } else {
            // A participant whose microphone sends digital silence.
            senders[id] = try ToneSender(frequency: 1_000, amplitude: 0)
        }
        listenerDecoders[id] = try OpusDecoder()
        received[id] = []
    }

    /// Runs `count` frames; `sending` (default: everyone) push one packet each before each frame.
    @discardableResult
    func run(_ count: Int, sending: Set<String>? = nil) throws -> [MixedFrame<String>] {
        var frames: [MixedFrame<String>] = []
        for _ in 0..<count {
            for id in senders.keys.sorted() where sending?.contains(id) ?? true {
                guard var sender = senders[id] else { continue }
                let packet = try sender.next()
                senders[id] = sender
                mixer.push(participant: id, payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                           timestamp: packet.timestamp, audioLevel: extensionLevels[id])
            }
            let frame = mixer.mixFrame()
            for change in frame.talkingChanges { changes.append((frameIndex, change)) }
            for output in frame.payloads {
                guard let decoder = listenerDecoders[output.listener] else { continue }
                let pcm = try decoder.decode(output.payload)
                XCTAssertEqual(pcm.count, 960, "every listener payload is 20 ms")
                received[output.listener, default: []] += pcm
            }
            lastFrame = frame
            frames.append(frame)
            frameIndex += 1
        }
        return frames
    }

    /// Amplitude at `frequency` in the last `frames` × 20 ms that `listener` received.
    func amplitude(_ listener: String, _ frequency: Double, lastFrames frames: Int = 50) -> Double {
        let pcm = received[listener] ?? []
        let count = min(pcm.count, frames * 960)
        return goertzelAmplitude(pcm[(pcm.count - count)...], frequency: frequency, sampleRate: 48_000)
    }
}

final class AudioMixerTests: XCTestCase {
    /// Present tone: at least 75 % of its amplitude (8000) comes through (measured ≈ 92–99 %).
    /// Absent tone: below 2 % (−34 dB) of it (measured ≤ 0.5 %).
    let present = 6_000.0
    let absent = 160.0

    func testThreePartyTonesMixMinusAndMute() throws {
        for rate in [OpusSampleRate.hz48000, .hz16000] {
            let room = try MixerHarness(configuration: .init(sampleRate: rate))
            try room.add("A", tone: 440)
            try room.add("B", tone: 880)
            try room.add("C", tone: nil)
            try room.run(100)
            let c440 = room.amplitude("C", 440), c880 = room.amplitude("C", 880)
            XCTAssertGreaterThan(c440, present, "\(rate): C hears A")
            XCTAssertGreaterThan(c880, present, "\(rate): C hears B")
            XCTAssertLessThan(room.amplitude("A", 440), absent, "\(rate): A does not hear itself")
            XCTAssertGreaterThan(room.amplitude("A", 880), present, "\(rate): A hears B")
            XCTAssertLessThan(room.amplitude("B", 880), absent, "\(rate): B does not hear itself")
            XCTAssertGreaterThan(room.amplitude("B", 440), present, "\(rate): B hears A")
            // Nothing else: the 660 Hz in-between frequency stays low for everyone.
            for listener in ["A", "B", "C"] {
                XCTAssertLessThan(room.amplitude(listener, 660), absent, "\(rate): \(listener) at 660 Hz")
            }
            let frame = try XCTUnwrap(room.lastFrame)
            XCTAssertEqual(frame.contributors, ["A", "B"])
            XCTAssertEqual(frame.payload(for: "C")?.isSharedMix, true)
            XCTAssertEqual(frame.payload(for: "A")?.isSharedMix, false)
            XCTAssertEqual(frame.payload(for: "B")?.isSharedMix, false)

            // The moderator mutes A: out of the mix from the next frame.
            XCTAssertTrue(room.mixer.setMuted(true, for: "A"))
            let next = try room.run(1)[0]
            XCTAssertEqual(next.contributors, ["B"])
            XCTAssertEqual(next.talkingChanges.first, TalkingChange(participant: "A", isTalking: false))
            try room.run(60)
            XCTAssertLessThan(room.amplitude("C", 440), absent, "\(rate): C no longer hears A")
            XCTAssertGreaterThan(room.amplitude("C", 880), present, "\(rate): C still hears B")
            XCTAssertGreaterThan(room.amplitude("A", 880), present, "\(rate): muted A still listens")
            XCTAssertEqual(room.mixer.statistics(for: "A")?.mutedDrops, 61)
        }
    }

    func testTalkingChangesAreReportedInOrderWithTheReferenceTiming() throws {
        let room = try MixerHarness()
        try room.add("A", tone: 440)
        try room.add("B", tone: 880)
        room.extensionLevels["B"] = 20  // B's level comes from the RFC 6464 header extension
        try room.run(30, sending: ["A"])
        try room.run(70)
        XCTAssertTrue(room.mixer.setMuted(true, for: "A"))
        try room.run(30, sending: ["B"])
        try room.run(30, sending: [])
        // The window holds the last 10 frames; a frame without received audio counts as silence (127).
        // A: frame 0 waits for the 40 ms prefetch (silent), frames 1–9 play packets at ≈ 15
        //    (computed from the decoded tone): (127 + 9·15)/10 ≈ 26 < 55 → talking in frame 9.
        // B: silent up to frame 30, plays from frame 31 at its extension level 20; in frame 37 the
        //    window is 3·127 + 7·20 = 521 < 550 → talking. A muted before frame 100 → reported in 100.
        // B's last packet plays in frame 130, 5 frames of concealment follow (no level), then idle
        // frames count as silence: the 5th (frame 140) makes 5·127 + 5·20 = 735 ≥ 650 → stopped.
        let expected = [(9, "A", true), (37, "B", true), (100, "A", false), (140, "B", false)]
        XCTAssertEqual(room.changes.map(\.frame), expected.map(\.0))
        XCTAssertEqual(room.changes.map(\.change), expected.map { TalkingChange(participant: $0.1, isTalking: $0.2) })
        XCTAssertEqual(room.mixer.isTalking("A"), false)
        XCTAssertEqual(room.mixer.isTalking("B"), false)
    }

    func testHeaderExtensionLevelDrivesTalkingAndMixMembership() throws {
        let room = try MixerHarness()
        try room.add("A", tone: 440)
        try room.add("B", tone: 880)
        try room.add("C", tone: nil)
        room.extensionLevels["A"] = 127  // claims silence although it sends a tone
        room.extensionLevels["B"] = 0x80 | 30  // V bit set, level 30
        try room.run(60)
        XCTAssertEqual(room.mixer.isTalking("A"), false)
        XCTAssertEqual(room.mixer.isTalking("B"), true)
        XCTAssertEqual(room.lastFrame?.contributors, ["B"], "A's declared level keeps it out of the mix")
        XCTAssertLessThan(room.amplitude("C", 440, lastFrames: 40), absent)
        XCTAssertGreaterThan(room.amplitude("C", 880, lastFrames: 40), present)
        // A's quiet packets were not even decoded; B's (talking, loud) all were.
        XCTAssertEqual(room.mixer.statistics(for: "A")?.skippedDecodes, 59, "60 pushed, 1 still buffered")
        XCTAssertEqual(room.mixer.statistics(for: "B")?.skippedDecodes, 0)
        // A's level turns loud: decoded again (fresh decoder), mixed at once, talking soon after.
        room.extensionLevels["A"] = 15
        try room.run(60)
        XCTAssertEqual(room.mixer.isTalking("A"), true)
        XCTAssertEqual(room.lastFrame?.contributors, ["A", "B"])
        XCTAssertGreaterThan(room.amplitude("C", 440, lastFrames: 50), present)
        XCTAssertEqual(room.mixer.statistics(for: "A")?.skippedDecodes, 60)
    }

    func testSilentAndQuietParticipantsStayOutOfTheMixUnlessTheGateIsOpen() throws {
        // −70 dBov noise-floor tone (amplitude 10): under the default gate (65) it is not mixed.
        let gated = try MixerHarness()
        try gated.add("A", tone: 440, amplitude: 10)
        try gated.add("B", tone: nil)
        try gated.run(30)
        XCTAssertEqual(gated.lastFrame?.contributors, [])
        XCTAssertEqual(gated.lastFrame?.payloads.allSatisfy(\.isSharedMix), true)
        // With the gate at 127 every unmuted participant with audio is mixed (the reference's way).
        let open = try MixerHarness(configuration: .init(mixGateLevel: 127))
        try open.add("A", tone: 440, amplitude: 10)
        try open.add("B", tone: nil)
        try open.run(30)
        XCTAssertEqual(open.lastFrame?.contributors, ["A", "B"])
    }

    func testFullMixIsEncodedOnceForEveryNonContributor() throws {
        let room = try MixerHarness()
        for (index, id) in ["T1", "T2", "T3"].enumerated() { try room.add(id, tone: 300 + 200 * Double(index)) }
        for index in 0..<7 { try room.add("L\(index)", tone: nil) }
        try room.run(30)
        let before = room.mixer.statistics
        let frames = try room.run(50)
        let after = room.mixer.statistics
        XCTAssertEqual(after.sharedEncodes - before.sharedEncodes, 50)
        XCTAssertEqual(after.privateEncodes - before.privateEncodes, 150, "one private encode per talker per frame")
        for frame in frames {
            XCTAssertEqual(frame.payloads.count, 10)
            let shared = frame.payloads.filter(\.isSharedMix)
            XCTAssertEqual(shared.map(\.listener), (0..<7).map { "L\($0)" })
            XCTAssertTrue(shared.allSatisfy { $0.payload == frame.sharedPayload })
            XCTAssertEqual(Set(frame.payloads.filter { !$0.isSharedMix }.map(\.listener)), ["T1", "T2", "T3"])
        }
        XCTAssertEqual(after.encodeErrors, 0)
    }

    func testFormerTalkerReturnsToTheSharedStreamAfterTheHangover() throws {
        let room = try MixerHarness(configuration: .init(privateHangoverFrames: 10))
        try room.add("A", tone: 440)
        try room.add("C", tone: nil)
        try room.run(20)
        XCTAssertEqual(room.lastFrame?.payload(for: "A")?.isSharedMix, false)
        room.mixer.setMuted(true, for: "A")
        let frames = try room.run(12)
        let aShared = frames.map { $0.payload(for: "A")?.isSharedMix }
        XCTAssertEqual(aShared, Array(repeating: false, count: 10) + [true, true])
        // During the hang-over the shared mix keeps being encoded for C (and to converge).
        XCTAssertTrue(frames.allSatisfy { $0.sharedPayload != nil })
        // Unmuting starts A afresh: prefetch, then back into the mix with a private stream.
        room.mixer.setMuted(false, for: "A")
        try room.run(3)
        XCTAssertEqual(room.lastFrame?.contributors, ["A"])
        XCTAssertEqual(room.lastFrame?.payload(for: "A")?.isSharedMix, false)
    }

    func testRemovedParticipantStopsTalkingAndLeavesTheMixAtOnce() throws {
        let room = try MixerHarness()
        try room.add("A", tone: 440)
        try room.add("B", tone: 880)
        try room.run(40)
        XCTAssertEqual(room.mixer.isTalking("A"), true)
        XCTAssertTrue(room.mixer.removeParticipant("A"))
        XCTAssertFalse(room.mixer.removeParticipant("A"))
        room.senders["A"] = nil
        let frame = try room.run(1)[0]
        XCTAssertEqual(frame.talkingChanges.first, TalkingChange(participant: "A", isTalking: false))
        XCTAssertEqual(frame.contributors, ["B"])
        XCTAssertEqual(frame.payloads.map(\.listener), ["B"])
        XCTAssertEqual(room.mixer.participants, ["B"])
        XCTAssertEqual(room.mixer.push(participant: "A", payload: [0xF8, 0xFF], sequenceNumber: 1, timestamp: 1),
                       .unknownParticipant)
        XCTAssertNil(room.mixer.statistics(for: "A"))
        try room.run(40)
        XCTAssertLessThan(room.amplitude("B", 880, lastFrames: 40), absent, "B hears nobody now")
    }

    func testEmptyMixerAndDuplicateAdds() throws {
        let mixer = try AudioMixer<Int>()
        let frame = mixer.mixFrame()
        XCTAssertTrue(frame.payloads.isEmpty)
        XCTAssertNil(frame.sharedPayload)
        XCTAssertEqual(try mixer.addParticipant(1), true)
        XCTAssertEqual(try mixer.addParticipant(1), false)
        XCTAssertFalse(mixer.setMuted(true, for: 2))
        XCTAssertNil(mixer.isMuted(2))
        XCTAssertEqual(mixer.frameSamples, 960)
        let sixteen = try AudioMixer<Int>(configuration: .init(sampleRate: .hz16000))
        XCTAssertEqual(sixteen.frameSamples, 320)
        XCTAssertThrowsError(try AudioMixer<Int>(configuration: .init(bitrate: 10)))
    }

    func testLoudMixIsClippedNotWrapped() throws {
        let room = try MixerHarness()
        // Three in-phase full-scale tones: the sum exceeds Int16 and must saturate.
        for id in ["A", "B", "C"] { try room.add(id, tone: 440, amplitude: 30_000) }
        try room.add("L", tone: nil)
        try room.run(40)
        XCTAssertGreaterThan(room.mixer.statistics.clippedSamples, 0)
        // Clipped, not wrapped: L still hears a strong 440 Hz (wrap-around would scramble it).
        XCTAssertGreaterThan(room.amplitude("L", 440, lastFrames: 20), 25_000)
    }
}
