/// Receive side of transport-wide congestion control: records the arrival of every packet carrying the
/// transport-wide sequence number header extension and turns them into RTPFB FMT 15 feedback packets
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). Pure: arrival times are passed in as µs
/// on a monotonic clock; the caller decides when to send feedback (libwebrtc: every 50–250 ms).
///
/// Each `makeFeedback` reports the range from the first sequence number not yet reported up to the
/// highest one recorded since the previous call. Behaviour:
/// - 16-bit wrap: numbers are extended with `SequenceNumberUnwrapper` (65 534, 65 535, 0, 1 is a run).
/// - Reordering: a packet arriving after its number was already reported as not received is still
///   recorded; the next feedback starts at it (base sequence decreased, §3.1). Packets of that range
///   that were reported as received before are reported as not received this time, as §3.1.1 requires.
/// - Duplicates of numbers received within the last `maxGap` numbers are ignored (first arrival kept).
/// - A jump of more than `maxGap` numbers forward or backward starts afresh (no report of the
///   thousands of numbers skipped): what was pending is still reported, in its own feedback packets.
/// - Memory is bounded: at most `maxPendingPackets` unreported arrivals since the last restart plus as
///   many in the (at most 8) segments left by restarts — the oldest are dropped, never reported, when
///   the caller does not ask for feedback often enough — and a fixed 4096-bit history.
public struct TransportFeedbackRecorder: Sendable {
    /// What `record` did with an arrival.
    public enum RecordOutcome: Equatable, Sendable {
        case recorded
        /// Already received within the history window: ignored.
        case duplicate
        /// More than `maxGap` numbers away from the highest: recording started afresh with this packet.
        case restarted
    }

    struct Arrival: Equatable, Sendable {
        /// Extended transport-wide sequence number.
        var sequence: Int64
        var micros: Int64
    }

    /// Arrivals left over when recording restarted, reported from `base` on.
    struct Segment: Sendable {
        var base: Int64
        var arrivals: [Arrival]
    }

    /// Bits of the duplicate-detection history (numbers below the highest).
    static let historyBits = 4096
    /// At most this many restarted segments wait for `makeFeedback` (the oldest are dropped).
    static let maxSealedSegments = 8
    /// Arrival times are clamped to ±2^62 µs so time arithmetic cannot overflow.
    static let maxMicros: Int64 = 1 << 62

    /// Cap on recorded, not yet reported arrivals since the last restart (and, separately, on those
    /// waiting in segments left by restarts).
    public let maxPendingPackets: Int
    /// Largest distance (in sequence numbers) from the highest recorded number that is still taken as
    /// loss or reordering; farther away restarts recording. 1 … 4000.
    public let maxGap: Int64
    /// The feedback packet count the next feedback packet will carry (§3.1; wraps at 256).
    public private(set) var feedbackPacketCount: UInt8 = 0
    /// Arrivals ignored as duplicates.
    public private(set) var duplicates = 0
    /// Times recording restarted after a jump.
    public private(set) var restarts = 0
    /// Unreported arrivals dropped because more than `maxPendingPackets` piled up.
    public private(set) var droppedArrivals = 0

    private var unwrapper = SequenceNumberUnwrapper()
    /// First extended number the next feedback reports (meaningful once a packet was recorded).
    private var windowStart: Int64 = 0
    /// Unreported arrivals, ascending by sequence, all ≥ `windowStart`.
    private var pending: [Arrival] = []
    private var sealed: [Segment] = []
    /// Received flags for extended numbers `seenThrough - historyBits + 1 ... seenThrough`, bit
    /// `number % historyBits`.
    private var seen = [UInt64](repeating: 0, count: TransportFeedbackRecorder.historyBits / 64)
    private var seenThrough: Int64 = 0

    /// - Parameters:
    ///   - maxPendingPackets: cap on unreported arrivals, at least 16 (default 4096).
    ///   - maxGap: jump (in sequence numbers) beyond which recording restarts, clamped to 1 … 4000
    ///     (default 1000, like `NACKTracker`).
    public init(maxPendingPackets: Int = 4096, maxGap: Int = 1000) {
        self.maxPendingPackets = max(16, maxPendingPackets)
        self.maxGap = Int64(min(max(1, maxGap), 4000))
    }

