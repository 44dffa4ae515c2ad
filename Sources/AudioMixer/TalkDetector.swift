/// Talking detection with hysteresis over a sliding window of per-packet audio levels.
///
/// Levels are on the RFC 6464 scale (0 loudest … 127 silence), one per played packet (20 ms).
/// The reference server (Janus AudioBridge, `audio_active_packets: 10`, `audio_level_average: 65`)
/// reports talking while the average of 10 packets is below 65. Here two thresholds replace the
/// one: talking **starts** when the average of the last `windowPackets` levels is below
/// `startLevel` (55 by default, i.e. louder than −55 dBov) and **stops** when it is at or above
/// `stopLevel` (65, as the reference). Between the two the state is kept, so a voice hovering
/// around one threshold does not flap. No decision is taken before the window is full.
public struct TalkDetector: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Packets averaged (reference: 10).
        public var windowPackets: Int
        /// Talking starts when the average level is below this (RFC 6464 units).
        public var startLevel: UInt8
        /// Talking stops when the average level is at or above this (RFC 6464 units); ≥ `startLevel`.
        public var stopLevel: UInt8

        public init(windowPackets: Int = 10, startLevel: UInt8 = 55, stopLevel: UInt8 = 65) {
            self.windowPackets = max(1, min(windowPackets, 1_000))
            self.startLevel = min(startLevel, 127)
            self.stopLevel = max(min(stopLevel, 127), self.startLevel)
        }
    }

    public let configuration: Configuration
    public private(set) var isTalking = false
    private var window: [UInt8]
    private var next = 0
    private var filled = 0
    private var sum = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.window = [UInt8](repeating: AudioLevel.silence, count: configuration.windowPackets)
    }

    /// Average of the levels in the window (127 while empty).
    public var averageLevel: Double {
        filled == 0 ? Double(AudioLevel.silence) : Double(sum) / Double(filled)
    }

    /// Adds one packet's level (values above 127 count as 127).
    /// - Returns: the new state when it changed (`true` = started talking), else `nil`.
    public mutating func update(level: UInt8) -> Bool? {
        let level = Int(min(level, AudioLevel.silence))
        if filled == window.count {
            sum -= Int(window[next])
        } else {
            filled += 1
        }
        window[next] = UInt8(level)
        sum += level
        next = (next + 1) % window.count
        guard filled == window.count else { return nil }
        let count = window.count
        if !isTalking, sum < Int(configuration.startLevel) * count {
            isTalking = true
            return true
        }
        if isTalking, sum >= Int(configuration.stopLevel) * count {
            isTalking = false
            return false
        }
        return nil
    }

    /// Forgets the window and stops talking (mute, departure).
    /// - Returns: `true` when the participant was talking (a stopped-talking event is due).
    public mutating func reset() -> Bool {
        let wasTalking = isTalking
        isTalking = false
        next = 0
        filled = 0
        sum = 0
        return wasTalking
    }
}
