/// Per-SSRC reception statistics as RFC 3550 Appendix A.1/A.3/A.8 computes them: extended
/// highest sequence number, packets expected and lost, and interarrival jitter, and the receiver
/// report block built from them (`makeReportBlock`, RFC 3550 §6.4.1). Pure: arrival times are passed
/// in (seconds on any monotonic clock).
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
    /// `expected` and received (without duplicates) when the previous report block was made (A.3).
    private var expectedPrior = 0
    private var receivedPrior = 0

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

    /// The RR/SR report block for this source (RFC 3550 §6.4.1), and the start of a new reporting
    /// interval.
    ///
    /// - fraction lost: packets lost in the interval since the previous block, × 256 / expected in
    ///   that interval (A.3), 0 when nothing was expected or more arrived than expected (duplicates);
    /// - cumulative lost: expected − received since the first packet, clamped to 24-bit signed;
    /// - extended highest sequence number: roll-over count << 16 | highest sequence number;
    /// - jitter: `jitter` in RTP timestamp units, truncated;
    /// - LSR: the middle 32 bits of the last SR's 64-bit NTP timestamp (0 when none received);
    /// - DLSR: the delay since that SR arrived in 1/65 536 s (0 when none received).
    ///
    /// - Parameters:
    ///   - ssrc: the source reported on (the SSRC of the stream received).
    ///   - lastSenderReportNTP: NTP timestamp (seconds since 1900 << 32 | fraction) of the last SR from
    ///     that source, nil when none has arrived.
    ///   - lastSenderReportArrival: when that SR arrived, in seconds on the clock `now` uses.
    ///   - now: the current time in seconds on the same monotonic clock.
    public mutating func makeReportBlock(ssrc: UInt32, lastSenderReportNTP: UInt64?, lastSenderReportArrival: Double?,
                                         now: Double) -> RTCPReportBlock {
        let expectedNow = expected
        let receivedNow = packetsReceived - duplicatesOrLate
        let expectedInterval = expectedNow - expectedPrior
        let lostInterval = expectedInterval - (receivedNow - receivedPrior)
        expectedPrior = expectedNow
        receivedPrior = receivedNow
        let fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : min(255, (lostInterval << 8) / expectedInterval)
        let cumulative = min(max(expectedNow - receivedNow, -0x80_0000), 0x7F_FFFF)

        var lsr: UInt32 = 0
        var dlsr: UInt32 = 0
        if let ntp = lastSenderReportNTP {
            lsr = UInt32(truncatingIfNeeded: ntp >> 16)
            if let arrival = lastSenderReportArrival {
                let units = (now - arrival) * 65_536
                dlsr = units.isFinite && units > 0 ? UInt32(min(units.rounded(.down), Double(UInt32.max))) : 0
            }
        }
        let jitterUnits = jitter.isFinite && jitter > 0 ? UInt32(min(jitter.rounded(.down), Double(UInt32.max))) : 0
        return RTCPReportBlock(ssrc: ssrc, fractionLost: UInt8(fraction), cumulativeLost: Int32(cumulative),
                               highestSeq: started ? extendedHighestSequence : 0, jitter: jitterUnits, lsr: lsr,
                               dlsr: dlsr)
    }
}
