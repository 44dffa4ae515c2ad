import XCTest
@testable import RTP

final class RTPReceiveStatisticsTests: XCTestCase {
    /// BH-19: 65530…65533, 65535, 0, 1, 65534 (late, from before the wrap), 2, 3 → one cycle, no loss.
    func testSequenceWrapWithReorderingFromCaseFile() throws {
        let text = try CaseFiles.text("BH-19-seq-wrap-reorder.txt")
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
        var rng = SeededGenerator(seed: 7)
        var stats = RTPReceiveStatistics(clockRate: 48_000)
        for i in 0..<20_000 {
            stats.record(sequenceNumber: UInt16.random(in: 0...UInt16.max, using: &rng), timestamp: UInt32.random(in: 0...UInt32.max, using: &rng),
                         arrival: Double(i) * 0.02, bytes: Int.random(in: -5...1500, using: &rng))
            XCTAssertGreaterThanOrEqual(stats.lost, 0)
            XCTAssertTrue(stats.jitter.isFinite)
        }
        XCTAssertEqual(stats.packetsReceived, 20_000)
    }

    // MARK: - Report blocks (RFC 3550 §6.4.1, A.3)

    /// Records `sequences` 20 ms apart (Opus-like: 960 ticks at 48 kHz), starting at `start` seconds.
    func feed(_ stats: inout RTPReceiveStatistics, _ sequences: [UInt16], start: Double) {
        for (index, sequence) in sequences.enumerated() {
            stats.record(sequenceNumber: sequence, timestamp: UInt32(sequence) &* 960,
                         arrival: start + Double(index) * 0.02, bytes: 100)
        }
    }

    func testReportBlockFractionIsPerInterval() {
        var stats = RTPReceiveStatistics(clockRate: 48_000)
        let empty = stats.makeReportBlock(ssrc: 7, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 0)
        XCTAssertEqual(empty, RTCPReportBlock(ssrc: 7, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0))

        // 1000…1007 without 1002 and 1005: 2 of 8 lost → 64/256.
        feed(&stats, [1000, 1001, 1003, 1004, 1006, 1007], start: 1)
        var block = stats.makeReportBlock(ssrc: 7, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 2)
        XCTAssertEqual(block.fractionLost, 64)
        XCTAssertEqual(block.cumulativeLost, 2)
        XCTAssertEqual(block.highestSeq, 1007)

        // Next interval: 1008…1015 all received → 0, cumulative stays 2.
        feed(&stats, Array(1008...1015), start: 3)
        block = stats.makeReportBlock(ssrc: 7, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 4)
        XCTAssertEqual(block.fractionLost, 0)
        XCTAssertEqual(block.cumulativeLost, 2)
        XCTAssertEqual(block.highestSeq, 1015)

        // 1016…1024 without 1017, 1021, 1022, 1023: 4 of 9 lost → 113/256.
        feed(&stats, [1016, 1018, 1019, 1020, 1024], start: 5)
        block = stats.makeReportBlock(ssrc: 7, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 6)
        XCTAssertEqual(block.fractionLost, 113) // 4 × 256 / 9
        XCTAssertEqual(block.cumulativeLost, 6)

        // 1025, a duplicate of it, then 1017 and 1021 late: more received than expected → 0; the
        // late ones lower the cumulative count.
        feed(&stats, [1025, 1025, 1017, 1021], start: 7)
        block = stats.makeReportBlock(ssrc: 7, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 8)
        XCTAssertEqual(block.fractionLost, 0)
        XCTAssertEqual(block.cumulativeLost, 4)
        XCTAssertEqual(block.highestSeq, 1025)
        XCTAssertEqual(stats.duplicatesOrLate, 1)

        // No packet at all in an interval: nothing expected → 0.
        block = stats.makeReportBlock(ssrc: 7, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 9)
        XCTAssertEqual(block.fractionLost, 0)
        XCTAssertEqual(block.cumulativeLost, 4)
    }

