import XCTest
@testable import RTP

/// Receive-side TWCC: what the recorder reports for real arrival patterns.
final class TransportFeedbackRecorderTests: XCTestCase {
    typealias Status = TransportFeedback.PacketStatus

    /// Parses every packet `makeFeedback` returned.
    func feedback(_ recorder: inout TransportFeedbackRecorder, maxPacketSize: Int = 1200,
                  file: StaticString = #filePath, line: UInt = #line) throws -> [TransportFeedback] {
        let packets = recorder.makeFeedback(senderSSRC: 0xAAAA_0001, mediaSSRC: 0xBBBB_0002, maxPacketSize: maxPacketSize)
        return try packets.map { packet in
            XCTAssertLessThanOrEqual(packet.count, max(64, maxPacketSize), file: file, line: line)
            let parsed = try TransportFeedback.parse(packet)
            XCTAssertEqual(parsed.senderSSRC, 0xAAAA_0001, file: file, line: line)
            XCTAssertEqual(parsed.mediaSSRC, 0xBBBB_0002, file: file, line: line)
            return parsed
        }
    }

    func testInOrderArrivalsGiveSmallDeltasAndExactTimes() throws {
        var recorder = TransportFeedbackRecorder()
        // 1 000 000 µs = 15 × 64 ms + 40 ms → reference 15, first delta 160 ticks.
        let times: [Int64] = [1_000_000, 1_000_250, 1_005_000, 1_005_000, 1_068_750, 1_132_750]
        for (offset, time) in times.enumerated() {
            XCTAssertEqual(recorder.record(wideSequence: UInt16(100 + offset), arrivalMicros: time), .recorded)
        }
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].baseSequence, 100)
        XCTAssertEqual(reports[0].referenceTime, 15)
        XCTAssertEqual(reports[0].feedbackPacketCount, 0)
        // 63.75 ms is the largest small delta, 64 ms needs a large one.
        XCTAssertEqual(reports[0].statuses, [.smallDelta(160), .smallDelta(1), .smallDelta(19), .smallDelta(0), .smallDelta(255),
                                             .largeDelta(256)])
        XCTAssertEqual(reports[0].packetResults.map(\.arrivalMicros), times)
        XCTAssertEqual(reports[0].packetResults.map(\.sequence), [100, 101, 102, 103, 104, 105])
        // Nothing new: no packet; the next one carries count 1 and starts after 105.
        XCTAssertEqual(recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2), [])
        recorder.record(wideSequence: 106, arrivalMicros: 1_100_000)
        let next = try feedback(&recorder)
        XCTAssertEqual(next.map(\.baseSequence), [106])
        XCTAssertEqual(next.map(\.feedbackPacketCount), [1])
        XCTAssertEqual(next.first?.packetResults.first?.arrivalMicros, 1_100_000)
    }

    func testRoundsToTheNearest250MicrosecondsWithoutDrift() throws {
        var recorder = TransportFeedbackRecorder()
        // 100 packets 1 ms + 130 µs apart: each delta rounds, the error never accumulates past 125 µs.
        for index in 0..<100 { recorder.record(wideSequence: UInt16(index), arrivalMicros: Int64(index) * 1_130) }
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 1)
        for (index, result) in reports[0].packetResults.enumerated() {
            let arrival = try XCTUnwrap(result.arrivalMicros)
            XCTAssertLessThanOrEqual(abs(arrival - Int64(index) * 1_130), 125, "packet \(index)")
        }
    }

    func testSequenceWrap65534To1() throws {
        var recorder = TransportFeedbackRecorder()
        for (sequence, time) in [(65_534, 0), (65_535, 1_000), (0, 2_000), (1, 3_000)] as [(UInt16, Int64)] {
            XCTAssertEqual(recorder.record(wideSequence: sequence, arrivalMicros: time), .recorded)
        }
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].baseSequence, 65_534)
        XCTAssertEqual(reports[0].statuses, [.smallDelta(0), .smallDelta(4), .smallDelta(4), .smallDelta(4)])
        XCTAssertEqual(reports[0].packetResults.map(\.sequence), [65_534, 65_535, 0, 1])
        recorder.record(wideSequence: 3, arrivalMicros: 5_000)
        let next = try feedback(&recorder)
        XCTAssertEqual(next.first?.baseSequence, 2)
        XCTAssertEqual(next.first?.statuses, [.notReceived, .smallDelta(20)])
    }

    func testLossRunsAreReportedAsNotReceived() throws {
        var recorder = TransportFeedbackRecorder()
        for sequence: UInt16 in [1, 2, 6, 7, 20] { recorder.record(wideSequence: sequence, arrivalMicros: Int64(sequence) * 10_000) }
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].baseSequence, 1)
        let expected: [Status] = [.smallDelta(40), .smallDelta(40), .notReceived, .notReceived, .notReceived, .smallDelta(160),
                                  .smallDelta(40)] + Array(repeating: .notReceived, count: 12) + [.largeDelta(520)]
        XCTAssertEqual(reports[0].statuses, expected)
        // A 900-packet loss burst (within maxGap) is one run-length chunk, not a restart.
        recorder.record(wideSequence: 921, arrivalMicros: 300_000)
        let burst = try feedback(&recorder)
        XCTAssertEqual(burst.first?.baseSequence, 21)
        XCTAssertEqual(burst.first?.statuses.count, 901)
        XCTAssertEqual(burst.first?.statuses.filter { $0 != .notReceived }.count, 1)
        XCTAssertEqual(recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2).count, 0)
        XCTAssertEqual(recorder.restarts, 0)
    }

    func testLatePacketWithinTheWindowIsReported() throws {
        var recorder = TransportFeedbackRecorder()
        recorder.record(wideSequence: 1, arrivalMicros: 0)
        recorder.record(wideSequence: 2, arrivalMicros: 1_000)
        recorder.record(wideSequence: 4, arrivalMicros: 2_000)
        let first = try feedback(&recorder)
        XCTAssertEqual(first.first?.statuses, [.smallDelta(0), .smallDelta(4), .notReceived, .smallDelta(4)])
        // 3 arrives after being reported missing, then 5: the base goes back to 3; 4, reported
        // received before, is "not received" this time (§3.1.1).
        XCTAssertEqual(recorder.record(wideSequence: 3, arrivalMicros: 2_500), .recorded)
        recorder.record(wideSequence: 5, arrivalMicros: 3_000)
        let second = try feedback(&recorder)
        XCTAssertEqual(second.count, 1)
        XCTAssertEqual(second[0].baseSequence, 3)
        XCTAssertEqual(second[0].feedbackPacketCount, 1)
        XCTAssertEqual(second[0].statuses, [.smallDelta(10), .notReceived, .smallDelta(2)])
        XCTAssertEqual(second[0].packetResults.compactMap(\.arrivalMicros), [2_500, 3_000])
        // Reordered within one interval: reported in sequence order with a negative delta.
        recorder.record(wideSequence: 7, arrivalMicros: 4_000)
        recorder.record(wideSequence: 6, arrivalMicros: 4_500)
        let third = try feedback(&recorder)
        XCTAssertEqual(third.first?.baseSequence, 6)
        XCTAssertEqual(third.first?.statuses, [.smallDelta(18), .largeDelta(-2)])
    }

    func testDuplicatesAreIgnored() throws {
        var recorder = TransportFeedbackRecorder()
        recorder.record(wideSequence: 10, arrivalMicros: 0)
        XCTAssertEqual(recorder.record(wideSequence: 10, arrivalMicros: 500), .duplicate)
        recorder.record(wideSequence: 11, arrivalMicros: 1_000)
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.first?.statuses, [.smallDelta(0), .smallDelta(4)])
        // A duplicate of an already reported packet, even 999 numbers later, produces nothing.
        for sequence in 12...1_010 { recorder.record(wideSequence: UInt16(sequence), arrivalMicros: Int64(sequence) * 100) }
        _ = try feedback(&recorder)
        XCTAssertEqual(recorder.record(wideSequence: 11, arrivalMicros: 200_000), .duplicate)
        XCTAssertEqual(recorder.record(wideSequence: 1_005, arrivalMicros: 200_000), .duplicate)
        XCTAssertEqual(recorder.makeFeedback(senderSSRC: 1, mediaSSRC: 2), [])
        XCTAssertEqual(recorder.duplicates, 3)
    }

    func testHugeJumpStartsAfreshButStillReportsWhatWasPending() throws {
        var recorder = TransportFeedbackRecorder()
        for sequence: UInt16 in 10...12 { recorder.record(wideSequence: sequence, arrivalMicros: Int64(sequence) * 1_000) }
        XCTAssertEqual(recorder.record(wideSequence: 30_012, arrivalMicros: 20_000), .restarted)
        recorder.record(wideSequence: 30_013, arrivalMicros: 21_000)
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.map(\.baseSequence), [10, 30_012])
        XCTAssertEqual(reports.map(\.statuses.count), [3, 2])
        XCTAssertEqual(reports.map(\.feedbackPacketCount), [0, 1])
        XCTAssertEqual(recorder.restarts, 1)
        // Backward by more than maxGap (e.g. a sender jumping 40 000 ahead reads as 25 536 back).
        XCTAssertEqual(recorder.record(wideSequence: 30_013 &+ 40_000, arrivalMicros: 30_000), .restarted)
        recorder.record(wideSequence: 30_014 &+ 40_000, arrivalMicros: 31_000)
        let after = try feedback(&recorder)
        XCTAssertEqual(after.map(\.baseSequence), [30_013 &+ 40_000])
        XCTAssertEqual(after.first?.statuses, [.smallDelta(120), .smallDelta(4)])
        // Just within maxGap (1000 numbers skipped) is loss, 1001 skipped restarts.
        var edge = TransportFeedbackRecorder()
        edge.record(wideSequence: 0, arrivalMicros: 0)
        XCTAssertEqual(edge.record(wideSequence: 1_001, arrivalMicros: 1_000), .recorded)
        XCTAssertEqual(edge.record(wideSequence: 2_003, arrivalMicros: 2_000), .restarted)
        XCTAssertEqual(edge.record(wideSequence: 1_003, arrivalMicros: 3_000), .recorded)
        XCTAssertEqual(edge.record(wideSequence: 2, arrivalMicros: 3_000), .restarted)
    }

    func testDeltaBeyond8191MillisecondsStartsANewPacket() throws {
        var recorder = TransportFeedbackRecorder()
        recorder.record(wideSequence: 1, arrivalMicros: 0)
        recorder.record(wideSequence: 2, arrivalMicros: 8_191_750) // exactly the largest delta: 32 767 ticks
        recorder.record(wideSequence: 3, arrivalMicros: 16_400_000) // 8 208.25 ms later: does not fit
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(reports[0].baseSequence, 1)
        XCTAssertEqual(reports[0].statuses, [.smallDelta(0), .largeDelta(32_767)])
        XCTAssertEqual(reports[1].baseSequence, 3)
        // 16 400 000 µs = 256 × 64 ms + 16 ms.
        XCTAssertEqual(reports[1].referenceTime, 256)
        XCTAssertEqual(reports[1].statuses, [.smallDelta(64)])
        XCTAssertEqual(reports.map(\.feedbackPacketCount), [0, 1])
        XCTAssertEqual(reports.flatMap(\.packetResults).compactMap(\.arrivalMicros), [0, 8_191_750, 16_400_000])
    }

    func testNegativeDeltasAndClockOrigins() throws {
        var recorder = TransportFeedbackRecorder()
        recorder.record(wideSequence: 1, arrivalMicros: -100_000) // -2 × 64 ms + 28 ms
        recorder.record(wideSequence: 2, arrivalMicros: -110_000)
        recorder.record(wideSequence: 3, arrivalMicros: -8_400_000) // 8.29 s before 2: new packet
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(reports[0].referenceTime, -2)
        XCTAssertEqual(reports[0].statuses, [.smallDelta(112), .largeDelta(-40)])
        XCTAssertEqual(reports[1].referenceTime, -132) // floor(-8 400 000 / 64 000)
        XCTAssertEqual(reports[1].statuses, [.smallDelta(192)])
        XCTAssertEqual(reports.flatMap(\.packetResults).compactMap(\.arrivalMicros), [-100_000, -110_000, -8_400_000])
        // Times far from zero: the reference time wraps at 24 bits, deltas stay right.
        var far = TransportFeedbackRecorder()
        let base: Int64 = 64_000 * (1 << 24) * 3 + 64_000 * 5 + 1_000
        far.record(wideSequence: 9, arrivalMicros: base)
        far.record(wideSequence: 10, arrivalMicros: base + 750)
        let wrapped = try feedback(&far)
        XCTAssertEqual(wrapped.first?.referenceTime, 5)
        XCTAssertEqual(wrapped.first?.statuses, [.smallDelta(4), .smallDelta(3)])
        // Extreme clock values are clamped, never trapped on.
        var extreme = TransportFeedbackRecorder()
        extreme.record(wideSequence: 1, arrivalMicros: .max)
        extreme.record(wideSequence: 2, arrivalMicros: .min)
        extreme.record(wideSequence: 3, arrivalMicros: .max)
        XCTAssertEqual(try feedback(&extreme).flatMap(\.statuses).count, 3)
    }

    func testSplitWhenTooBigCoversEverythingExactlyOnce() throws {
        var recorder = TransportFeedbackRecorder()
        var expected: [UInt16: Int64] = [:]
        var rng = SeededGenerator(seed: 8888)
        var time: Int64 = 5_000_000
        for sequence in 0..<3_000 {
            time += Int64.random(in: 0...20_000, using: &rng)
            guard sequence % 7 != 3 else { continue } // lost
            recorder.record(wideSequence: UInt16(sequence), arrivalMicros: time)
            expected[UInt16(sequence)] = time
        }
        let reports = try feedback(&recorder, maxPacketSize: 200)
        XCTAssertGreaterThan(reports.count, 10)
        var next: UInt16 = 0
        var reported: [UInt16: Int64] = [:]
        for (index, report) in reports.enumerated() {
            XCTAssertEqual(report.baseSequence, next, "packets cover consecutive ranges")
            XCTAssertEqual(report.feedbackPacketCount, UInt8(index))
            next = report.baseSequence &+ UInt16(report.statuses.count)
            for result in report.packetResults {
                guard let arrival = result.arrivalMicros else { continue }
                XCTAssertNil(reported.updateValue(arrival, forKey: result.sequence))
            }
        }
        XCTAssertEqual(next, 3_000 - (2_999 % 7 == 3 ? 1 : 0))
        XCTAssertEqual(Set(reported.keys), Set(expected.keys))
        for (sequence, arrival) in reported {
            XCTAssertLessThanOrEqual(abs(arrival - (expected[sequence] ?? 0)), 125)
        }
        // Below 64 bytes the limit is 64.
        var tiny = TransportFeedbackRecorder()
        for sequence: UInt16 in 0..<40 { tiny.record(wideSequence: sequence, arrivalMicros: Int64(sequence) * 70_000) }
        let small = try feedback(&tiny, maxPacketSize: 1)
        XCTAssertEqual(small.reduce(0) { $0 + $1.statuses.count }, 40)
        XCTAssertGreaterThan(small.count, 1)
    }

    func testMemoryStaysBoundedWhenFeedbackIsNeverAsked() throws {
        var recorder = TransportFeedbackRecorder(maxPendingPackets: 100)
        for sequence in 0..<100_000 {
            recorder.record(wideSequence: UInt16(truncatingIfNeeded: sequence), arrivalMicros: Int64(sequence) * 100)
            XCTAssertLessThanOrEqual(recorder.pendingCount, 100)
        }
        let kept = recorder.pendingCount
        XCTAssertGreaterThanOrEqual(kept, 75)
        XCTAssertEqual(recorder.droppedArrivals, 100_000 - kept)
        let reports = try feedback(&recorder)
        XCTAssertEqual(reports.count, 1)
        // Only the newest are reported, from the first one kept on (the dropped are not reported lost).
        let last = UInt16(truncatingIfNeeded: 99_999)
        XCTAssertEqual(reports[0].statuses.count, kept)
        XCTAssertEqual(reports[0].baseSequence, last &- UInt16(kept - 1))
        XCTAssertEqual(reports[0].packetResults.last?.sequence, last)
        XCTAssertTrue(reports[0].statuses.allSatisfy { $0 != .notReceived })
        // Alternating huge jumps: the restarted segments waiting are capped too.
        var jumpy = TransportFeedbackRecorder(maxPendingPackets: 100)
        for index in 0..<10_000 {
            jumpy.record(wideSequence: UInt16(truncatingIfNeeded: index * 20_000), arrivalMicros: Int64(index))
        }
        XCTAssertLessThanOrEqual(jumpy.pendingCount, 9)
        XCTAssertLessThanOrEqual(jumpy.makeFeedback(senderSSRC: 1, mediaSSRC: 2).count, 9)
    }

    func testFeedbackPacketCountWraps() throws {
        var recorder = TransportFeedbackRecorder()
        var counts: [UInt8] = []
        for sequence: UInt16 in 0..<300 {
            recorder.record(wideSequence: sequence, arrivalMicros: Int64(sequence) * 1_000)
            counts += try feedback(&recorder).map(\.feedbackPacketCount)
        }
        XCTAssertEqual(counts.count, 300)
        XCTAssertEqual(Array(counts[254...257]), [254, 255, 0, 1])
        XCTAssertEqual(recorder.feedbackPacketCount, 44)
    }

    /// Random loss, reordering and duplication, feedback at random moments: every distinct arrival is
    /// reported received exactly once with its time, and reported ranges never skip a number.
    func testRandomTrafficAgainstAModel() throws {
        var rng = SeededGenerator(seed: 4588)
        var recorder = TransportFeedbackRecorder()
        var inFlight: [UInt16] = []
        var time: Int64 = 0
        var sent = 0
        var firstArrival: [UInt16: Int64] = [:]
        var reportedReceived: [UInt16: Int64] = [:]
        var nextUnreported: UInt16?
        var rewinds = 0
        for _ in 0..<400 {
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                sent += 1
                if Int.random(in: 0..<10, using: &rng) == 0 { continue }
                inFlight.append(UInt16(truncatingIfNeeded: sent))
            }
            // Deliver a shuffled 80 %: the rest arrives in a later interval, after being reported
            // missing. Occasional duplicates.
            inFlight.shuffle(using: &rng)
            let delivered = inFlight.filter { _ in Int.random(in: 0..<5, using: &rng) != 0 }
            inFlight.removeAll { delivered.contains($0) }
            for sequence in delivered {
                time += Int64.random(in: 0...3_000, using: &rng)
                let outcome = recorder.record(wideSequence: sequence, arrivalMicros: time)
                XCTAssertNotEqual(outcome, .restarted)
                if firstArrival[sequence] == nil {
                    XCTAssertEqual(outcome, .recorded)
                    firstArrival[sequence] = time
                } else {
                    XCTAssertEqual(outcome, .duplicate)
                }
                if Int.random(in: 0..<20, using: &rng) == 0 {
                    _ = recorder.record(wideSequence: sequence, arrivalMicros: time)
                }
            }
            for report in try feedback(&recorder, maxPacketSize: Int.random(in: 100...1200, using: &rng)) {
                for result in report.packetResults {
                    guard let arrival = result.arrivalMicros else { continue }
                    XCTAssertNil(reportedReceived.updateValue(arrival, forKey: result.sequence), "reported twice")
                }
                if let nextUnreported, SequenceNumberUnwrapper.isNewer(nextUnreported, than: report.baseSequence) { rewinds += 1 }
                nextUnreported = report.baseSequence &+ UInt16(report.statuses.count)
            }
        }
        XCTAssertEqual(Set(reportedReceived.keys), Set(firstArrival.keys))
        for (sequence, arrival) in reportedReceived {
            XCTAssertLessThanOrEqual(abs(arrival - (firstArrival[sequence] ?? .min)), 125)
        }
        XCTAssertGreaterThan(firstArrival.count, 4_000)
        XCTAssertGreaterThan(rewinds, 100, "late packets made feedback start before the previous one ended")
    }
}
