/// What one consumer may send, bits/s: the subscriber's own limit from its SDP answer (`b=TIAS`
/// / `b=AS`) and a congestion limit from its feedback. Pure logic; times are ms on a monotonic
/// clock.
///
/// Congestion is signalled by receiver reports with more than 10 % loss (RFC 3550 §6.4.1
/// fraction lost > 26/256) or by a REMB below 80 % of the bitrate of the layer being sent. A
/// receive-side estimate cannot exceed much what it receives, so a REMB above the current rate
/// is no reason to stay low, and a REMB alone never blocks an up-switch: the congestion limit is
/// held for a hold-down time (5 s, doubled for each new congestion within 30 s of the previous
/// one's end, at most 60 s), then lifted so the consumer tries the higher layer again.
struct ReceiveBandwidth {
    /// From the subscriber's answer; nil: none.
    var answerLimit: UInt64?
    private(set) var congestionLimit: UInt64?
    private(set) var congestionUntilMs: Int64 = .min
    private(set) var holdDownMs: Int64 = ReceiveBandwidth.initialHoldDownMs
    private(set) var congestionEvents = 0
    private var lastCongestionEndMs: Int64 = .min

    static let initialHoldDownMs: Int64 = 5_000
    static let maxHoldDownMs: Int64 = 60_000
    static let backoffWindowMs: Int64 = 30_000

    /// The effective limit at `nowMs` (nil: unlimited).
    func limit(nowMs: Int64) -> UInt64? {
        let congestion = nowMs < congestionUntilMs ? congestionLimit : nil
        return [answerLimit, congestion].compactMap { $0 }.min()
    }

    /// A report block: fraction lost (1/256 units) while sending `currentRate` bits/s.
    mutating func receiverReport(fractionLost: UInt8, currentRate: UInt64, nowMs: Int64) {
        guard fractionLost > 26, currentRate > 0 else { return }
        congestion(limit: currentRate * 4 / 5, nowMs: nowMs)
    }

    /// A REMB estimate while sending `currentRate` bits/s.
    mutating func estimate(_ bitrate: UInt64, currentRate: UInt64, nowMs: Int64) {
        guard currentRate > 0, bitrate < currentRate * 4 / 5 else { return }
        congestion(limit: bitrate, nowMs: nowMs)
    }

    private mutating func congestion(limit: UInt64, nowMs: Int64) {
        if nowMs < congestionUntilMs, let current = congestionLimit {
            congestionLimit = min(current, limit)
            congestionUntilMs = nowMs + holdDownMs
            return
        }
        if congestionUntilMs != .min { lastCongestionEndMs = congestionUntilMs }
        let recent = lastCongestionEndMs != .min && nowMs - lastCongestionEndMs < ReceiveBandwidth.backoffWindowMs
        holdDownMs = recent ? min(holdDownMs * 2, ReceiveBandwidth.maxHoldDownMs) : ReceiveBandwidth.initialHoldDownMs
        congestionLimit = limit
        congestionUntilMs = nowMs + holdDownMs
        congestionEvents += 1
    }
}
