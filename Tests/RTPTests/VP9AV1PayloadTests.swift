import XCTest
@testable import RTP

final class VP9AV1PayloadTests: XCTestCase {
    /// VP9 (RFC 9628 §4.2): B=1 and P=0 starts a key frame; P=1 (inter predicted), B=0 (not the
    /// first packet of the frame) and an empty payload are not.
    func testVP9Keyframe() {
        XCTAssertTrue(VP9PayloadDescriptor.isKeyframe(payload: [0x88, 0x80, 0x01]))   // I, B
        XCTAssertTrue(VP9PayloadDescriptor.isKeyframe(payload: [0x0C]))               // B, E
        XCTAssertFalse(VP9PayloadDescriptor.isKeyframe(payload: [0xC8, 0x80, 0x01]))  // I, P, B
        XCTAssertFalse(VP9PayloadDescriptor.isKeyframe(payload: [0x84, 0x80, 0x01]))  // I, E: not the start
        XCTAssertFalse(VP9PayloadDescriptor.isKeyframe(payload: []))
        XCTAssertTrue(VP9PayloadDescriptor.isKeyframe(payload: [0x00, 0x08, 0x00][1...]), "slices keep their indices")
    }

    /// AV1 (AV1 RTP payload §4.4): N=1 marks the first packet of a coded video sequence.
    func testAV1Keyframe() {
        XCTAssertTrue(AV1AggregationHeader.isKeyframe(payload: [0x18, 0x0A, 0x0B]))  // W=1, N=1
        XCTAssertFalse(AV1AggregationHeader.isKeyframe(payload: [0x10, 0x30]))       // W=1, N=0
        XCTAssertFalse(AV1AggregationHeader.isKeyframe(payload: [0xC0]))             // Z, Y continuation
        XCTAssertFalse(AV1AggregationHeader.isKeyframe(payload: []))
    }

    func testRandomBytesNeverTrap() {
        var rng = SeededGenerator(seed: 9)
        var keyframes = 0
        for _ in 0..<10_000 {
            let bytes = rng.bytes(Int.random(in: 0...8, using: &rng))
            if VP9PayloadDescriptor.isKeyframe(payload: bytes) { keyframes += 1 }
            if AV1AggregationHeader.isKeyframe(payload: bytes) { keyframes += 1 }
        }
        XCTAssertGreaterThan(keyframes, 0)
    }
}
