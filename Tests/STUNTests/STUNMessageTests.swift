import XCTest
@testable import STUN

final class STUNMessageTests: XCTestCase {
    let transactionID: [UInt8] = Array(1...12)
    let key = Array("remote-password-123".utf8)

    func testCRC32CheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum([UInt8](repeating: 0, count: 32)), 0x190A_55AD)
    }

    func testMessageTypeComposition() {
        XCTAssertEqual(STUNMessage.messageType(method: 1, class: .request), 0x0001)
        XCTAssertEqual(STUNMessage.messageType(method: 1, class: .indication), 0x0011)
        XCTAssertEqual(STUNMessage.messageType(method: 1, class: .successResponse), 0x0101)
        XCTAssertEqual(STUNMessage.messageType(method: 1, class: .errorResponse), 0x0111)
        for method: UInt16 in [0x001, 0x003, 0x00A, 0x07F, 0x0FFF, 0x0ABC] {
            for messageClass in STUNMessageClass.allCases {
                let type = STUNMessage.messageType(method: method, class: messageClass)
                let message = STUNMessage(messageType: type, transactionID: transactionID)
                XCTAssertEqual(message.method, method)
                XCTAssertEqual(message.messageClass, messageClass)
                XCTAssertEqual(type & 0xC000, 0)
            }
        }
    }

    func testBindingRequestRoundTrip() throws {
        let raw = STUNMessage.bindingRequest(transactionID: transactionID, username: "SfuU:load1", integrityKey: key,
                                             priority: 0x6e00_00ff, iceControlling: 0x0102_0304_0506_0708,
                                             useCandidate: true)
        XCTAssertTrue(STUNMessage.looksLikeSTUN(raw))
        let message = try STUNMessage.parse(raw)
        XCTAssertEqual(message.messageType, 0x0001)
        XCTAssertEqual(message.transactionID, transactionID)
        XCTAssertEqual(message.username, "SfuU:load1")
        XCTAssertEqual(message.priority, 0x6e00_00ff)
        XCTAssertEqual(message.iceControlling, 0x0102_0304_0506_0708)
        XCTAssertNil(message.iceControlled)
        XCTAssertTrue(message.useCandidate)
        XCTAssertEqual(message.attributes.last?.type, STUNAttributeType.fingerprint)
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: key))
        XCTAssertFalse(STUNMessage.verifyMessageIntegrity(raw, key: Array("other".utf8)))
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
        XCTAssertEqual(raw.count % 4, 0)

        let controlled = try STUNMessage.parse(STUNMessage.bindingRequest(transactionID: transactionID,
                                                                          iceControlled: 42))
        XCTAssertEqual(controlled.iceControlled, 42)
        XCTAssertNil(controlled.username)
        XCTAssertFalse(controlled.useCandidate)
    }

    func testResponderAnswersOwnClientAndNominatesOnlyWithUseCandidate() throws {
        let passwords = ["SfuU": "q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1"]
        let pwd = Array("q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1".utf8)
        for useCandidate in [false, true] {
            let raw = STUNMessage.bindingRequest(transactionID: transactionID, username: "SfuU:abcd", integrityKey: pwd,
                                                 priority: 1, iceControlling: 7, useCandidate: useCandidate)
            let decision = ICELiteResponder().handle(raw, from: .init(ip: [203, 0, 113, 5], port: 9),
                                                     passwordForLocalUfrag: { passwords[$0] })
            guard case .respond(let bytes, "SfuU", "abcd", let nominated) = decision else {
                return XCTFail("\(decision)")
            }
            XCTAssertEqual(nominated, useCandidate)
            XCTAssertEqual(try STUNMessage.parse(bytes).xorMappedAddress, .init(ip: [203, 0, 113, 5], port: 9))
        }
    }

    func testIPv6XorMappedAddress() throws {
        let ip: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42]
        let source = STUNTransportAddress(ip: ip, port: 3478)
        let raw = STUNMessage.bindingSuccessResponse(transactionID: transactionID, mapped: source, integrityKey: key)
        let message = try STUNMessage.parse(raw)
        // Family 2, the port XORed with 0x2112 and the address with cookie + transaction id.
        let value = try XCTUnwrap(message.attributes.first?.value)
        XCTAssertEqual(value.count, 20)
        XCTAssertEqual(Array(value[0..<4]), [0, 2, UInt8((3478 ^ 0x2112) >> 8), UInt8((3478 ^ 0x2112) & 0xFF)])
        XCTAssertEqual(value[4], 0x20 ^ 0x21)
        XCTAssertEqual(value[19], 0x42 ^ 12)
        XCTAssertEqual(message.xorMappedAddress, source)
        XCTAssertEqual(source.description, "[2001:db8:0:0:0:0:0:42]:3478")
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(raw, key: key))
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
    }

    func testErrorResponseRoundTrip() throws {
        let raw = STUNMessage.errorResponse(transactionID: transactionID, code: 487, reason: "Role Conflict")
        let message = try STUNMessage.parse(raw)
        XCTAssertEqual(message.messageType, 0x0111)
        XCTAssertEqual(message.errorCode, 487)
        XCTAssertEqual(message.errorReason, "Role Conflict")
        XCTAssertEqual(message.unknownAttributes, [])
        XCTAssertFalse(STUNMessage.verifyMessageIntegrity(raw, key: key), "no MI was requested")
        XCTAssertTrue(STUNMessage.verifyFingerprint(raw))
        // Three unknown attributes: 6 bytes of value, padded to 8.
        let with420 = STUNMessage.errorResponse(transactionID: transactionID, code: 420, reason: "",
                                                unknownAttributes: [0x7F01, 0x0003, 0x0004], integrityKey: key)
        let parsed = try STUNMessage.parse(with420)
        XCTAssertEqual(parsed.unknownAttributes, [0x7F01, 0x0003, 0x0004])
        XCTAssertEqual(parsed.errorCode, 420)
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(with420, key: key))
        XCTAssertEqual(try STUNMessage.parse(STUNMessage.errorResponse(transactionID: transactionID, code: 99,
                                                                       reason: "x")).errorCode, 500)
    }

    /// RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are ignored.
    func testAttributesAfterIntegrityAreIgnored() throws {
        let pwd = Array("q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1".utf8)
        let signed = STUNMessage.bindingRequest(transactionID: transactionID, username: "SfuU:abcd", integrityKey: pwd,
                                                priority: 1, iceControlling: 7, useCandidate: false)
        var message = try STUNMessage.parse(signed)
        message.attributes.removeLast() // FINGERPRINT
        message.attributes.append(STUNAttribute(type: STUNAttributeType.useCandidate, value: []))
        message.attributes.append(STUNAttribute(type: 0x7F01, value: [1, 2, 3, 4]))
        let tampered = message.serialize(fingerprint: true)
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(tampered, key: pwd))
        XCTAssertTrue(STUNMessage.verifyFingerprint(tampered))
        let parsed = try STUNMessage.parse(tampered)
        XCTAssertEqual(parsed.attributes.count, 7)
        XCTAssertFalse(parsed.useCandidate, "USE-CANDIDATE after MI must not count")
        XCTAssertEqual(parsed.unknownComprehensionRequired, [], "unknown attributes after MI are ignored")
        let decision = ICELiteResponder().handle(tampered, from: .init(ip: [192, 0, 2, 1], port: 1),
                                                 passwordForLocalUfrag: { _ in "q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1" })
        guard case .respond(_, _, _, let nominated) = decision else { return XCTFail("\(decision)") }
        XCTAssertTrue(decision.isSuccessResponse)
        XCTAssertFalse(nominated)
    }

    func testFingerprintMustBeLast() throws {
        let raw = STUNMessage.bindingRequest(transactionID: transactionID, username: "a:b")
        var message = try STUNMessage.parse(raw)
        message.attributes.append(STUNAttribute(type: STUNAttributeType.software, value: Array("x".utf8)))
        let trailing = message.serialize()
        XCTAssertNoThrow(try STUNMessage.parse(trailing))
        XCTAssertFalse(STUNMessage.verifyFingerprint(trailing))
        XCTAssertEqual(ICELiteResponder().handle(trailing, from: .init(ip: [0, 0, 0, 0], port: 0),
                                                 passwordForLocalUfrag: { _ in "x" }), .drop(.badFingerprint))
    }

    func testRequestsWithoutCredentialsAreDroppedWithReasons() {
        let responder = ICELiteResponder()
        let source = STUNTransportAddress(ip: [192, 0, 2, 1], port: 1)
        let pwd: (String) -> String? = { _ in "pw" }
        XCTAssertEqual(responder.handle(STUNMessage.bindingRequest(transactionID: transactionID),
                                        from: source, passwordForLocalUfrag: pwd), .drop(.noUsername))
        XCTAssertEqual(responder.handle(STUNMessage.bindingRequest(transactionID: transactionID, username: "nocolon",
                                                                   integrityKey: [1]),
                                        from: source, passwordForLocalUfrag: pwd), .drop(.malformedUsername))
        XCTAssertEqual(responder.handle(STUNMessage.bindingRequest(transactionID: transactionID, username: ":b",
                                                                   integrityKey: [1]),
                                        from: source, passwordForLocalUfrag: pwd), .drop(.malformedUsername))
        XCTAssertEqual(responder.handle(STUNMessage.bindingRequest(transactionID: transactionID, username: "a:b"),
                                        from: source, passwordForLocalUfrag: pwd), .drop(.noIntegrity))
        let allocate = STUNMessage(messageType: STUNMessage.messageType(method: 0x003, class: .request),
                                   transactionID: transactionID).serialize(fingerprint: true)
        XCTAssertEqual(responder.handle(allocate, from: source, passwordForLocalUfrag: pwd), .drop(.notBindingRequest))
        XCTAssertEqual(responder.handle([0x80, 0x60, 0, 1] + [UInt8](repeating: 0, count: 20), from: source,
                                        passwordForLocalUfrag: pwd), .drop(.notSTUN))
        var badLength = STUNMessage.bindingRequest(transactionID: transactionID, username: "a:b")
        badLength[3] ^= 0x04
        XCTAssertEqual(responder.handle(badLength, from: source, passwordForLocalUfrag: pwd), .drop(.malformed))
        let unfingerprinted = STUNMessage(messageType: 0x0001, transactionID: transactionID,
                                          attributes: [STUNAttribute(type: STUNAttributeType.username,
                                                                     value: Array("a:b".utf8))])
            .serialize(integrityKey: Array("pw".utf8), fingerprint: false)
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(unfingerprinted, key: Array("pw".utf8)))
        XCTAssertEqual(responder.handle(unfingerprinted, from: source, passwordForLocalUfrag: pwd), .drop(.badFingerprint))
    }

    func testLooksLikeSTUN() {
        var header: [UInt8] = [0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12)
        XCTAssertTrue(STUNMessage.looksLikeSTUN(header))
        header[0] = 3
        XCTAssertTrue(STUNMessage.looksLikeSTUN(header))
        header[0] = 4
        XCTAssertFalse(STUNMessage.looksLikeSTUN(header), "RFC 7983: 4...19 is ZRTP, 20...63 DTLS")
        header[0] = 0
        header[7] = 0x43
        XCTAssertFalse(STUNMessage.looksLikeSTUN(header))
        XCTAssertFalse(STUNMessage.looksLikeSTUN(Array(header.prefix(19))))
    }

    func testUsernameMustBeUTF8() throws {
        let message = STUNMessage(messageType: 1, transactionID: transactionID,
                                  attributes: [STUNAttribute(type: STUNAttributeType.username, value: [0x61, 0x3a, 0xff])])
        let parsed = try STUNMessage.parse(message.serialize())
        XCTAssertNil(parsed.username)
        XCTAssertEqual(ICELiteResponder().handle(message.serialize(integrityKey: [1], fingerprint: true), from: .init(ip: [1, 2, 3, 4], port: 5),
                                                 passwordForLocalUfrag: { _ in "x" }), .drop(.malformedUsername))
    }
}
