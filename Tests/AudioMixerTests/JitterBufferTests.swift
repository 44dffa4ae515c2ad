import XCTest
@testable import AudioMixer

final class JitterBufferTests: XCTestCase {
    private func packet(_ seq: UInt16, _ ts: UInt32, duration: Int = 960, fec: Int = 0) -> JitterBuffer.Packet {
        JitterBuffer.Packet(sequenceNumber: seq, timestamp: ts, payload: [UInt8(truncatingIfNeeded: seq)],
                            durationTicks: duration, fecTicks: fec)
    }

    /// Short description of an action for compact assertions: "p<seq>", "fec<seq>:<ticks>", "plc<ticks>", "sil<ticks>", "idle".
    private func describe(_ action: JitterBuffer.Action) -> String {
        switch action {
        case .play(let p): return "p\(p.sequenceNumber)"
        case .recover(let p, let ticks): return "fec\(p.sequenceNumber):\(ticks)"
        case .conceal(let ticks): return "plc\(ticks)"
        case .silence(let ticks): return "sil\(ticks)"
        case .idle: return "idle"
        }
    }

    private func tick(_ buffer: inout JitterBuffer, _ count: Int = 1) -> [String] {
        (0..<count).map { _ in describe(buffer.next(neededTicks: 960)) }
    }

    func testInOrderStreamStartsAfterPrefetchAndPlaysEveryPacket() {
        var buffer = JitterBuffer()
        XCTAssertEqual(buffer.insert(packet(100, 5_000)), .buffered)
        XCTAssertEqual(tick(&buffer), ["idle"], "40 ms prefetch not reached")
        var played: [String] = []
        for i in 1..<20 {
            XCTAssertEqual(buffer.insert(packet(100 + UInt16(i), 5_000 + UInt32(i) * 960)), .buffered)
            played += tick(&buffer)
        }
        XCTAssertEqual(played, (100..<119).map { "p\($0)" })
        XCTAssertEqual(buffer.state, .playing)
        XCTAssertEqual(buffer.counters.played, 19)
        XCTAssertEqual(buffer.counters.concealments, 0)
        XCTAssertEqual(buffer.depth, 1, "one packet of latency beyond the one playing")
    }

    func testReorderedPacketsPlayInSequenceOrder() {
        var buffer = JitterBuffer()
        for (seq, ts) in [(0, 0), (2, 1_920), (1, 960)] as [(UInt16, UInt32)] {
            XCTAssertEqual(buffer.insert(packet(seq, ts)), .buffered)
        }
        XCTAssertEqual(tick(&buffer, 4), ["p0", "p1", "p2", "plc960"])
        XCTAssertEqual(buffer.counters.concealments, 1)
    }

    func testDuplicatesAndLatePacketsAreDroppedAndCounted() {
        var buffer = JitterBuffer()
        XCTAssertEqual(buffer.insert(packet(10, 0)), .buffered)
        XCTAssertEqual(buffer.insert(packet(11, 960)), .buffered)
        XCTAssertEqual(buffer.insert(packet(11, 960)), .duplicate, "already buffered")
        XCTAssertEqual(buffer.insert(packet(13, 2_880)), .buffered)
        XCTAssertEqual(tick(&buffer, 3), ["p10", "p11", "plc960"])
        XCTAssertEqual(buffer.insert(packet(10, 0)), .duplicate, "already played")
        XCTAssertEqual(buffer.insert(packet(12, 1_920)), .late, "its slot was concealed")
        XCTAssertEqual(tick(&buffer), ["p13"])
        XCTAssertEqual(buffer.counters.duplicates, 2)
        XCTAssertEqual(buffer.counters.late, 1)
        XCTAssertEqual(buffer.counters.buffered, 3)
    }

