// Mixer CPU benchmark (issue 5): CPU per participant-second of AudioMixer with N participants, all
// talking or 3 talking, and the participants one core can mix in real time.
//
// Every participant pushes one 20 ms Opus packet per frame (as browsers do with the microphone on),
// then `mixFrame()` runs; the loop runs as fast as it can and the thread's CPU time is measured.
// Talkers send speech-like audio (amplitude-modulated tones, 32 kbit/s, FEC on as Chrome sends);
// the others send their microphone's noise floor (about −70 dBov), which is decoded (for talking
// detection) but stays out of the mix. By default every packet carries the RFC 6464 level
// extension, as Chrome's do; `--no-level` drops it so levels are computed from decoded audio.
//
// Usage: parley-bench-mixer [--seconds S (10)] [--participants 10,50,150] [--rate 48000|24000|16000]
//                           [--complexity 0…10 (5)] [--bitrate BPS (32000)] [--no-level]

import AudioMixer
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var seconds = 10.0
    var participantCounts = [10, 50, 150]
    var sampleRate = OpusSampleRate.hz48000
    var complexity = 5
    var bitrate = 32_000
    var levelExtension = true
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    func value(_ name: String) -> String {
        guard let value = arguments.next() else { fail("\(name) needs a value") }
        return value
    }
    while let argument = arguments.next() {
        switch argument {
        case "--seconds":
            guard let seconds = Double(value(argument)), seconds > 0 else { fail("--seconds must be positive") }
            options.seconds = seconds
        case "--participants":
            let counts = value(argument).split(separator: ",").compactMap { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 && $0 <= 10_000 }) else { fail("--participants like 10,50,150") }
            options.participantCounts = counts
        case "--rate":
            guard let raw = Int(value(argument)), let rate = OpusSampleRate(rawValue: raw) else {
                fail("--rate must be one of 8000, 12000, 16000, 24000, 48000")
            }
            options.sampleRate = rate
        case "--complexity":
            guard let complexity = Int(value(argument)), (0...10).contains(complexity) else { fail("--complexity 0…10") }
            options.complexity = complexity
        case "--bitrate":
            guard let bitrate = Int(value(argument)), (6_000...510_000).contains(bitrate) else { fail("--bitrate 6000…510000") }
            options.bitrate = bitrate
        case "--no-level":
            options.levelExtension = false
        case "-h", "--help":
            print("usage: parley-bench-mixer [--seconds S] [--participants 10,50,150] [--rate HZ] [--complexity N] [--bitrate BPS] [--no-level]")
            exit(0)
        default:
            fail("unknown argument \(argument)")
        }
    }
    return options
}

func fail(_ message: String) -> Never {
    fputs("parley-bench-mixer: \(message)\n", stderr)
    exit(2)
}

/// CPU seconds used by this thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func wallSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Pre-encoded 20 ms packets (48 kHz Opus, as a browser sends) and their RFC 6464 levels.
struct PacketLoop {
    var payloads: [[UInt8]] = []
    var levels: [UInt8] = []

    /// Speech-like: a tone at `frequency` with a 0.1…1 syllable envelope at `syllableRate` Hz.
    static func talker(frequency: Double, syllableRate: Double, seconds: Int) throws -> PacketLoop {
        try make(seconds: seconds) { t in
            let envelope = 0.55 - 0.45 * cos(2 * Double.pi * syllableRate * t)
            return 9_000 * envelope * sin(2 * Double.pi * frequency * t)
        }
    }

