/// Per-SSRC reception statistics as RFC 3550 Appendix A.1/A.3/A.8 computes them: extended
/// highest sequence number, packets expected and lost, and interarrival jitter. Pure: arrival
/// times are passed in (seconds on any monotonic clock).
public struct RTPReceiveStatistics: Sendable, Equatable {
    /// RTP clock rate in Hz (90 000 for video, 48 000 for Opus).
    public let clockRate: Double
    public private(set) var packetsReceived = 0
    /// RTP payload + header bytes received (after SRTP unprotect).
    public private(set) var bytesReceived = 0
    /// Packets that repeated an already-seen sequence number or arrived far out of order.
    public private(set) var duplicatesOrLate = 0
    /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, A.8).
    public private(set) var jitter: Double = 0
    private var baseSequence: UInt32 = 0
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var started = false
    private var lastTransit: Double?

    public init(clockRate: Double) {
        self.clockRate = clockRate > 0 ? clockRate : 90_000
    }

    /// Extended highest sequence number received (cycles << 16 | highest).
    public var extendedHighestSequence: UInt32 { cycles | UInt32(maxSequence) }

    /// Packets expected: extended highest − base + 1 (A.3); 0 before the first packet.
    public var expected: Int { started ? Int(extendedHighestSequence &- baseSequence) + 1 : 0 }

    /// Cumulative packets lost: expected − received, never negative (duplicates can exceed it).
    public var lost: Int { max(0, expected - (packetsReceived - duplicatesOrLate)) }

    /// Loss fraction 0…1 over the whole reception.
    public var lossFraction: Double { expected > 0 ? Double(lost) / Double(expected) : 0 }

    /// Jitter in milliseconds.
    public var jitterMilliseconds: Double { jitter / clockRate * 1000 }

    /// Records one received packet.
    /// - Parameters:
    ///   - arrival: arrival time in seconds (monotonic clock).
    ///   - bytes: size of the packet as received (header + payload).
    public mutating func record(sequenceNumber: UInt16, timestamp: UInt32, arrival: Double, bytes: Int) {
        packetsReceived += 1
        bytesReceived += max(0, bytes)
        if !started {
            started = true
            baseSequence = UInt32(sequenceNumber)
            maxSequence = sequenceNumber
        } else {
            let delta = sequenceNumber &- maxSequence
            if delta == 0 {
                duplicatesOrLate += 1
                return
            } else if delta < 0x8000 {
                if sequenceNumber < maxSequence { cycles &+= 1 << 16 }
                maxSequence = sequenceNumber
            } else if delta > 0xFFFF - 3000 {
                // Reordered within the window: counts as received, no change to the highest.
            } else {
                duplicatesOrLate += 1
                return
            }
        }
        // A.8: transit = arrival (in RTP units) - timestamp; J += (|D| - J) / 16.
        let arrivalUnits = arrival * clockRate
        let transit = arrivalUnits - Double(timestamp)
        if let last = lastTransit {
            var d = transit - last
            // Timestamps wrap at 2^32: fold the difference back into range.
            let wrap = 4_294_967_296.0
            if d > wrap / 2 { d -= wrap } else if d < -wrap / 2 { d += wrap }
            jitter += (abs(d) - jitter) / 16
        }
        lastTransit = transit
    }
}