    func testSingleLossIsRebuiltFromFECOrConcealed() {
        var withFEC = JitterBuffer()
        var withoutFEC = JitterBuffer()
        for (seq, ts) in [(0, 0), (1, 960), (3, 2_880), (4, 3_840)] as [(UInt16, UInt32)] {
            _ = withFEC.insert(packet(seq, ts, fec: 960))
            _ = withoutFEC.insert(packet(seq, ts))
        }
        XCTAssertEqual(tick(&withFEC, 5), ["p0", "p1", "fec3:960", "p3", "p4"])
        XCTAssertEqual(tick(&withoutFEC, 5), ["p0", "p1", "plc960", "p3", "p4"])
        XCTAssertEqual(withFEC.counters.fecRecoveries, 1)
        XCTAssertEqual(withFEC.counters.concealments, 0)
        XCTAssertEqual(withoutFEC.counters.concealedTicks, 960)
    }

    func testBurstLossConcealsUntilTheFECOfTheNextPacketCanTakeOver() {
        var buffer = JitterBuffer()
        _ = buffer.insert(packet(0, 0, fec: 960))
        _ = buffer.insert(packet(1, 960, fec: 960))
        XCTAssertEqual(tick(&buffer), ["p0"])
        _ = buffer.insert(packet(5, 4_800, fec: 960))
        XCTAssertEqual(tick(&buffer, 5), ["p1", "plc960", "plc960", "fec5:960", "p5"])
    }

    func testUnderrunConcealsThenGoesIdleAndRestartsOnANewTimeline() {
        var buffer = JitterBuffer()
        _ = buffer.insert(packet(0, 0))
        _ = buffer.insert(packet(1, 960))
        XCTAssertEqual(tick(&buffer, 9), ["p0", "p1", "plc960", "plc960", "plc960", "plc960", "plc960", "idle", "idle"])
        XCTAssertEqual(buffer.state, .idle)
        XCTAssertEqual(buffer.counters.underruns, 1)
        XCTAssertEqual(buffer.counters.concealedTicks, 4_800, "bounded by maxConcealTicks")
        // The sender comes back much later with other numbers: a fresh start, not a discontinuity.
        XCTAssertEqual(buffer.insert(packet(40_000, 3_000_000_000)), .buffered)
        XCTAssertEqual(buffer.insert(packet(40_001, 3_000_000_960)), .buffered)
        XCTAssertEqual(tick(&buffer, 2), ["p40000", "p40001"])
        XCTAssertEqual(buffer.counters.discontinuities, 0)
    }

    /// A timestamp gap before a buffered packet with a contiguous sequence number (a DTX-like
    /// pause): concealed for at most `maxConcealTicks`, then silence, then the packet on time.
    func testTimestampGapBeforeABufferedPacketIsConcealedThenSilent() {
        var buffer = JitterBuffer()
        _ = buffer.insert(packet(0, 0))
        _ = buffer.insert(packet(1, 960))
        XCTAssertEqual(tick(&buffer), ["p0"])
        XCTAssertEqual(buffer.insert(packet(2, 8_640)), .buffered)
        XCTAssertEqual(tick(&buffer, 9), ["p1"] + Array(repeating: "plc960", count: 5) + ["sil960", "sil960", "p2"])
        XCTAssertEqual(buffer.counters.silentTicks, 1_920)
        XCTAssertEqual(buffer.counters.underruns, 0)
    }

    /// The same pause with packets arriving in real time: the buffer runs dry, conceals, goes idle,
    /// and the next packet starts a new playout (prefetch again) without any discontinuity.
    func testRealTimePauseGoesIdleAndRestarts() {
        var buffer = JitterBuffer()
        var played: [String] = []
        _ = buffer.insert(packet(0, 0))
        for tickIndex in 1..<16 {
            if tickIndex == 1 { XCTAssertEqual(buffer.insert(packet(1, 960)), .buffered) }
            if tickIndex == 12 { XCTAssertEqual(buffer.insert(packet(2, 11_520)), .buffered) }
            played += tick(&buffer)
        }
        XCTAssertEqual(played, ["p0", "p1"] + Array(repeating: "plc960", count: 5)
                        + Array(repeating: "idle", count: 6) + ["p2", "plc960"])
        XCTAssertEqual(buffer.counters.underruns, 1)
        XCTAssertEqual(buffer.counters.discontinuities, 0)
    }

