import XCTest
@testable import STUN

/// BH-12 and BH-13 reproduction inputs (/work/shared/cases).
final class STUNCaseTests: XCTestCase {
    static let serverUfrag = "SfuU"
    static let serverPassword = "q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1"
    static let clientPassword = "Yk5Tn2Qp8Lw3Vx6Zr9Bs4Gf7"
    static let source = STUNTransportAddress(ip: [192, 0, 2, 10], port: 54321)
    static let transactionID: [UInt8] = [0x8a, 0x3f, 0x1c, 0x2e, 0x9b, 0x7d, 0x04, 0xa6, 0xc5, 0xe2, 0xf0, 0x13]
    static let files = [
        "BH-12-stun-binding-indication.hex", "BH-13-stun-chrome-binding-request.hex",
        "BH-13-stun-expected-success-response.hex", "BH-13-stun-unknown-required-attr.hex",
        "BH-13-stun-bad-integrity.hex", "BH-13-stun-bad-fingerprint.hex",
    ]

    var serverKey: [UInt8] { Array(Self.serverPassword.utf8) }

    /// Password lookup that records which ufrags were asked for.
    final class Lookup {
        var asked: [String] = []
        func password(_ ufrag: String) -> String? {
            asked.append(ufrag)
            return ufrag == STUNCaseTests.serverUfrag ? STUNCaseTests.serverPassword : nil
        }
    }

    func testLoaderReadsDeclaredLengths() throws {
        for name in Self.files {
            let packets = try CaseFiles.packets(name)
            XCTAssertEqual(packets.map(\.count), try CaseFiles.declaredLengths(name), name)
        }
    }

    // MARK: BH-12