    /// Number of arrivals recorded and not yet reported, restarted segments included
    /// (≤ 2 × `maxPendingPackets`).
    public var pendingCount: Int { pending.count + sealed.reduce(0) { $0 + $1.arrivals.count } }

    /// Records one packet's arrival.
    /// - Parameters:
    ///   - wideSequence: the packet's transport-wide sequence number (header extension value).
    ///   - arrivalMicros: arrival time in µs on a monotonic clock (any origin).
    @discardableResult
    public mutating func record(wideSequence: UInt16, arrivalMicros: Int64) -> RecordOutcome {
        let micros = min(max(arrivalMicros, -Self.maxMicros), Self.maxMicros)
        guard let highest = unwrapper.highest else {
            start(wideSequence, micros)
            return .recorded
        }
        let sequence = unwrapper.peek(wideSequence)
        if sequence > highest + maxGap + 1 || sequence < highest - maxGap {
            restart(wideSequence, micros)
            return .restarted
        }
        if isSeen(sequence) {
            duplicates += 1
            return .duplicate
        }
        _ = unwrapper.unwrap(wideSequence)
        if sequence > seenThrough { advanceHistory(to: sequence) }
        markSeen(sequence)
        let arrival = Arrival(sequence: sequence, micros: micros)
        if let last = pending.last, last.sequence > sequence {
            pending.insert(arrival, at: Self.insertionIndex(pending, sequence))
        } else {
            pending.append(arrival)
        }
        if sequence < windowStart { windowStart = sequence }
        if pending.count > maxPendingPackets {
            // Drop a quarter at once so a caller that never asks for feedback costs O(1) per packet.
            let drop = pending.count - maxPendingPackets * 3 / 4
            windowStart = pending[drop - 1].sequence + 1
            pending.removeFirst(drop)
            droppedArrivals += drop
        }
        return .recorded
    }