    func testSingleWildTimestampIsDroppedAndTheStreamContinues() {
        var buffer = JitterBuffer()
        _ = buffer.insert(packet(0, 0))
        _ = buffer.insert(packet(1, 960))
        XCTAssertEqual(tick(&buffer, 1), ["p0"])
        XCTAssertEqual(buffer.insert(packet(2, 900_000_000)), .discontinuity)
        XCTAssertEqual(buffer.insert(packet(3, 2_880)), .buffered)
        XCTAssertEqual(buffer.insert(packet(4, 3_840)), .buffered)
        XCTAssertEqual(tick(&buffer, 4), ["p1", "plc960", "p3", "p4"])
        XCTAssertEqual(buffer.counters.discontinuities, 1)
        XCTAssertEqual(buffer.counters.resyncs, 0)
    }

    func testConsistentTimestampJumpResynchronises() {
        var buffer = JitterBuffer()
        _ = buffer.insert(packet(0, 0))
        _ = buffer.insert(packet(1, 960))
        _ = buffer.insert(packet(2, 1_920))
        XCTAssertEqual(tick(&buffer, 1), ["p0"])
        XCTAssertEqual(buffer.insert(packet(3, 4_000_000_000)), .discontinuity)
        XCTAssertEqual(buffer.insert(packet(4, 4_000_000_960)), .resynchronized)
        XCTAssertEqual(buffer.counters.resyncDrops, 2, "p1 and p2 flushed")
        XCTAssertEqual(buffer.state, .buffering)
        XCTAssertEqual(buffer.insert(packet(5, 4_000_001_920)), .buffered)
        XCTAssertEqual(tick(&buffer, 3), ["p3", "p4", "p5"])
    }

    func testBackwardTimestampResetAndSequenceJumpResynchronise() {
        var buffer = JitterBuffer()
        for i in 0..<3 { _ = buffer.insert(packet(UInt16(i), 10_000_000 + UInt32(i) * 960)) }
        _ = tick(&buffer, 2)
        XCTAssertEqual(buffer.insert(packet(3, 5_000)), .discontinuity, "10 s backwards")
        XCTAssertEqual(buffer.insert(packet(4, 5_960)), .resynchronized)
        _ = tick(&buffer, 2)
        XCTAssertEqual(buffer.insert(packet(30_000, 7_880)), .discontinuity, "sequence jump")
        XCTAssertEqual(buffer.insert(packet(30_001, 8_840)), .resynchronized)
        XCTAssertEqual(buffer.counters.resyncs, 2)
        XCTAssertEqual(tick(&buffer, 2), ["p30000", "p30001"])
    }

    func testBufferNeverGrowsPastItsLimits() {
        let configuration = JitterBuffer.Configuration()
        var buffer = JitterBuffer(configuration: configuration)
        // A burst of 1000 short (2.5 ms) packets with nobody playing, then with playout.
        for i in 0..<1_000 {
            _ = buffer.insert(packet(UInt16(i), UInt32(i) * 120, duration: 120))
            XCTAssertLessThanOrEqual(buffer.depth, configuration.capacity)
            XCTAssertLessThanOrEqual(buffer.bufferedTicks, configuration.maxLatencyTicks + 120)
        }
        XCTAssertGreaterThan(buffer.counters.overflowDrops + buffer.counters.latencyDrops, 900)
        XCTAssertEqual(buffer.counters.maxDepth, configuration.capacity)
        // A sender whose clock runs 10 % fast: the buffer stays bounded by dropping.
        var fast = JitterBuffer()
        var ts: UInt32 = 0
        for seq in 0..<5_000 {
            _ = fast.insert(packet(UInt16(truncatingIfNeeded: seq), ts))
            ts &+= 960
            if seq % 10 != 0 { _ = fast.next(neededTicks: 960) }
            XCTAssertLessThanOrEqual(fast.depth, fast.configuration.capacity)
            XCTAssertLessThanOrEqual(fast.bufferedTicks, fast.configuration.maxLatencyTicks + 960)
        }
        XCTAssertGreaterThan(fast.counters.discontinuities + fast.counters.overflowDrops, 0)
    }

    func testBurstBeforePlayoutIsTrimmedToThePrefetch() {
        var buffer = JitterBuffer()
        for i in 0..<8 { XCTAssertEqual(buffer.insert(packet(UInt16(i), UInt32(i) * 960)), .buffered) }
        // 160 ms buffered (> half the 200 ms bound): playout starts 40 ms before the newest end.
        XCTAssertEqual(tick(&buffer, 3), ["p6", "p7", "plc960"])
        XCTAssertEqual(buffer.counters.latencyDrops, 6)
    }