    func testBH12IndicationIsParsedAndNeverAnswered() throws {
        let raw = try CaseFiles.packet("BH-12-stun-binding-indication.hex")
        let message = try STUNMessage.parse(raw)
        XCTAssertEqual(message.messageType, 0x0011)
        XCTAssertEqual(message.messageClass, .indication)
        XCTAssertEqual(message.method, STUNMethod.binding)
        XCTAssertEqual(message.attributes.map(\.type), [STUNAttributeType.fingerprint])
        XCTAssertNil(message.username)
        XCTAssertFalse(message.useCandidate)
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
        XCTAssertFalse(STUNMessage.verifyMessageIntegrity(raw, key: serverKey))

        let lookup = Lookup()
        let decision = ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: lookup.password)
        XCTAssertEqual(decision, .drop(.indication))
        XCTAssertFalse(decision.isSuccessResponse)
        XCTAssertEqual(lookup.asked, [], "an indication must not reach credential lookup")
    }

    // MARK: BH-13 Chrome request

    func testBH13ChromeRequestFields() throws {
        let raw = try CaseFiles.packet("BH-13-stun-chrome-binding-request.hex")
        let message = try STUNMessage.parse(raw)
        XCTAssertEqual(message.messageType, 0x0001)
        XCTAssertEqual(message.messageClass, .request)
        XCTAssertEqual(message.transactionID, Self.transactionID)
        XCTAssertEqual(message.attributes.map(\.type), [0x0006, 0xC057, 0x802A, 0x0025, 0x0024, 0x0008, 0x8028])
        XCTAssertEqual(message.username, "SfuU:ChrM")
        XCTAssertEqual(message.iceControlling, 0x5a1c_9e3f_7b2d_4e60)
        XCTAssertNil(message.iceControlled)
        XCTAssertTrue(message.useCandidate)
        XCTAssertEqual(message.priority, 0x6e7f_1eff)
        XCTAssertEqual(message.unknownComprehensionRequired, [], "0xC057 is comprehension-optional")
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: serverKey))
        XCTAssertFalse(STUNMessage.verifyMessageIntegrity(raw, key: Array(Self.clientPassword.utf8)))
    }

    func testBH13ChromeRequestGetsNominatingSuccess() throws {
        let raw = try CaseFiles.packet("BH-13-stun-chrome-binding-request.hex")
        let lookup = Lookup()
        let decision = ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: lookup.password)
        guard case .respond(let bytes, let localUfrag, let remoteUfrag, let nominated) = decision else {
            return XCTFail("expected a response, got \(decision)")
        }
        XCTAssertEqual(lookup.asked, ["SfuU"])
        XCTAssertEqual(localUfrag, "SfuU")
        XCTAssertEqual(remoteUfrag, "ChrM")
        XCTAssertTrue(nominated)
        XCTAssertTrue(decision.isSuccessResponse)

        let response = try STUNMessage.parse(bytes)
        XCTAssertEqual(response.messageType, 0x0101)
        XCTAssertEqual(response.messageClass, .successResponse)
        XCTAssertEqual(response.transactionID, Self.transactionID)
        XCTAssertEqual(response.xorMappedAddress, Self.source)
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(bytes, key: serverKey))
        XCTAssertTrue(STUNMessage.verifyFingerprint(bytes))
        XCTAssertEqual(response.attributes.map(\.type), [0x0020, 0x0008, 0x8028])
        // HMAC-SHA1 and CRC-32 are deterministic and the attribute set is the same, so the response
        // must match the independently generated reference byte for byte.
        XCTAssertEqual(bytes, try CaseFiles.packet("BH-13-stun-expected-success-response.hex"))
    }

    func testBH13ExpectedResponseParsesAndVerifies() throws {
        let raw = try CaseFiles.packet("BH-13-stun-expected-success-response.hex")
        let message = try STUNMessage.parse(raw)
        XCTAssertEqual(message.messageType, 0x0101)
        XCTAssertEqual(message.transactionID, Self.transactionID)
        XCTAssertEqual(message.xorMappedAddress, Self.source)
        XCTAssertEqual(message.xorMappedAddress?.description, "192.0.2.10:54321")
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: serverKey))
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
        XCTAssertEqual(ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: { _ in nil }),
                       .drop(.response))
    }

    func testBH13UnknownRequiredAttributeGets420NotSuccess() throws {
        let raw = try CaseFiles.packet("BH-13-stun-unknown-required-attr.hex")
        let request = try STUNMessage.parse(raw)
        XCTAssertEqual(request.unknownComprehensionRequired, [0x7F01])
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: serverKey))

        let decision = ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: Lookup().password)
        guard case .respond(let bytes, let localUfrag, _, let nominated) = decision else {
            return XCTFail("expected a 420 response, got \(decision)")
        }
        XCTAssertEqual(localUfrag, "SfuU")
        XCTAssertFalse(nominated, "a 420 must never nominate")
        XCTAssertFalse(decision.isSuccessResponse)
        let response = try STUNMessage.parse(bytes)
        XCTAssertEqual(response.messageType, 0x0111)
        XCTAssertEqual(response.messageClass, .errorResponse)
        XCTAssertEqual(response.transactionID, request.transactionID)
        XCTAssertEqual(response.errorCode, 420)
        XCTAssertEqual(response.errorReason, "Unknown Attribute")
        XCTAssertEqual(response.unknownAttributes, [0x7F01])
        XCTAssertNil(response.xorMappedAddress)
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(bytes, key: serverKey))
        XCTAssertTrue(STUNMessage.verifyFingerprint(bytes))
    }

    func testBH13BadIntegrityIsDropped() throws {
        let raw = try CaseFiles.packet("BH-13-stun-bad-integrity.hex")
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
        XCTAssertFalse(STUNMessage.verifyMessageIntegrity(raw, key: serverKey))
        let lookup = Lookup()
        let decision = ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: lookup.password)
        XCTAssertEqual(decision, .drop(.badIntegrity))
        XCTAssertEqual(lookup.asked, ["SfuU"])
    }

    func testBH13BadFingerprintIsSilentlyDiscarded() throws {
        let raw = try CaseFiles.packet("BH-13-stun-bad-fingerprint.hex")
        XCTAssertNoThrow(try STUNMessage.parse(raw))
        XCTAssertFalse(STUNMessage.verifyFingerprint(raw))
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: serverKey), "only the CRC was altered")
        let lookup = Lookup()
        XCTAssertEqual(ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: lookup.password),
                       .drop(.badFingerprint))
        XCTAssertEqual(lookup.asked, [], "discarded before any credential lookup")
    }

    func testUnknownLocalUfragIsDropped() throws {
        let raw = try CaseFiles.packet("BH-13-stun-chrome-binding-request.hex")
        XCTAssertEqual(ICELiteResponder().handle(raw, from: Self.source, passwordForLocalUfrag: { _ in nil }),
                       .drop(.unknownUfrag))
    }

    func testEverySingleBitFlipOfTheChromeRequestIsNeverASuccess() throws {
        let raw = try CaseFiles.packet("BH-13-stun-chrome-binding-request.hex")
        var reasons: [String: Int] = [:]
        for index in raw.indices {
            for bit in 0..<8 {
                var tampered = raw
                tampered[index] ^= UInt8(1 << bit)
                let decision = ICELiteResponder().handle(tampered, from: Self.source,
                                                         passwordForLocalUfrag: Lookup().password)
                XCTAssertFalse(decision.isSuccessResponse, "bit \(bit) of byte \(index) still produced a success")
                if case .drop(let reason) = decision { reasons[reason.rawValue, default: 0] += 1 }
            }
        }
        // FINGERPRINT covers every byte, so nearly every flip is caught by it.
        XCTAssertGreaterThan(reasons["badFingerprint", default: 0], 600)
    }
}