    /// Microphone noise floor: uniform noise of RMS ≈ 10 (−70 dBov), from a fixed-seed generator.
    static func noiseFloor(seed: UInt64, seconds: Int) throws -> PacketLoop {
        var state = seed
        return try make(seconds: seconds) { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 40) / Double(1 << 24) - 0.5) * 34.6
        }
    }

    private static func make(seconds: Int, sample: (Double) -> Double) throws -> PacketLoop {
        let encoder = try OpusEncoder(.init(sampleRate: .hz48000, bitrate: 32_000, complexity: 9,
                                            inbandFEC: true, packetLossPercent: 10))
        var loop = PacketLoop()
        var index = 0
        for _ in 0..<(seconds * 50) {
            var frame = [Int16](repeating: 0, count: 960)
            for i in 0..<960 {
                frame[i] = Int16(max(-32_768, min(32_767, sample(Double(index) / 48_000).rounded())))
                index += 1
            }
            loop.payloads.append(try encoder.encode(frame))
            loop.levels.append(AudioLevel.level(of: frame))
        }
        return loop
    }
}

struct CaseResult {
    var participants: Int
    var talkers: Int
    var simulatedSeconds: Double
    var cpuSeconds: Double
    var wallSeconds: Double
    var sharedEncodesPerFrame: Double
    var privateEncodesPerFrame: Double
    var contributorsPerFrame: Double

    var cpuMicrosecondsPerParticipantSecond: Double { cpuSeconds / (Double(participants) * simulatedSeconds) * 1e6 }
    var participantsPerCore: Double { Double(participants) * simulatedSeconds / cpuSeconds }
}

func run(participants: Int, talkers: Int, options: Options, talkerLoops: [PacketLoop], quietLoops: [PacketLoop]) throws -> CaseResult {
    let configuration = AudioMixer<Int>.Configuration(sampleRate: options.sampleRate, bitrate: options.bitrate,
                                                      complexity: options.complexity)
    let mixer = try AudioMixer<Int>(configuration: configuration)
    for id in 0..<participants { try mixer.addParticipant(id) }
    var sequence = (0..<participants).map { UInt16(truncatingIfNeeded: $0 &* 7_919) }
    var timestamp = (0..<participants).map { UInt32(truncatingIfNeeded: $0 &* 104_729) }
    var frameIndex = 0

    func step() {
        for id in 0..<participants {
            let loop = id < talkers ? talkerLoops[id % talkerLoops.count] : quietLoops[id % quietLoops.count]
            let position = (frameIndex + id * 13) % loop.payloads.count
            mixer.push(participant: id, payload: loop.payloads[position], sequenceNumber: sequence[id],
                       timestamp: timestamp[id], audioLevel: options.levelExtension ? loop.levels[position] : nil)
            sequence[id] &+= 1
            timestamp[id] &+= 960
        }
        let frame = mixer.mixFrame()
        if frame.payloads.count != participants { fail("mixer returned \(frame.payloads.count) payloads") }
        frameIndex += 1
    }

    // Warm-up: 1 s (prefetch, talking detection, encoders settle).
    for _ in 0..<50 { step() }
    let before = mixer.statistics
    let frames = Int(options.seconds * 50)
    var contributors = 0
    let wallStart = wallSeconds()
    let cpuStart = threadCPUSeconds()
    for _ in 0..<frames {
        step()
    }
    let cpu = threadCPUSeconds() - cpuStart
    let wall = wallSeconds() - wallStart
    let after = mixer.statistics
    // One more frame to report the mix membership (outside the timed loop).
    contributors = mixer.mixFrame().contributors.count
    if after.encodeErrors > 0 { fail("\(after.encodeErrors) encode errors") }
    return CaseResult(participants: participants, talkers: talkers, simulatedSeconds: Double(frames) / 50,
                  cpuSeconds: cpu, wallSeconds: wall,
                  sharedEncodesPerFrame: Double(after.sharedEncodes - before.sharedEncodes) / Double(frames),
                  privateEncodesPerFrame: Double(after.privateEncodes - before.privateEncodes) / Double(frames),
                  contributorsPerFrame: Double(contributors))
}

