import XCTest
@testable import SFU

final class ReceiveBandwidthTests: XCTestCase {
    func testAnswerLimitAlone() {
        var b = ReceiveBandwidth()
        XCTAssertNil(b.limit(nowMs: 0))
        b.answerLimit = 200_000
        XCTAssertEqual(b.limit(nowMs: 0), 200_000)
    }

    /// A REMB above 80 % of the current rate is no congestion (a receive-side estimate tracks what
    /// it receives); one below it caps for the 5 s hold-down, then the cap is lifted.
    func testRembBelowCurrentRateCapsForHoldDown() {
        var b = ReceiveBandwidth()
        b.estimate(1_000_000, currentRate: 1_100_000, nowMs: 0)
        XCTAssertNil(b.limit(nowMs: 0), "1.0 M while sending 1.1 M is not congestion")
        b.estimate(500_000, currentRate: 1_100_000, nowMs: 1_000)
        XCTAssertEqual(b.limit(nowMs: 1_000), 500_000)
        XCTAssertEqual(b.limit(nowMs: 5_999), 500_000)
        XCTAssertNil(b.limit(nowMs: 6_000), "lifted after the 5 s hold-down")
    }

    /// Loss > 10 % caps at 80 % of the current rate; a new congestion within 30 s of the previous
    /// one's end doubles the hold-down (5 → 10 → 20 s), up to 60 s; a quiet period resets it.
    func testLossCapsAndHoldDownBacksOff() {
        var b = ReceiveBandwidth()
        b.receiverReport(fractionLost: 20, currentRate: 1_000_000, nowMs: 0)
        XCTAssertNil(b.limit(nowMs: 0), "20/256 ≈ 8 % is tolerated")
        b.receiverReport(fractionLost: 60, currentRate: 1_000_000, nowMs: 0)
        XCTAssertEqual(b.limit(nowMs: 0), 800_000)
        XCTAssertEqual(b.holdDownMs, 5_000)
        b.receiverReport(fractionLost: 60, currentRate: 1_000_000, nowMs: 7_000)
        XCTAssertEqual(b.holdDownMs, 10_000)
        XCTAssertEqual(b.limit(nowMs: 16_999), 800_000)
        XCTAssertNil(b.limit(nowMs: 17_000))
        b.receiverReport(fractionLost: 60, currentRate: 400_000, nowMs: 20_000)
        XCTAssertEqual(b.holdDownMs, 20_000)
        XCTAssertEqual(b.limit(nowMs: 20_000), 320_000)
        for t in stride(from: Int64(41_000), to: 400_000, by: 21_000) {
            b.receiverReport(fractionLost: 60, currentRate: 400_000, nowMs: t + b.holdDownMs)
        }
        XCTAssertEqual(b.holdDownMs, 60_000, "capped at 60 s")
        b.receiverReport(fractionLost: 60, currentRate: 400_000, nowMs: 10_000_000)
        XCTAssertEqual(b.holdDownMs, 5_000, "reset after a quiet period")
    }

    /// Reports during a hold-down extend it and keep the lowest cap; the answer limit still wins
    /// when lower.
    func testReportsDuringHoldDownExtendIt() {
        var b = ReceiveBandwidth()
        b.answerLimit = 300_000
        b.estimate(600_000, currentRate: 1_000_000, nowMs: 0)
        XCTAssertEqual(b.limit(nowMs: 0), 300_000)
        b.answerLimit = nil
        XCTAssertEqual(b.limit(nowMs: 0), 600_000)
        b.estimate(700_000, currentRate: 1_000_000, nowMs: 4_000)
        XCTAssertEqual(b.limit(nowMs: 8_999), 600_000, "lowest cap kept, hold-down extended to 9 s")
        XCTAssertNil(b.limit(nowMs: 9_000))
        XCTAssertEqual(b.congestionEvents, 1)
    }
}
