// libFuzzer target: STUN messages (RFC 8489) and the ICE-lite responder (RFC 8445 §7.3, BH-12, BH-13).
//
// Input: one datagram. It goes through `STUNMessage.parse` and every typed accessor, the integrity
// and fingerprint checks, and `ICELiteResponder.handle` as received. A parsed message is also
// re-signed (MESSAGE-INTEGRITY with the server ice-pwd, FINGERPRINT) so the responder's checks after
// authentication are reached too; any response it sends must parse and verify.
import FuzzSupport
import STUN

let serverUfrag = "SfuU"
let serverPassword = "q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1"
let key = Array(serverPassword.utf8)
let responder = ICELiteResponder()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSTUN(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let source = size % 2 == 0
        ? STUNTransportAddress(ip: [192, 0, 2, 10], port: 54_321)
        : STUNTransportAddress(ip: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1], port: 9)
    _ = STUNMessage.looksLikeSTUN(bytes)
    _ = STUNMessage.verifyFingerprint(bytes)
    _ = STUNMessage.verifyMessageIntegrity(bytes, key: key)
    check(responder.handle(bytes, from: source, passwordForLocalUfrag: password), request: bytes)

    guard let message = try? STUNMessage.parse(bytes) else { return 0 }
    touchAccessors(message)
    // Padding bytes may be anything on the wire (RFC 8489 §14), so compare parsed values, not bytes.
    fuzzCheck((try? STUNMessage.parse(message.serialize())) == message, "serialize() does not parse back the same")

    // Re-signed: everything up to the first MESSAGE-INTEGRITY, then a valid MI and FINGERPRINT.
    var signed = message
    signed.attributes = Array(message.authenticatedAttributes)
    let raw = signed.serialize(integrityKey: key, fingerprint: true)
    guard let reparsed = try? STUNMessage.parse(raw) else {
        fuzzCheck(raw.count - STUNMessage.headerLength > 0xFFFF, "re-signed message does not parse")
        return 0
    }
    fuzzCheck(STUNMessage.verifyFingerprint(raw) && STUNMessage.verifyMessageIntegrity(raw, key: key),
              "re-signed message does not verify")
    touchAccessors(reparsed)
    check(responder.handle(raw, from: source, passwordForLocalUfrag: password), request: raw)
    return 0
}

/// Local ice-pwd for any ufrag but "unknown" (so both the known and unknown-ufrag paths are reached).
func password(_ ufrag: String) -> String? { ufrag == "unknown" ? nil : serverPassword }

func touchAccessors(_ message: STUNMessage) {
    _ = message.method
    _ = message.messageClass
    _ = message.username
    _ = message.priority
    _ = message.useCandidate
    _ = message.iceControlling
    _ = message.iceControlled
    _ = message.xorMappedAddress?.description
    _ = message.mappedAddress?.description
    _ = message.errorCode
    _ = message.errorReason
    _ = message.unknownAttributes
    _ = message.unknownComprehensionRequired
    for attribute in message.attributes { _ = message.value(of: attribute.type) }
}

/// A response the responder decides to send must be a well-formed, signed STUN message with the
/// request's transaction id.
func check(_ decision: ICELiteDecision, request: [UInt8]) {
    guard case .respond(let bytes, let localUfrag, let remoteUfrag, _) = decision else { return }
    fuzzCheck(!localUfrag.isEmpty && !remoteUfrag.isEmpty, "responded with an empty ufrag")
    guard let response = try? STUNMessage.parse(bytes) else { return fuzzCheck(false, "response does not parse") }
    fuzzCheck(STUNMessage.verifyFingerprint(bytes), "response FINGERPRINT does not verify")
    fuzzCheck(STUNMessage.verifyMessageIntegrity(bytes, key: key), "response MESSAGE-INTEGRITY does not verify")
    fuzzCheck(response.transactionID == Array(request[8..<20]), "response transaction id differs")
    fuzzCheck(response.messageClass == .successResponse || response.errorCode == 420,
              "response neither success nor 420")
}

runLibFuzzer(fuzzSTUN) { seeds in
    let id: [UInt8] = [0x8A, 0x3F, 0x1C, 0x2E, 0x9B, 0x7D, 0x04, 0xA6, 0xC5, 0xE2, 0xF0, 0x13]
    seeds.write("binding-request", STUNMessage.bindingRequest(transactionID: id, username: "SfuU:ChrM", integrityKey: key,
                                                              priority: 1_853_817_087, iceControlling: 42,
                                                              useCandidate: true))
    seeds.write("binding-success", STUNMessage.bindingSuccessResponse(
        transactionID: id, mapped: STUNTransportAddress(ip: [192, 0, 2, 10], port: 54_321), integrityKey: key))
    seeds.write("error-420", STUNMessage.errorResponse(transactionID: id, code: 420, reason: "Unknown Attribute",
                                                       unknownAttributes: [0x7F01, 0x0030], integrityKey: key))
}
