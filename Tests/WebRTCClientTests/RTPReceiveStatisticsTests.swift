import XCTest
@testable import WebRTCClient

final class RTPReceiveStatisticsTests: XCTestCase {
    /// BH-19: 65530…65533, 65535, 0, 1, 65534 (late, from before the wrap), 2, 3 → one cycle, no loss.
    func testSequenceWrapWithReorderingFromCaseFile() throws {
        let text = try sharedCase("BH-19-seq-wrap-reorder.txt")
        var rows: [(UInt16, UInt32)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(whereSeparator: { $0 == " " })
            guard f.count >= 3, let seq = UInt16(f[1]), let ext = UInt32(f[2]) else { continue }
            rows.append((seq, ext))
        }
        XCTAssertEqual(rows.count, 10)
        var stats = RTPReceiveStatistics(clockRate: 90_000)
        for (i, row) in rows.enumerated() {
            stats.record(sequenceNumber: row.0, timestamp: UInt32(i) * 3000, arrival: Double(i) / 30, bytes: 100)
        }
        XCTAssertEqual(stats.extendedHighestSequence, 65539)   // ROC 1, not 2 (the libre bug)
        XCTAssertEqual(stats.expected, 10)
        XCTAssertEqual(stats.lost, 0)
        XCTAssertEqual(stats.packetsReceived, 10)
        XCTAssertEqual(stats.bytesReceived, 1000)
    }

    func testLossCountsGapsAndDuplicates() {
        var stats = RTPReceiveStatistics(clockRate: 90_000)
        for seq: UInt16 in [100, 101, 104, 105, 105, 106] {
            stats.record(sequenceNumber: seq, timestamp: UInt32(seq) * 3000, arrival: Double(seq) / 30, bytes: 10)
        }
        XCTAssertEqual(stats.expected, 7)
        XCTAssertEqual(stats.lost, 2)
        XCTAssertEqual(stats.duplicatesOrLate, 1)
        XCTAssertEqual(stats.lossFraction, 2.0 / 7.0, accuracy: 1e-9)
    }

    func testJitterZeroForConstantTransitAndConvergesForAlternatingDelay() {
        var steady = RTPReceiveStatistics(clockRate: 90_000)
        for i in 0..<100 { steady.record(sequenceNumber: UInt16(i), timestamp: UInt32(i * 3000), arrival: 5 + Double(i) / 30, bytes: 1) }
        XCTAssertEqual(steady.jitter, 0, accuracy: 1e-6)
        // Every other packet 10 ms late: |D| = 900 ticks each time → J converges to 900 (10 ms).
        var alternating = RTPReceiveStatistics(clockRate: 90_000)
        for i in 0..<400 {
            let late = i % 2 == 1 ? 0.010 : 0
            alternating.record(sequenceNumber: UInt16(i), timestamp: UInt32(i * 3000), arrival: Double(i) / 30 + late, bytes: 1)
        }
        XCTAssertEqual(alternating.jitterMilliseconds, 10, accuracy: 0.05)
    }

    func testTimestampWrapDoesNotExplodeJitter() {
        var stats = RTPReceiveStatistics(clockRate: 90_000)
        let start = UInt32.max - 6000
        for i in 0..<10 {
            stats.record(sequenceNumber: UInt16(i), timestamp: start &+ UInt32(i * 3000), arrival: Double(i) / 30, bytes: 1)
        }
        XCTAssertLessThan(stats.jitter, 1)
    }

    func testRandomSequencesKeepInvariants() {
        var rng = SeededRandom(7)
        var stats = RTPReceiveStatistics(clockRate: 48_000)
        for i in 0..<20_000 {
            stats.record(sequenceNumber: UInt16.random(in: 0...UInt16.max, using: &rng), timestamp: UInt32.random(in: 0...UInt32.max, using: &rng),
                         arrival: Double(i) * 0.02, bytes: Int.random(in: -5...1500, using: &rng))
            XCTAssertGreaterThanOrEqual(stats.lost, 0)
            XCTAssertTrue(stats.jitter.isFinite)
        }
        XCTAssertEqual(stats.packetsReceived, 20_000)
    }
}