/// CPU µs of the building blocks alone: decoding one received packet, encoding one mixed frame.
func printCodecCosts(options: Options, talker: PacketLoop, quiet: PacketLoop) throws {
    func perCall(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = threadCPUSeconds()
        for _ in 0..<count { try body() }
        return (threadCPUSeconds() - start) / Double(count) * 1e6
    }
    let talkerDecoder = try OpusDecoder(sampleRate: options.sampleRate)
    let quietDecoder = try OpusDecoder(sampleRate: options.sampleRate)
    var index = 0
    let decodeTalker = try perCall(1_000) {
        _ = try talkerDecoder.decode(talker.payloads[index % talker.payloads.count])
        index += 1
    }
    index = 0
    let decodeQuiet = try perCall(1_000) {
        _ = try quietDecoder.decode(quiet.payloads[index % quiet.payloads.count])
        index += 1
    }
    let mixDecoder = try OpusDecoder(sampleRate: options.sampleRate)
    let frames = try talker.payloads.prefix(100).map { try mixDecoder.decode($0) }
    let encoder = try OpusEncoder(.init(sampleRate: options.sampleRate, bitrate: options.bitrate,
                                        complexity: options.complexity, inbandFEC: true, packetLossPercent: 10))
    index = 0
    let encode = try perCall(1_000) {
        _ = try encoder.encode(frames[index % frames.count])
        index += 1
    }
    print("codec costs (CPU µs): decode talker packet \(format(decodeTalker, 1)), decode noise-floor packet "
          + "\(format(decodeQuiet, 1)), encode one mixed frame \(format(encode, 1))")
}

func format(_ value: Double, _ decimals: Int) -> String {
    var factor = 1.0
    for _ in 0..<decimals { factor *= 10 }
    let rounded = (value * factor).rounded() / factor
    var text = "\(rounded)"
    if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

let options = parseOptions()
do {
    let talkerLoops = try [(220.0, 3.0), (330.0, 4.0), (440.0, 2.5), (587.0, 3.5), (660.0, 5.0), (784.0, 3.2)]
        .map { try PacketLoop.talker(frequency: $0.0, syllableRate: $0.1, seconds: 4) }
    let quietLoops = try (1...4).map { try PacketLoop.noiseFloor(seed: UInt64($0), seconds: 4) }
    print("AudioMixer benchmark: mix rate \(options.sampleRate), encoder \(options.bitrate) bit/s complexity \(options.complexity), "
          + "level extension \(options.levelExtension ? "on" : "off"), \(format(options.seconds, 1)) s of audio per case, one thread")
    try printCodecCosts(options: options, talker: talkerLoops[0], quiet: quietLoops[0])
    print("participants  talking  mixed  encodes/frame  CPU s   µs CPU per participant-s  load %  participants/core")
    var results: [CaseResult] = []
    for participants in options.participantCounts {
        for talkers in Array(Set([participants, min(3, participants)])).sorted(by: >) {
            let result = try run(participants: participants, talkers: talkers, options: options,
                                 talkerLoops: talkerLoops, quietLoops: quietLoops)
            results.append(result)
            let encodes = "\(format(result.sharedEncodesPerFrame, 1))+\(format(result.privateEncodesPerFrame, 1))"
            print(pad("\(participants)", 12) + pad("\(talkers)", 9) + pad(format(result.contributorsPerFrame, 0), 7)
                  + pad(encodes, 15) + pad(format(result.cpuSeconds, 3), 7)
                  + pad(format(result.cpuMicrosecondsPerParticipantSecond, 1), 26)
                  + pad(format(result.cpuSeconds / result.simulatedSeconds * 100, 1), 8)
                  + pad(format(result.participantsPerCore, 0), 19))
        }
    }
    print("(encodes/frame = shared + private; load = CPU share of one core to run that meeting in real time;")
    print(" participants/core = participants × audio seconds / CPU seconds at that meeting size)")
    if let goal = results.first(where: { $0.participants == 150 && $0.talkers == 3 }) {
        let verdict = goal.participantsPerCore >= 150 ? "met" : "NOT met"
        print("goal ≥ 150 participants per core with 3 talkers: \(verdict) (\(format(goal.participantsPerCore, 0)))")
    }
} catch {
    fail("\(error)")
}
