import XCTest
@testable import RTP

/// BH-19's second and third patterns, read from the comment lines of BH-19-seq-wrap-reorder.txt
/// (SequenceNumberTests covers the table and repeats these arrivals as literals; here a change to
/// the case file changes what is asserted).
final class SequenceWrapCaseTests: XCTestCase {
    /// Comma-separated integers after `prefix` on the first line containing it, up to `terminator`.
    private func numbers(after prefix: String, upTo terminator: String, in text: String,
                         file: StaticString = #filePath, line: UInt = #line) throws -> [Int64] {
        let found = try XCTUnwrap(text.components(separatedBy: "\n").first { $0.contains(prefix) },
                                  "no line with \"\(prefix)\" in BH-19-seq-wrap-reorder.txt", file: file, line: line)
        let start = try XCTUnwrap(found.range(of: prefix), file: file, line: line).upperBound
        let rest = found[start...]
        let end = rest.range(of: terminator)?.lowerBound ?? rest.endIndex
        let values = rest[..<end].split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        XCTAssertFalse(values.isEmpty, "no numbers after \"\(prefix)\"", file: file, line: line)
        return values
    }

    /// The bracketed list after "->" on the line starting with `arrivals <list>`.
    private func pattern(_ text: String, arrivals: String) throws -> (arrivals: [UInt16], nack: [UInt16]?) {
        let line = try XCTUnwrap(text.components(separatedBy: "\n").first { $0.hasPrefix("# arrivals \(arrivals) ") })
        let values = try numbers(after: "# arrivals ", upTo: "->", in: line).map { UInt16($0) }
        guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]") else { return (values, nil) }
        let nack = line[line.index(after: open)..<close].split(separator: ",")
            .compactMap { UInt16($0.trimmingCharacters(in: .whitespaces)) }
        return (values, nack)
    }

    func testBH19SecondPatternFromTheFile() throws {
        let text = try CaseFiles.text("BH-19-seq-wrap-reorder.txt")

        let quiet = try pattern(text, arrivals: "65534, 65535, 0, 1")
        XCTAssertEqual(quiet.arrivals, [65534, 65535, 0, 1])
        XCTAssertNil(quiet.nack, "the file says zero NACKs for this one")
        var unwrapper = SequenceNumberUnwrapper()
        var tracker = NACKTracker()
        var emitted: [Int64] = []
        for seq in quiet.arrivals { emitted += tracker.record(unwrapper.unwrap(seq)) }
        XCTAssertEqual(emitted, [])
        XCTAssertEqual(tracker.missing, [])
        XCTAssertEqual(unwrapper.highest, 65537)

        let gap = try pattern(text, arrivals: "65534, 1")
        XCTAssertEqual(gap.arrivals, [65534, 1])
        XCTAssertEqual(gap.nack, [65535, 0])
        unwrapper = SequenceNumberUnwrapper()
        tracker = NACKTracker()
        emitted = []
        for seq in gap.arrivals { emitted += tracker.record(unwrapper.unwrap(seq)) }
        XCTAssertEqual(emitted.map { UInt16(truncatingIfNeeded: $0) }, gap.nack)
        XCTAssertEqual(emitted, [65535, 65536], "extended: after the wrap, never 131072")
        XCTAssertEqual(tracker.missingSequenceNumbers, gap.nack)
        // The NACK packet carries exactly those two (PID 65535 + BLP bit 0), not a 65k-packet range.
        let nack = RTCPBuilder.nack(senderSSRC: 1, mediaSSRC: 0x5eed_0001, lost: tracker.missingSequenceNumbers)
        guard case .nack(_, let mediaSSRC, let lost)? = try RTCPPacket.parseCompound(nack).first else {
            return XCTFail("NACK did not parse back")
        }
        XCTAssertEqual(mediaSSRC, 0x5eed_0001)
        XCTAssertEqual(lost, gap.nack)
    }

    /// Third pattern (srs#4491): the packets of a frame spanning the wrap, marker on the last, give
    /// a forward, gap-free extended range whose distance is the packet count.
    func testBH19ThirdPatternFrameAcrossTheWrap() throws {
        let text = try CaseFiles.text("BH-19-seq-wrap-reorder.txt")
        let frame = try numbers(after: "a frame spans seq ", upTo: " with", in: text).map { UInt16($0) }
        XCTAssertEqual(frame, [65534, 65535, 0])
        XCTAssertTrue(text.contains("with the marker bit on seq \(frame.last ?? 1)"))
        var unwrapper = SequenceNumberUnwrapper()
        var tracker = NACKTracker()
        var extended: [Int64] = []
        for seq in frame {
            let value = unwrapper.unwrap(seq)
            XCTAssertEqual(tracker.record(value), [], "seq \(seq)")
            extended.append(value)
        }
        XCTAssertEqual(extended, [65534, 65535, 65536])
        let first = try XCTUnwrap(extended.first), last = try XCTUnwrap(extended.last)
        XCTAssertEqual(last - first + 1, Int64(frame.count), "complete: 3 packets, positive distance")
        XCTAssertTrue(SequenceNumberUnwrapper.isNewer(frame[2], than: frame[0]), "0 follows 65534")
        XCTAssertFalse(SequenceNumberUnwrapper.isNewer(frame[0], than: frame[2]))
    }
}
