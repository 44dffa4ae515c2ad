import RTP
import XCTest
@testable import SFU

/// The consumer's outgoing timeline: key-frame starts, simulcast layer switches with continuous
/// sequence numbers / timestamps / VP8 PictureIDs, padding-only probes (BH-18), initial sequence
/// numbers (BH-20).
final class ConsumerTimelineTests: XCTestCase {
    typealias Input = ConsumerTimeline.Input

    private func media(_ layer: Int, _ seq: UInt16, ts: UInt32 = 1000, key: Bool = false,
                       pic: UInt16? = nil, tl0: UInt8? = nil) -> Input {
        Input(layer: layer, sequenceNumber: seq, timestamp: ts, isKeyframe: key, isPaddingOnly: false,
              pictureID: pic, pictureIDModulus: 0x8000, tl0PicIdx: tl0)
    }

    private func outSeq(_ d: ConsumerTimeline.Decision) -> UInt16? {
        if case .forward(let seq, _, _, _) = d { return seq }
        return nil
    }

    /// BH-18: the table in cases/BH-18-padding-only-sequence.txt, read from the file. Layer A
    /// (rid q) = index 0, layer B (rid h) = index 1; the subscriber receives B and the last
    /// forwarded out-seq before step 1 is 7000.
    func testBH18PaddingOnlyProbesLeaveNoGap() throws {
        let text = try CaseFiles.text("BH-18-padding-only-sequence.txt")
        struct Step { var ssrc: String; var seq: UInt16; var pad: Bool; var expected: UInt16? }
        var steps: [Step] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard f.count >= 4, Int(f[0]) != nil, let seq = UInt16(f[2].dropFirst(2), radix: 16) else { continue }
            let expected = f.last.flatMap { UInt16($0) }
            steps.append(Step(ssrc: f[1], seq: seq, pad: f[3] == "pad", expected: expected))
        }
        XCTAssertEqual(steps.count, 7, "the case table has 7 steps")