    /// Feedback packets (each a whole RTCP RTPFB FMT 15 packet, see `TransportFeedback.serialize`)
    /// covering every arrival recorded since the previous call; empty when there is none.
    ///
    /// A new packet is started when the next receive delta does not fit 16 bits (±8191.75 ms), when
    /// the status count would pass 65 535, and when the packet would exceed `maxPacketSize` bytes
    /// (values below 64 are taken as 64). Each packet carries the next feedback packet count.
    public mutating func makeFeedback(senderSSRC: UInt32, mediaSSRC: UInt32, maxPacketSize: Int = 1200) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        for segment in sealed {
            packets += Self.build(base: segment.base, arrivals: segment.arrivals, senderSSRC: senderSSRC,
                                  mediaSSRC: mediaSSRC, maxPacketSize: maxPacketSize, count: &feedbackPacketCount)
        }
        sealed.removeAll()
        if !pending.isEmpty {
            packets += Self.build(base: windowStart, arrivals: pending, senderSSRC: senderSSRC, mediaSSRC: mediaSSRC,
                                  maxPacketSize: maxPacketSize, count: &feedbackPacketCount)
            pending.removeAll(keepingCapacity: true)
            windowStart = (unwrapper.highest ?? windowStart) + 1
        }
        return packets
    }

    // MARK: - State

    private mutating func start(_ wideSequence: UInt16, _ micros: Int64) {
        unwrapper = SequenceNumberUnwrapper()
        let sequence = unwrapper.unwrap(wideSequence)
        windowStart = sequence
        seenThrough = sequence
        for index in seen.indices { seen[index] = 0 }
        markSeen(sequence)
        pending = [Arrival(sequence: sequence, micros: micros)]
    }

    private mutating func restart(_ wideSequence: UInt16, _ micros: Int64) {
        restarts += 1
        if !pending.isEmpty {
            sealed.append(Segment(base: windowStart, arrivals: pending))
            while sealed.count > Self.maxSealedSegments
                    || (sealed.count > 1 && sealed.reduce(0, { $0 + $1.arrivals.count }) > maxPendingPackets) {
                droppedArrivals += sealed[0].arrivals.count
                sealed.removeFirst()
            }
        }
        start(wideSequence, micros)
    }

    private func isSeen(_ sequence: Int64) -> Bool {
        guard sequence <= seenThrough, seenThrough - sequence < Int64(Self.historyBits) else { return false }
        let bit = Int(sequence & Int64(Self.historyBits - 1))
        return seen[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    private mutating func markSeen(_ sequence: Int64) {
        let bit = Int(sequence & Int64(Self.historyBits - 1))
        seen[bit >> 6] |= 1 << UInt64(bit & 63)
    }

    /// Clears the flags of the numbers `seenThrough + 1 ... sequence` (they reuse old bits).
    private mutating func advanceHistory(to sequence: Int64) {
        if sequence - seenThrough >= Int64(Self.historyBits) {
            for index in seen.indices { seen[index] = 0 }
        } else {
            var number = seenThrough + 1
            while number <= sequence {
                let bit = Int(number & Int64(Self.historyBits - 1))
                seen[bit >> 6] &= ~(1 << UInt64(bit & 63))
                number += 1
            }
        }
        seenThrough = sequence
    }

    static func insertionIndex(_ arrivals: [Arrival], _ sequence: Int64) -> Int {
        var low = 0
        var high = arrivals.count
        while low < high {
            let mid = (low + high) / 2
            if arrivals[mid].sequence < sequence { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: - Building

    /// Feedback packets reporting `base ... arrivals.last` (arrivals ascending, all ≥ base, and
    /// consecutive ones at most 4001 numbers apart).
    static func build(base: Int64, arrivals: [Arrival], senderSSRC: UInt32, mediaSSRC: UInt32,
                      maxPacketSize: Int, count: inout UInt8) -> [[UInt8]] {
        let limit = max(64, maxPacketSize)
        var packets: [[UInt8]] = []
        var start = base
        var index = 0
        while index < arrivals.count {
            let reference = floorDiv(arrivals[index].micros, TransportFeedback.referenceTimeUnitMicros)
            var represented = reference * TransportFeedback.referenceTimeUnitMicros
            var statuses: [TransportFeedback.PacketStatus] = []
            /// `statuses.count` after each included arrival, to cut the packet after any of them.
            var ends: [Int] = []
            var next = start
            while index + ends.count < arrivals.count {
                let arrival = arrivals[index + ends.count]
                let gap = arrival.sequence - next
                guard gap >= 0, gap < Int64(TransportFeedback.maxStatusCount),
                      statuses.count + Int(gap) + 1 <= TransportFeedback.maxStatusCount,
                      let ticks = deltaTicks(from: represented, to: arrival.micros),
                      let status = TransportFeedback.PacketStatus.received(deltaTicks: ticks) else { break }
                statuses.append(contentsOf: repeatElement(.notReceived, count: Int(gap)))
                statuses.append(status)
                represented += ticks * TransportFeedback.deltaTickMicros
                next = arrival.sequence + 1
                ends.append(statuses.count)
            }
            guard !ends.isEmpty else {
                // Only when the gap before this arrival cannot be reported: start the packet at it.
                start = arrivals[index].sequence
                continue
            }
            let packetCount = count
            let make = { (included: Int) -> [UInt8] in
                TransportFeedback(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC,
                                  baseSequence: UInt16(truncatingIfNeeded: start),
                                  referenceTime: TransportFeedback.wrapReferenceTime(reference),
                                  feedbackPacketCount: packetCount,
                                  statuses: Array(statuses.prefix(ends[included - 1]))).serialize()
            }
            var included = ends.count
            var bytes = make(included)
            if bytes.count > limit {
                // Largest number of arrivals whose packet fits (one always does: limit ≥ 64).
                var low = 1
                var high = included - 1
                while low < high {
                    let mid = (low + high + 1) / 2
                    if make(mid).count <= limit { low = mid } else { high = mid - 1 }
                }
                included = low
                bytes = make(included)
            }
            packets.append(bytes)
            count &+= 1
            index += included
            start = arrivals[index - 1].sequence + 1
        }
        return packets
    }

    /// `(to - from) / 250 µs` rounded to nearest; nil when far outside what a delta can carry.
    static func deltaTicks(from: Int64, to: Int64) -> Int64? {
        let (difference, overflow) = to.subtractingReportingOverflow(from)
        guard !overflow, difference > -(1 << 40), difference < 1 << 40 else { return nil }
        return floorDiv(difference + TransportFeedback.deltaTickMicros / 2, TransportFeedback.deltaTickMicros)
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor != 0 && (value < 0) != (divisor < 0) ? quotient - 1 : quotient
    }
}