    func testReportBlockExtendedSequenceAcrossTheWrap() {
        var stats = RTPReceiveStatistics(clockRate: 48_000)
        feed(&stats, [65_530, 65_531, 65_533, 65_534, 65_535, 0, 1, 3], start: 0)
        let block = stats.makeReportBlock(ssrc: 1, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 1)
        XCTAssertEqual(block.highestSeq, 65_536 + 3)
        XCTAssertEqual(block.cumulativeLost, 2)
        XCTAssertEqual(block.fractionLost, 51) // 2 × 256 / 10
    }

    func testReportBlockLSRAndDLSR() {
        var stats = RTPReceiveStatistics(clockRate: 90_000)
        feed(&stats, [1, 2, 3], start: 10)
        let ntp: UInt64 = 0xE40E_C09C_A44C_BE1E // BH-21's SR
        var block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: 10, now: 10.5)
        XCTAssertEqual(block.lsr, 0xC09C_A44C)
        XCTAssertEqual(block.dlsr, 32_768)
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: 10, now: 12.25)
        XCTAssertEqual(block.dlsr, 147_456)
        // 1/65536 s resolution, rounded down: 1 ms = 65.536 units.
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: 10, now: 10.001)
        XCTAssertEqual(block.dlsr, 65)
        // A clock that went backwards, an arrival time that is missing, no SR: 0.
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: 10, now: 9)
        XCTAssertEqual(block.dlsr, 0)
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: nil, now: 9)
        XCTAssertEqual(block.lsr, 0xC09C_A44C)
        XCTAssertEqual(block.dlsr, 0)
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: nil, lastSenderReportArrival: 10, now: 11)
        XCTAssertEqual(block.lsr, 0)
        XCTAssertEqual(block.dlsr, 0)
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: -.infinity, now: .nan)
        XCTAssertEqual(block.dlsr, 0)
        // A day later saturates instead of trapping (65 536 s fit 32 bits).
        block = stats.makeReportBlock(ssrc: 2, lastSenderReportNTP: ntp, lastSenderReportArrival: 0, now: 100_000)
        XCTAssertEqual(block.dlsr, UInt32.max)
    }

    func testReportBlockJitterIsInTimestampUnits() {
        var stats = RTPReceiveStatistics(clockRate: 90_000)
        for i in 0..<400 {
            let late = i % 2 == 1 ? 0.010 : 0
            stats.record(sequenceNumber: UInt16(i), timestamp: UInt32(i * 3000), arrival: Double(i) / 30 + late, bytes: 1)
        }
        let block = stats.makeReportBlock(ssrc: 3, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 20)
        XCTAssertEqual(block.jitter, UInt32(stats.jitter))
        XCTAssertEqual(Double(block.jitter), 900, accuracy: 5) // 10 ms at 90 kHz
    }

    func testReportBlockCumulativeLostClampsTo24BitsAndGoesNegative() throws {
        var stats = RTPReceiveStatistics(clockRate: 90_000)
        // 300 jumps of 30 000: 29 999 lost each, ~9 M in all.
        for step in 0..<301 {
            stats.record(sequenceNumber: UInt16(truncatingIfNeeded: step * 30_000), timestamp: 0, arrival: Double(step), bytes: 1)
        }
        var block = stats.makeReportBlock(ssrc: 4, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 400)
        XCTAssertEqual(block.cumulativeLost, 0x7F_FFFF)
        XCTAssertEqual(block.fractionLost, 255)
        XCTAssertEqual(block.highestSeq, 9_000_000 & 0xFFFF_FFFF)

        // First packet 100, then 99 and 98 late: 3 received, 1 expected → -2.
        var early = RTPReceiveStatistics(clockRate: 90_000)
        feed(&early, [100, 99, 98], start: 0)
        block = early.makeReportBlock(ssrc: 5, lastSenderReportNTP: nil, lastSenderReportArrival: nil, now: 1)
        XCTAssertEqual(block.cumulativeLost, -2)
        XCTAssertEqual(block.fractionLost, 0)
        // The signed 24-bit value survives the wire.
        let wire = RTCPBuilder.receiverReport(ssrc: 9, reports: [block])
        guard case .receiverReport(let report)? = try RTCPPacket.parseCompound(wire).first else { return XCTFail() }
        XCTAssertEqual(report.reports, [block])
    }
}