    func testPacketsOfOtherDurations() {
        var buffer = JitterBuffer()
        // 10 ms packets: two per 20 ms frame.
        for i in 0..<6 { _ = buffer.insert(packet(UInt16(i), UInt32(i) * 480, duration: 480)) }
        XCTAssertEqual(describe(buffer.next(neededTicks: 960)), "p0")
        XCTAssertEqual(describe(buffer.next(neededTicks: 480)), "p1")
        // 60 ms packet then a loss of one 60 ms packet: concealment comes in frame-sized pieces.
        var long = JitterBuffer()
        _ = long.insert(packet(0, 0, duration: 2_880))
        XCTAssertEqual(tick(&long), ["p0"], "one packet already covers the prefetch")
        _ = long.insert(packet(2, 5_760, duration: 2_880))
        XCTAssertEqual(tick(&long, 4), ["plc960", "plc960", "plc960", "p2"])
        XCTAssertEqual(long.insert(packet(9, 0, duration: 100)), .invalidDuration)
        XCTAssertEqual(long.insert(packet(9, 0, duration: 0)), .invalidDuration)
        XCTAssertEqual(long.insert(packet(9, 0, duration: 6_000)), .invalidDuration)
    }

    func testMisalignedTimestampsSnapInsteadOfLooping() {
        var buffer = JitterBuffer()
        _ = buffer.insert(packet(0, 0))
        _ = buffer.insert(packet(1, 967))     // 7 ticks late: played as if aligned
        _ = buffer.insert(packet(2, 2_000))   // 73 ticks after the end of p1
        _ = buffer.insert(packet(3, 3_500))   // 540 ticks of gap: 480 concealed, the rest snapped
        XCTAssertEqual(tick(&buffer, 5), ["p0", "p1", "p2", "plc480", "p3"])
    }

    /// BH-19 (`cases/BH-19-seq-wrap-reorder.txt`): 65530…65535, 0…3 arriving with 65534 late and
    /// across the wrap; with 100 ms of prefetch it fills its hole in time, nothing is lost or resynced.
    func testBH19SequenceWrapWithReordering() throws {
        let text = try String(contentsOf: sharedCasesDirectory().appendingPathComponent("BH-19-seq-wrap-reorder.txt"), encoding: .utf8)
        var arrivals: [(seq: UInt16, extended: Int)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let columns = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard columns.count >= 3, let seq = UInt16(columns[1]), let extended = Int(columns[2]) else { continue }
            arrivals.append((seq, extended))
        }
        XCTAssertEqual(arrivals.map(\.seq), [65_530, 65_531, 65_532, 65_533, 65_535, 0, 1, 65_534, 2, 3])
        var buffer = JitterBuffer(configuration: .init(prefetchTicks: 4_800, maxLatencyTicks: 19_200))
        var played: [String] = []
        for arrival in arrivals {
            // Timestamps follow the extended sequence number (20 ms per packet), starting at 1000.
            XCTAssertEqual(buffer.insert(packet(arrival.seq, UInt32(1_000 + (arrival.extended - 65_530) * 960))), .buffered)
            played += tick(&buffer)
        }
        while buffer.depth > 0 { played += tick(&buffer) }
        let expected = ["p65530", "p65531", "p65532", "p65533", "p65534", "p65535", "p0", "p1", "p2", "p3"]
        XCTAssertEqual(played.filter { $0 != "idle" }, expected)
        XCTAssertEqual(buffer.counters.concealments, 0)
        XCTAssertEqual(buffer.counters.discontinuities, 0)

        // Second pattern: 65534 then 1 across the wrap is exactly two lost packets, not 65 533.
        var gap = JitterBuffer()
        _ = gap.insert(packet(65_534, 0))
        _ = gap.insert(packet(1, 2_880))
        XCTAssertEqual(tick(&gap, 4), ["p65534", "plc960", "plc960", "p1"])
        XCTAssertEqual(gap.counters.concealedTicks, 1_920)
    }
}
