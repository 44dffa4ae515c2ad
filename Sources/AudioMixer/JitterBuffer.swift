/// Jitter buffer for one participant's RTP audio stream (RFC 3550), ordered by extended sequence
/// number and played out on the RTP timestamp clock (48 kHz for Opus, RFC 7587 §4.1).
///
/// Pure and codec-agnostic: ``insert(_:)`` files packets as they arrive, ``next(neededTicks:)`` is
/// called by the mixer tick for the next piece of audio and says what to do with the decoder:
/// play a packet, rebuild a lost one from the next packet's in-band FEC, conceal, output silence, or
/// nothing (idle). All durations are 48 kHz RTP ticks (960 = 20 ms).
///
/// Life cycle: *idle* (no timeline) → first packet → *buffering* until `prefetchTicks` of audio are
/// buffered or `prefetchTicks` of ticks have been waited → *playing* (a burst buffered meanwhile
/// is first trimmed to `prefetchTicks`). While playing, a missing
/// packet is concealed (or FEC-rebuilt) when its playout time comes; after `maxConcealTicks` of
/// consecutive concealment an empty buffer goes back to idle and a gap before a future packet is
/// filled with silence.
///
/// Bad input: duplicates (in the buffer or among the last 64 played), late packets, and packets
/// whose sequence number or timestamp is far from the current timeline (a *discontinuity*) are
/// dropped and counted. Two consecutive discontinuous packets that agree with each other (sequence
/// +1, timestamp +1…5760) restart the timeline there (*resync*): this follows RFC 3550 A.1's
/// probation for a restarted source. The buffer never holds more than `capacity` packets nor audio
/// more than `maxLatencyTicks` ahead of the playout point, so latency stays bounded.
public struct JitterBuffer: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Most packets held (older ones are dropped first).
        public var capacity: Int
        /// Buffered audio (ticks) before playout starts; also the longest wait for it.
        public var prefetchTicks: Int
        /// A packet starting more than this many ticks after the playout point (while buffering:
        /// after the newest packet) is a discontinuity; while buffering, older packets are dropped
        /// to keep the buffered span within it.
        public var maxLatencyTicks: Int
        /// Consecutive concealment (ticks) before an empty buffer goes idle or a gap turns silent.
        public var maxConcealTicks: Int
        /// A packet more than this many ticks before the playout point is a discontinuity rather
        /// than a late packet (a timestamp that went backwards).
        public var maxLateTicks: Int
        /// A sequence number further than this from the highest one seen is a discontinuity.
        public var maxSequenceJump: Int

        public init(capacity: Int = 25, prefetchTicks: Int = 1_920, maxLatencyTicks: Int = 9_600,
                    maxConcealTicks: Int = 4_800, maxLateTicks: Int = 48_000, maxSequenceJump: Int = 1_000) {
            self.capacity = max(1, capacity)
            self.prefetchTicks = max(0, prefetchTicks)
            self.maxLatencyTicks = max(960, maxLatencyTicks)
            self.maxConcealTicks = max(0, maxConcealTicks)
            self.maxLateTicks = max(960, maxLateTicks)
            self.maxSequenceJump = max(1, maxSequenceJump)
        }
    }

    /// One received RTP packet.
    public struct Packet: Equatable, Sendable {
        public var sequenceNumber: UInt16
        /// RTP timestamp (48 kHz ticks).
        public var timestamp: UInt32
        public var payload: [UInt8]
        /// Audio the payload covers, in ticks: a positive multiple of 120 (2.5 ms), at most 5760.
        public var durationTicks: Int
        /// Ticks of the *previous* packet that this payload's in-band FEC can rebuild (0 = none).
        public var fecTicks: Int
        /// RFC 6464 level from the header extension, if the packet had one.
        public var audioLevel: UInt8?

        public init(sequenceNumber: UInt16, timestamp: UInt32, payload: [UInt8], durationTicks: Int,
                    fecTicks: Int = 0, audioLevel: UInt8? = nil) {
            self.sequenceNumber = sequenceNumber
            self.timestamp = timestamp
            self.payload = payload
            self.durationTicks = durationTicks
            self.fecTicks = fecTicks
            self.audioLevel = audioLevel
        }
    }

    /// What ``insert(_:)`` did with a packet.
    public enum InsertOutcome: Equatable, Sendable {
        case buffered
        /// Same sequence number as a buffered or recently played packet.
        case duplicate
        /// Its playout time has passed.
        case late
        /// Far from the current timeline; held on probation (see the type's documentation).
        case discontinuity
        /// Confirmed the held packet: the timeline restarted at it (buffer flushed).
        case resynchronized
        /// `durationTicks` is not a positive multiple of 120 up to 5760.
        case invalidDuration
    }

    /// What the decoder should produce next.
    public enum Action: Equatable, Sendable {
        /// Decode this packet (`durationTicks` of audio).
        case play(Packet)
        /// The packet before this one was lost: rebuild `ticks` from its in-band FEC (the packet stays buffered).
        case recover(from: Packet, ticks: Int)
        /// Packet-loss concealment for `ticks`.
        case conceal(ticks: Int)
        /// Output `ticks` of silence (concealment has run long enough).
        case silence(ticks: Int)
        /// Nothing to play (no timeline, or still buffering).
        case idle
    }

    public enum State: Equatable, Sendable { case idle, buffering, playing }

    /// Event counters (each ``insert(_:)`` increments exactly one of the first six).
    public struct Counters: Equatable, Sendable {
        public var buffered = 0
        public var duplicates = 0
        public var late = 0
        public var discontinuities = 0
        public var resyncs = 0
        public var invalidDurations = 0
        /// Packets dropped because the buffer was full.
        public var overflowDrops = 0
        /// Packets dropped while buffering to keep the buffered span under `maxLatencyTicks`, or
        /// when playout starts after a burst (over `maxLatencyTicks / 2` buffered) to bring the
        /// initial latency back to `prefetchTicks`.
        public var latencyDrops = 0
        /// Packets flushed by a resync.
        public var resyncDrops = 0
        /// Buffered packets dropped at playout because their time had passed.
        public var expired = 0
        public var played = 0
        public var fecRecoveries = 0
        public var concealments = 0
        public var concealedTicks = 0
        public var silentTicks = 0
        /// Times playout ran dry long enough to go back to idle.
        public var underruns = 0
        /// Most packets ever held at once.
        public var maxDepth = 0

        public init() {}
    }

    private struct Entry: Sendable {
        var packet: Packet
        var seq: Int64
        var ts: Int64
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    public private(set) var state: State = .idle
    private var entries: [Entry] = []
    private var playoutTs: Int64 = 0
    private var highestSeq: Int64 = 0
    private var lastPlayedSeq: Int64?
    private var playedMask: UInt64 = 0
    private var concealedRun = 0
    private var waitedTicks = 0
    private var candidate: Packet?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        entries.reserveCapacity(configuration.capacity + 1)
    }

    /// Packets currently held (≤ `capacity`).
    public var depth: Int { entries.count }

    /// Ticks of audio from the playout point (or the oldest packet while buffering) to the end of the newest packet.
    public var bufferedTicks: Int {
        guard let first = entries.first else { return 0 }
        let start = state == .playing ? playoutTs : first.ts
        return max(0, Int(newestEnd - start))
    }

    /// Files one packet. Never traps, whatever the values.
    public mutating func insert(_ packet: Packet) -> InsertOutcome {
        var packet = packet
        guard packet.durationTicks >= 120, packet.durationTicks <= 5_760, packet.durationTicks % 120 == 0 else {
            counters.invalidDurations += 1
            return .invalidDuration
        }
        if packet.fecTicks < 120 || packet.fecTicks > packet.durationTicks || packet.fecTicks % 120 != 0 {
            packet.fecTicks = 0
        }
        guard state != .idle, let reference = referenceTs else {
            start(with: packet)
            counters.buffered += 1
            return .buffered
        }

        let seq = highestSeq + Int64(Int16(bitPattern: packet.sequenceNumber &- UInt16(truncatingIfNeeded: highestSeq)))
        let ts = reference + Int64(Int32(bitPattern: packet.timestamp &- UInt32(truncatingIfNeeded: reference)))
        // While playing, "ahead" is measured from the playout point; while buffering, from the
        // newest packet (a burst after a pause is accepted, then trimmed to the latency bound).
        let aheadReference = state == .playing ? reference : entries.reduce(reference) { max($0, $1.ts) }
        if abs(seq - highestSeq) > Int64(configuration.maxSequenceJump)
            || ts - aheadReference > Int64(configuration.maxLatencyTicks)
            || reference - ts > Int64(configuration.maxLateTicks) {
            if let held = candidate, packet.sequenceNumber == held.sequenceNumber &+ 1 {
                let step = Int64(Int32(bitPattern: packet.timestamp &- held.timestamp))
                if step > 0, step <= 5_760 {
                    counters.resyncs += 1
                    counters.resyncDrops += entries.count
                    start(with: held)
                    _ = file(packet, seq: highestSeq + 1, ts: entries[0].ts + step)
                    return .resynchronized
                }
            }
            candidate = packet
            counters.discontinuities += 1
            return .discontinuity
        }
        candidate = nil

        if state == .playing {
            if let last = lastPlayedSeq, seq <= last {
                let back = last - seq
                if back < 64, (playedMask >> UInt64(back)) & 1 == 1 {
                    counters.duplicates += 1
                    return .duplicate
                }
                counters.late += 1
                return .late
            }
            if ts + 119 < playoutTs {
                counters.late += 1
                return .late
            }
        }
        guard file(packet, seq: seq, ts: ts) else {
            counters.duplicates += 1
            return .duplicate
        }
        counters.buffered += 1
        return .buffered
    }

    /// The next piece of audio to produce, at most `neededTicks` long except for a played packet or
    /// a FEC rebuild, which cover their own duration. `neededTicks` is rounded up to a multiple of
    /// 120 (2.5 ms, the Opus concealment quantum) and clamped to 120…5760. Each call other than
    /// `.idle` advances the playout point by the audio it returns.
    public mutating func next(neededTicks: Int) -> Action {
        let needed = min(5_760, max(120, (neededTicks + 119) / 120 * 120))
        switch state {
        case .idle:
            return .idle
        case .buffering:
            guard let first = entries.first else {
                goIdle()
                return .idle
            }
            if newestEnd - first.ts < Int64(configuration.prefetchTicks), waitedTicks < configuration.prefetchTicks {
                waitedTicks += needed
                return .idle
            }
            // A burst (more than half the latency bound buffered before playout starts) would
            // leave that much latency for good: drop its oldest packets down to the prefetch.
            let end = newestEnd
            if end - first.ts > Int64(configuration.maxLatencyTicks / 2) {
                while entries.count > 1, end - entries[1].ts >= Int64(configuration.prefetchTicks) {
                    entries.removeFirst()
                    counters.latencyDrops += 1
                }
            }
            state = .playing
            playoutTs = entries.first?.ts ?? first.ts
            concealedRun = 0
        case .playing:
            break
        }

        while let first = entries.first, first.ts + 119 < playoutTs {
            entries.removeFirst()
            counters.expired += 1
        }
        guard let head = entries.first else {
            if concealedRun >= configuration.maxConcealTicks {
                counters.underruns += 1
                goIdle()
                return .idle
            }
            return conceal(needed)
        }

        let gap = head.ts - playoutTs
        if gap < 120 {
            entries.removeFirst()
            playoutTs = head.ts + Int64(head.packet.durationTicks)
            markPlayed(head.seq)
            concealedRun = 0
            counters.played += 1
            return .play(head.packet)
        }
        let lossBefore = lastPlayedSeq.map { head.seq != $0 + 1 } ?? true
        let fec = Int64(head.packet.fecTicks)
        if lossBefore, fec > 0, gap == fec {
            playoutTs += gap
            concealedRun = 0
            counters.fecRecoveries += 1
            return .recover(from: head.packet, ticks: Int(gap))
        }
        var ticks = min(gap, Int64(needed)) / 120 * 120
        if lossBefore, fec > 0, gap > fec {
            // Conceal only up to where the FEC of `head` can take over.
            let beforeFEC = (gap - fec) / 120 * 120
            if beforeFEC >= 120 { ticks = min(ticks, beforeFEC) }
        }
        if concealedRun >= configuration.maxConcealTicks {
            playoutTs += ticks
            counters.silentTicks += Int(ticks)
            return .silence(ticks: Int(ticks))
        }
        return conceal(Int(ticks))
    }

    /// Drops everything and returns to idle (counters are kept): used on mute and unmute.
    public mutating func reset() {
        entries.removeAll(keepingCapacity: true)
        goIdle()
    }

    // MARK: - Internals

    private var referenceTs: Int64? {
        switch state {
        case .idle: return nil
        case .buffering: return entries.first?.ts
        case .playing: return playoutTs
        }
    }

    private var newestEnd: Int64 {
        var end = Int64.min
        for entry in entries { end = max(end, entry.ts + Int64(entry.packet.durationTicks)) }
        return end
    }

    private mutating func start(with packet: Packet) {
        entries.removeAll(keepingCapacity: true)
        goIdle()
        state = .buffering
        highestSeq = Int64(packet.sequenceNumber)
        entries.append(Entry(packet: packet, seq: highestSeq, ts: Int64(packet.timestamp)))
        counters.maxDepth = max(counters.maxDepth, 1)
    }

    /// Inserts in sequence order; `false` when that sequence number is already buffered.
    private mutating func file(_ packet: Packet, seq: Int64, ts: Int64) -> Bool {
        var low = 0
        var high = entries.count
        if let last = entries.last, last.seq < seq {
            low = high
        } else {
            while low < high {
                let mid = (low + high) / 2
                if entries[mid].seq < seq { low = mid + 1 } else { high = mid }
            }
            if low < entries.count, entries[low].seq == seq { return false }
        }
        entries.insert(Entry(packet: packet, seq: seq, ts: ts), at: low)
        highestSeq = max(highestSeq, seq)
        while entries.count > configuration.capacity {
            entries.removeFirst()
            counters.overflowDrops += 1
            if state == .playing, let first = entries.first { playoutTs = max(playoutTs, first.ts) }
        }
        if state == .buffering {
            while entries.count > 1, newestEnd - entries[0].ts > Int64(configuration.maxLatencyTicks) {
                entries.removeFirst()
                counters.latencyDrops += 1
            }
        }
        counters.maxDepth = max(counters.maxDepth, entries.count)
        return true
    }

    private mutating func conceal(_ ticks: Int) -> Action {
        playoutTs += Int64(ticks)
        concealedRun += ticks
        counters.concealments += 1
        counters.concealedTicks += ticks
        return .conceal(ticks: ticks)
    }

    private mutating func markPlayed(_ seq: Int64) {
        if let last = lastPlayedSeq {
            if seq > last {
                let shift = seq - last
                playedMask = shift >= 64 ? 0 : playedMask << UInt64(shift)
                playedMask |= 1
                lastPlayedSeq = seq
            } else if last - seq < 64 {
                playedMask |= 1 << UInt64(last - seq)
            }
        } else {
            lastPlayedSeq = seq
            playedMask = 1
        }
    }

    private mutating func goIdle() {
        state = entries.isEmpty ? .idle : .buffering
        lastPlayedSeq = nil
        playedMask = 0
        concealedRun = 0
        waitedTicks = 0
        candidate = nil
    }
}
