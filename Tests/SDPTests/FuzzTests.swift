import XCTest
@testable import SDP

/// Deterministic mutation fuzzing of the case offers: parsing never crashes, anything that parses
/// writes back idempotently, and answering it never crashes.
final class FuzzTests: XCTestCase {
    static let iterations = 20_000

    func testRandomMutationsOfTheCaseFilesNeverCrash() throws {
        let corpus = try Cases.sdpFiles().map { Array(try Cases.text($0).utf8) }
        XCTAssertFalse(corpus.isEmpty)
        var random = SplitMix64(seed: 0x5D9_F022)
        var parsed = 0
        var answered = 0
        for iteration in 0..<Self.iterations {
            var bytes = corpus[random.below(corpus.count)]
            for _ in 0...random.below(4) { mutate(&bytes, &random) }
            let text = String(decoding: bytes, as: UTF8.self)
            let description: SessionDescription
            do {
                description = try SessionDescription.parse(text)
            } catch is SDPError {
                continue
            }
            parsed += 1
            // The costlier invariants run on every 4th input so the test stays quick in debug builds.
            guard iteration % 4 == 0 else { continue }
            let written = description.serialized()
            let reparsed = try SessionDescription.parse(written)
            XCTAssertEqual(reparsed.serialized(), written, "writer output must be stable")
            if let result = try? answerPublisherOffer(description, local: Fixtures.local) {
                answered += 1
                XCTAssertNoThrow(try SessionDescription.parse(result.answer.serialized()))
            }
        }
        // The mutations must exercise both paths, not just the error one.
        XCTAssertGreaterThan(parsed, Self.iterations / 10)
        XCTAssertGreaterThan(answered, Self.iterations / 80)
        print("fuzz: \(Self.iterations) mutations, \(parsed) parsed, \(answered) of the checked ones answered")
        XCTAssertLessThan(parsed, Self.iterations)
    }

    private static let interesting: [[UInt8]] = [
        "0", "9", "65536", "4294967296", "18446744073709551616", "-1", ":", " ", "/", ";", "=", "*", "~", "\r", "\n",
        "\0", "a=", "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n", "a=bundle-only\r\n", "a=mid:0\r\n", "a=setup:passive\r\n",
        "a=extmap-allow-mixed\r\n", "a=simulcast:send a;b\r\n", "a=rid:a send\r\n", "é", "\u{301}",
    ].map { Array($0.utf8) }

    private func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        guard !bytes.isEmpty else { bytes = Self.interesting[random.below(Self.interesting.count)]; return }
        let position = random.below(bytes.count)
        switch random.below(8) {
        case 0: // flip a bit
            bytes[position] ^= UInt8(1) << UInt8(random.below(8))
        case 1: // random byte
            bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 2: // delete a range
            let end = min(bytes.count, position + 1 + random.below(40))
            bytes.removeSubrange(position..<end)
        case 3: // insert an interesting token
            bytes.insert(contentsOf: Self.interesting[random.below(Self.interesting.count)], at: position)
        case 4: // truncate
            bytes.removeSubrange(position...)
        case 5: // duplicate a line
            let lines = split(bytes)
            guard let line = lines.randomElement(using: &random) else { return }
            bytes.insert(contentsOf: line + [13, 10], at: lines.isEmpty ? 0 : lineStart(bytes, position))
        case 6: // swap two lines
            var lines = split(bytes)
            guard lines.count > 1 else { return }
            lines.swapAt(random.below(lines.count), random.below(lines.count))
            bytes = Array(lines.joined(separator: [13, 10]))
        default: // replace a digit run with a huge or edge number
            if let digit = bytes[position...].firstIndex(where: { (48...57).contains($0) }) {
                var end = digit
                while end < bytes.count, (48...57).contains(bytes[end]) { end += 1 }
                bytes.replaceSubrange(digit..<end, with: Self.interesting[random.below(4) + 1])
            }
        }
    }

    private func split(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 10, omittingEmptySubsequences: false).map { Array($0.last == 13 ? $0.dropLast() : $0) }
    }

    private func lineStart(_ bytes: [UInt8], _ position: Int) -> Int {
        var index = position
        while index > 0, bytes[index - 1] != 10 { index -= 1 }
        return index
    }
}

extension SplitMix64: RandomNumberGenerator {}
