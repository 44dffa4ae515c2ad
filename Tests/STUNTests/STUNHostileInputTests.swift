import XCTest
@testable import STUN

/// Truncations, random bytes and lying lengths: never a crash, errors name the reason.
final class STUNHostileInputTests: XCTestCase {
    let source = STUNTransportAddress(ip: [192, 0, 2, 10], port: 54321)

    func allVectors() throws -> [[UInt8]] {
        try STUNCaseTests.files.map { try CaseFiles.packet($0) }
    }

    func exercise(_ bytes: [UInt8]) -> ICELiteDecision {
        _ = try? STUNMessage.parse(bytes)
        _ = STUNMessage.verifyFingerprint(bytes)
        _ = STUNMessage.verifyMessageIntegrity(bytes, key: Array(STUNCaseTests.serverPassword.utf8))
        _ = STUNMessage.looksLikeSTUN(bytes)
        return ICELiteResponder().handle(bytes, from: source, passwordForLocalUfrag: { _ in STUNCaseTests.serverPassword })
    }

    func testTruncationAtEveryLength() throws {
        for vector in try allVectors() {
            for length in 0..<vector.count {
                let cut = Array(vector.prefix(length))
                XCTAssertThrowsError(try STUNMessage.parse(cut)) { error in
                    let error = error as? STUNParseError
                    XCTAssertNotNil(error)
                    if length < 20 { XCTAssertEqual(error, .tooShort(count: length)) }
                    if length >= 20 {
                        XCTAssertEqual(error, .lengthMismatch(declared: vector.count - 20, available: length - 20))
                    }
                }
                XCTAssertFalse(STUNMessage.verifyFingerprint(cut))
                XCTAssertFalse(STUNMessage.verifyMessageIntegrity(cut, key: [1, 2, 3]))
                XCTAssertFalse(exercise(cut).isSuccessResponse)
            }
        }
    }

    /// Truncated messages whose header length was fixed up to match: the attribute walker must catch them.
    func testTruncationWithConsistentHeaderLength() throws {
        for vector in try allVectors() {
            for length in stride(from: 20, to: vector.count, by: 1) {
                var cut = Array(vector.prefix(length))
                let declared = length - 20
                cut[2] = UInt8(declared >> 8)
                cut[3] = UInt8(declared & 0xFF)
                do {
                    let message = try STUNMessage.parse(cut)
                    XCTAssertEqual(length % 4, 0)
                    XCTAssertLessThan(message.attributes.count, try STUNMessage.parse(vector).attributes.count)
                } catch let error as STUNParseError {
                    switch error {
                    case .lengthNotMultipleOf4, .attributeOverrun: break
                    default: XCTFail("unexpected \(error) at length \(length)")
                    }
                }
                XCTAssertFalse(exercise(cut).isSuccessResponse)
            }
        }
    }

    func testAttributeLengthsThatLie() throws {
        let vector = try CaseFiles.packet("BH-13-stun-chrome-binding-request.hex")
        let layout = try AttributeLayout.walk(vector)
        for entry in layout.entries {
            for lie in [0, 1, 3, 5, 0x50, 0x51, 0x7F, 0x100, 0x7FFF, 0xFFFF] {
                var tampered = vector
                tampered[entry.headerOffset + 2] = UInt8(lie >> 8)
                tampered[entry.headerOffset + 3] = UInt8(lie & 0xFF)
                let decision = exercise(tampered)
                if lie != entry.length { XCTAssertFalse(decision.isSuccessResponse) }
                if entry.headerOffset + 4 + ((lie + 3) & ~3) > vector.count {
                    XCTAssertEqual(try? STUNMessage.parse(tampered), nil)
                    XCTAssertThrowsError(try STUNMessage.parse(tampered)) { error in
                        guard case .attributeOverrun(let type, let offset, let length)? = error as? STUNParseError else {
                            return XCTFail("\(error)")
                        }
                        XCTAssertEqual(type, entry.type)
                        XCTAssertEqual(offset, entry.headerOffset)
                        XCTAssertEqual(length, lie)
                    }
                }
            }
        }
    }

    func testHeaderLengthsThatLie() throws {
        let vector = try CaseFiles.packet("BH-13-stun-chrome-binding-request.hex")
        for declared in 0...0xFFFF where declared != vector.count - 20 {
            var tampered = vector
            tampered[2] = UInt8(declared >> 8)
            tampered[3] = UInt8(declared & 0xFF)
            XCTAssertThrowsError(try STUNMessage.parse(tampered)) { error in
                let error = error as? STUNParseError
                if declared % 4 != 0 {
                    XCTAssertEqual(error, .lengthNotMultipleOf4(declared))
                } else {
                    XCTAssertEqual(error, .lengthMismatch(declared: declared, available: 80))
                }
            }
        }
    }

    func testRandomBytes() {
        var rng = SeededGenerator(seed: 0x5354_554E)
        var parsed = 0
        for iteration in 0..<25_000 {
            var bytes = rng.bytes(Int.random(in: 0...160, using: &rng))
            if iteration % 2 == 0, bytes.count >= 20 {
                // Valid header so the attribute walker and the checks get exercised.
                bytes[0] &= 0x01
                bytes.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
                bytes = Array(bytes.prefix(20 + (bytes.count - 20) / 4 * 4))
                bytes[2] = UInt8((bytes.count - 20) >> 8)
                bytes[3] = UInt8((bytes.count - 20) & 0xFF)
            }
            if (try? STUNMessage.parse(bytes)) != nil { parsed += 1 }
            XCTAssertFalse(exercise(bytes).isSuccessResponse)
        }
        XCTAssertGreaterThan(parsed, 100, "the valid-header half should reach attribute parsing")
    }

    func testRandomMutationsOfValidVectors() throws {
        let vectors = try allVectors()
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<25_000 {
            var bytes = vectors[Int.random(in: 0..<vectors.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            let decision = exercise(bytes)
            if decision.isSuccessResponse {
                // Only possible if the mutation left the request bytes intact (random byte equal to the old one).
                XCTAssertEqual(bytes, vectors[1])
            }
        }
    }
}