        // Start on layer B with a key frame at out-seq 7000 (the packet before step 1).
        var timeline = ConsumerTimeline(initialSequenceNumber: 7000, initialTimestamp: 5000)
        let first = timeline.process(media(1, steps[0].seq &- 1, key: true), targetLayer: 1, nowMs: 0)
        XCTAssertEqual(outSeq(first), 7000)
        var outputs: [UInt16] = []
        for (i, step) in steps.enumerated() {
            let layer = step.ssrc == "A" ? 0 : 1
            let input = Input(layer: layer, sequenceNumber: step.seq, timestamp: 1000, isKeyframe: false,
                              isPaddingOnly: step.pad)
            let decision = timeline.process(input, targetLayer: 1, nowMs: Int64(i))
            XCTAssertEqual(outSeq(decision), step.expected, "step \(i + 1)")
            if let seq = outSeq(decision) { outputs.append(seq) }
        }
        XCTAssertEqual(outputs, [7001, 7002, 7003, 7004, 7005])
        XCTAssertEqual(timeline.currentLayer, 1, "a probe never activates layer A")
    }

    /// A late media packet from before a dropped probe keeps its original mapping (no collision).
    func testLateMediaBeforeProbeKeepsOldOffset() {
        var t = ConsumerTimeline(initialSequenceNumber: 100, initialTimestamp: 0)
        XCTAssertEqual(outSeq(t.process(media(0, 10, key: true), targetLayer: 0, nowMs: 0)), 100)
        XCTAssertEqual(outSeq(t.process(media(0, 12), targetLayer: 0, nowMs: 0)), 102)
        let probe = Input(layer: 0, sequenceNumber: 13, timestamp: 0, isKeyframe: false, isPaddingOnly: true)
        XCTAssertEqual(t.process(probe, targetLayer: 0, nowMs: 0), .drop(.paddingOnly))
        XCTAssertEqual(outSeq(t.process(media(0, 11), targetLayer: 0, nowMs: 0)), 101, "late packet, old offset")
        XCTAssertEqual(outSeq(t.process(media(0, 14), targetLayer: 0, nowMs: 0)), 103, "after the probe: no gap")
    }

    /// BH-20 (B): the first outgoing sequence number is in 1...32767 so the receiver's SRTP ROC
    /// guess holds even if the first packets are lost; (A) a late joiner starts its own sequence
    /// space whatever the publisher's sequence number.
    func testBH20InitialSequenceNumberRange() {
        for _ in 0..<2000 {
            var t = ConsumerTimeline()
            // Publisher far into its stream (70 000 packets: wire seq 4 463, ROC 1 on its side).
            guard let seq = outSeq(t.process(media(0, 4463, key: true), targetLayer: 0, nowMs: 0)) else {
                return XCTFail("key frame not forwarded")
            }
            XCTAssertTrue((1...32767).contains(seq), "initial out-seq \(seq)")
        }
    }

    func testWaitsForKeyframeOfTargetLayer() {
        var t = ConsumerTimeline(initialSequenceNumber: 1, initialTimestamp: 0)
        XCTAssertEqual(t.process(media(2, 50), targetLayer: 2, nowMs: 0), .drop(.waitingForKeyframe))
        XCTAssertEqual(t.process(media(0, 60, key: true), targetLayer: 2, nowMs: 0), .drop(.waitingForKeyframe))
        XCTAssertEqual(outSeq(t.process(media(2, 51, key: true), targetLayer: 2, nowMs: 0)), 1)
        XCTAssertEqual(t.currentLayer, 2)
        XCTAssertEqual(t.process(media(0, 61), targetLayer: 2, nowMs: 0), .drop(.otherLayer))
    }

    /// A switch continues sequence numbers, moves the timestamp by the elapsed wall-clock time
    /// (90 kHz) and continues PictureID and TL0PICIDX, whatever the new layer's own values are.
    func testLayerSwitchIsContinuous() {
        var t = ConsumerTimeline(initialSequenceNumber: 30000, initialTimestamp: 900_000)
        guard case .forward(let s0, let ts0, let p0, let l0) =
                t.process(media(2, 65534, ts: 12345, key: true, pic: 32766, tl0: 254), targetLayer: 2, nowMs: 1000)
        else { return XCTFail("not forwarded") }
        XCTAssertEqual(s0, 30000)
        XCTAssertEqual(ts0, 900_000)
        XCTAssertEqual(p0, 32766)
        XCTAssertEqual(l0, 254)
        guard case .forward(let s1, let ts1, let p1, let l1) =
                t.process(media(2, 65535, ts: 12345 + 3000, pic: 32767, tl0: 255), targetLayer: 2, nowMs: 1033)
        else { return XCTFail("not forwarded") }
        XCTAssertEqual(s1, 30001)
        XCTAssertEqual(ts1, 903_000)
        XCTAssertEqual(p1, 32767)
        XCTAssertEqual(l1, 255)

        // The consumer now wants layer 0: its delta frames are dropped until its key frame.
        XCTAssertEqual(t.process(media(0, 400, ts: 77, pic: 10, tl0: 3), targetLayer: 0, nowMs: 1050), .drop(.otherLayer))
        guard case .forward(let s2, let ts2, let p2, let l2) =
                t.process(media(0, 401, ts: 3077, key: true, pic: 11, tl0: 4), targetLayer: 0, nowMs: 1066)
        else { return XCTFail("switch not taken") }
        XCTAssertEqual(s2, 30002, "sequence continues")
        XCTAssertEqual(ts2, 903_000 &+ 33 * 90, "timestamp advances by the 33 ms since the last packet")
        XCTAssertEqual(p2, 0, "PictureID continues across the 15-bit wrap")
        XCTAssertEqual(l2, 0, "TL0PICIDX continues across its wrap")
        XCTAssertEqual(t.currentLayer, 0)
        XCTAssertEqual(t.layerSwitches, 1)
        // Later packets of layer 0 follow; layer 2 is now dropped, and an old layer-0 packet too.
        XCTAssertEqual(outSeq(t.process(media(0, 402, ts: 3077), targetLayer: 0, nowMs: 1070)), 30003)
        XCTAssertEqual(t.process(media(2, 0, ts: 20000), targetLayer: 0, nowMs: 1070), .drop(.otherLayer))
        XCTAssertEqual(t.process(media(0, 399, ts: 0), targetLayer: 0, nowMs: 1070), .drop(.beforeSwitch))
    }

    /// Sequence-number wrap with reordering on one layer (BH-19 shape) maps one to one.
    func testWrapWithReorderMapsOneToOne() {
        var t = ConsumerTimeline(initialSequenceNumber: 500, initialTimestamp: 0)
        let order: [UInt16] = [65533, 65535, 0, 1, 65534, 2]
        var out: [UInt16] = []
        for (i, seq) in order.enumerated() {
            if let s = outSeq(t.process(media(0, seq, key: i == 0), targetLayer: 0, nowMs: 0)) { out.append(s) }
        }
        XCTAssertEqual(out, [500, 502, 503, 504, 501, 505])
    }

    /// Hostile sequences never trap: random layers, numbers, flags.
    func testRandomInputNeverTraps() {
        var rng = SeededGenerator(seed: 18)
        var t = ConsumerTimeline()
        var forwarded = 0
        for i in 0..<50_000 {
            let input = Input(layer: Int.random(in: 0...3, using: &rng), sequenceNumber: UInt16.random(in: 0...65535, using: &rng),
                              timestamp: UInt32.random(in: 0...UInt32.max, using: &rng),
                              isKeyframe: Bool.random(using: &rng), isPaddingOnly: Bool.random(using: &rng),
                              pictureID: Bool.random(using: &rng) ? UInt16.random(in: 0...0x7FFF, using: &rng) : nil,
                              pictureIDModulus: Bool.random(using: &rng) ? 0x80 : 0x8000,
                              tl0PicIdx: UInt8.random(in: 0...255, using: &rng))
            if case .forward(_, _, let pic, _) = t.process(input, targetLayer: Int.random(in: 0...3, using: &rng), nowMs: Int64(i)) {
                forwarded += 1
                if let pic { XCTAssertLessThan(pic, 0x8000) }
            }
        }
        XCTAssertGreaterThan(forwarded, 0)
    }
}
