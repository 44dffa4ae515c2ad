import XCTest
@testable import RTP

final class SequenceNumberTests: XCTestCase {
    struct BH19Row { let wire: UInt16; let extended: Int64; let nack: [Int64] }

    /// Rows of the first table in BH-19-seq-wrap-reorder.txt: "order wire extended nack-or-dash # comment".
    func bh19Rows() throws -> [BH19Row] {
        try CaseFiles.text("BH-19-seq-wrap-reorder.txt").split(separator: "\n").compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4, let wire = UInt16(fields[1]), let extended = Int64(fields[2]) else { return nil }
            let nack = fields[3] == "-" ? [] : fields[3].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                .split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            return BH19Row(wire: wire, extended: extended, nack: nack)
        }
    }

    func testBH19TableUnwrapsAndNACKs() throws {
        let rows = try bh19Rows()
        XCTAssertEqual(rows.count, 10, "the table in the case file has 10 arrivals")
        var unwrapper = SequenceNumberUnwrapper()
        var tracker = NACKTracker()
        for (index, row) in rows.enumerated() {
            let extended = unwrapper.unwrap(row.wire)
            XCTAssertEqual(extended, row.extended, "arrival \(index + 1)")
            XCTAssertNotEqual(extended, 131_074)
            XCTAssertEqual(tracker.record(extended), row.nack, "NACK emitted after arrival \(index + 1)")
            // The hole at 65534 is outstanding from arrival 5 until the late packet fills it at arrival 8.
            XCTAssertEqual(tracker.missing, (5...7).contains(index + 1) ? [65534] : [], "after arrival \(index + 1)")
        }
        XCTAssertEqual(unwrapper.highest, 65539)
    }

    func testBH19NoNACKStormAtRollover() throws {
        var unwrapper = SequenceNumberUnwrapper()
        var tracker = NACKTracker()
        for seq: UInt16 in [65534, 65535, 0, 1] { XCTAssertEqual(tracker.record(unwrapper.unwrap(seq)), []) }
        XCTAssertEqual(tracker.missing, [])

        var unwrapper2 = SequenceNumberUnwrapper()
        var tracker2 = NACKTracker()
        tracker2.record(unwrapper2.unwrap(65534))
        XCTAssertEqual(tracker2.record(unwrapper2.unwrap(1)), [65535, 65536])
        XCTAssertEqual(tracker2.missingSequenceNumbers, [65535, 0])
        // Packed into one FCI (PID 65535, BLP bit 0) and read back in order.
        let nack = RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: 2, lost: tracker2.missingSequenceNumbers)
        XCTAssertEqual(nack.count, 16)
        guard case .nack(_, _, let lost)? = try RTCPPacket.parseCompound(nack).first else { return XCTFail() }
        XCTAssertEqual(lost, [65535, 0])
    }

    func testBH19FrameSpanningTheWrapIsComplete() {
        var unwrapper = SequenceNumberUnwrapper()
        let extended = [UInt16(65534), 65535, 0].map { unwrapper.unwrap($0) }
        XCTAssertEqual(extended, [65534, 65535, 65536])
        let first = extended[0], last = extended[2]
        XCTAssertEqual(last - first + 1, 3, "three packets, no negative distance across the wrap")
    }

    func testIsNewer() {
        XCTAssertTrue(SequenceNumberUnwrapper.isNewer(1, than: 0))
        XCTAssertTrue(SequenceNumberUnwrapper.isNewer(0, than: 65535))
        XCTAssertFalse(SequenceNumberUnwrapper.isNewer(65535, than: 0))
        XCTAssertFalse(SequenceNumberUnwrapper.isNewer(7, than: 7))
        XCTAssertTrue(SequenceNumberUnwrapper.isNewer(0x7fff, than: 0))
        XCTAssertFalse(SequenceNumberUnwrapper.isNewer(0x8001, than: 0))
        XCTAssertTrue(SequenceNumberUnwrapper.isNewer(0x8000, than: 0), "tie broken towards the larger value")
        XCTAssertFalse(SequenceNumberUnwrapper.isNewer(0, than: 0x8000))
    }

    func testUnwrapperAgainstGroundTruthWithReordering() {
        var rng = SeededGenerator(seed: 19)
        var unwrapper = SequenceNumberUnwrapper()
        var truth: Int64 = 60_000
        for _ in 0..<50_000 {
            truth += Int64.random(in: 1...3, using: &rng)
            // Deliver a packet up to 500 behind the newest, as reordering would.
            let delivered = Bool.random(using: &rng) ? truth : truth - Int64.random(in: 0...500, using: &rng)
            XCTAssertEqual(unwrapper.unwrap(UInt16(truncatingIfNeeded: delivered)), delivered)
        }
        XCTAssertEqual(unwrapper.highest, truth)
    }

    func testUnwrapperBackwardsFromTheFirstPacketAndPeek() {
        var unwrapper = SequenceNumberUnwrapper()
        XCTAssertEqual(unwrapper.unwrap(0), 0)
        XCTAssertEqual(unwrapper.peek(65535), -1)
        XCTAssertEqual(unwrapper.unwrap(65535), -1)
        XCTAssertEqual(unwrapper.highest, 0)
        XCTAssertEqual(unwrapper.unwrap(0x8000), 0x8000)
    }

    func testNACKTrackerLimits() {
        var tracker = NACKTracker(maxGap: 100, maxAge: 50)
        tracker.record(10)
        XCTAssertEqual(tracker.record(500), [], "a jump over maxGap is a restart, not a NACK storm")
        XCTAssertEqual(tracker.record(540).count, 39)
        tracker.record(600)
        XCTAssertEqual(tracker.missing.first, 550, "older than maxAge forgotten")
        tracker.forget(550)
        XCTAssertEqual(tracker.missing.first, 551)
        tracker.record(400)
        XCTAssertEqual(tracker.highest, 600, "an old packet does not move the highest")
    }

    /// BH-18-padding-only-sequence.txt: per-input-SSRC drop bookkeeping, no gap for the dropped probe.
    func testBH18SimulcastProbeSequenceTable() throws {
        struct Step { let ssrc: UInt32; let seq: UInt16; let padding: Bool; let expected: UInt16? }
        let layers: [String: UInt32] = ["A": 0x5eed_0301, "B": 0x5eed_0302]
        let steps: [Step] = try CaseFiles.text("BH-18-padding-only-sequence.txt").split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4, Int(fields[0]) != nil, let ssrc = layers[String(fields[1])],
                  let seq = UInt16(fields[2].dropFirst(2), radix: 16) else { return nil }
            return Step(ssrc: ssrc, seq: seq, padding: fields[3] == "pad", expected: fields.last.flatMap { UInt16($0) })
        }
        XCTAssertEqual(steps.count, 7)

        let probeTemplate = try CaseFiles.packet("BH-18-rtp-padding-only.hex")
        let mediaTemplate = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let selected = layers["B"]!
        var rewriter = RTPSequenceRewriter(lastOutput: 7000)
        var outputs: [UInt16] = []
        for step in steps {
            // Build the wire packet for this step and classify it by parsing, as the forwarder would.
            var packet = step.padding ? probeTemplate : mediaTemplate
            let template = try RTPHeader.parse(packet)
            RTPRewriter.rewrite(&packet, header: template, ssrc: step.ssrc, payloadType: 96, sequenceNumber: step.seq,
                                timestamp: 1)
            let header = try RTPHeader.parse(packet)
            XCTAssertEqual(header.isPaddingOnly, step.padding)
            var output: UInt16?
            if header.ssrc == selected {
                if header.isPaddingOnly { rewriter.drop(header.sequenceNumber) } else { output = rewriter.forward(header.sequenceNumber) }
            }
            XCTAssertEqual(output, step.expected, "step with seq \(step.seq) on ssrc \(header.ssrc)")
            if let output { outputs.append(output) }
        }
        XCTAssertEqual(outputs, [7001, 7002, 7003, 7004, 7005])
    }

    func testSequenceRewriterLayerSwitchAndReordering() {
        var rewriter = RTPSequenceRewriter(lastOutput: 65534)
        XCTAssertEqual(rewriter.forward(100), 65535)
        XCTAssertEqual(rewriter.forward(102), 1, "wraps; 101 still missing")
        XCTAssertEqual(rewriter.forward(101), 0, "late packet fills its own slot")
        rewriter.drop(101)
        XCTAssertEqual(rewriter.forward(103), 2, "a drop after newer packets were sent cannot shift them")
        XCTAssertNil(rewriter.forward(99), "older than the sync point")
        rewriter.drop(104)
        XCTAssertNil(rewriter.forward(104), "already dropped")
        XCTAssertEqual(rewriter.forward(105), 3)
        rewriter.switchInput()
        XCTAssertEqual(rewriter.forward(40_000), 4, "new layer continues after the last output")
        XCTAssertEqual(rewriter.forward(40_001), 5)
        XCTAssertEqual(rewriter.lastOutput, 65536 + 5)
    }

    func testSequenceRewriterManyDropsFoldIntoOffset() {
        var rewriter = RTPSequenceRewriter(lastOutput: 0)
        XCTAssertEqual(rewriter.forward(0), 1)
        var expected: UInt16 = 1
        var input: UInt16 = 0
        for round in 0..<20_000 {
            input &+= 1
            if round % 2 == 0 { rewriter.drop(input); continue }
            expected &+= 1
            XCTAssertEqual(rewriter.forward(input), expected)
        }
    }
}
