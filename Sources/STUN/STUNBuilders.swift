extension STUNMessage {
    /// Encodes this message to wire bytes (RFC 8489 §5, §14).
    ///
    /// Attributes are written in order, each padded with zero bytes to a 4-byte boundary. When
    /// `integrityKey` is given, MESSAGE-INTEGRITY (HMAC-SHA1 with that key) is appended after them; when
    /// `fingerprint` is true, FINGERPRINT is appended last. Attributes of either type already present in
    /// `attributes` are written as they are, so leave them out when asking for them here.
    ///
    /// A `transactionID` that is not 12 bytes is zero-padded or truncated to 12; a value longer than
    /// 65 535 bytes is truncated (nothing here traps on caller input).
    public func serialize(integrityKey: [UInt8]? = nil, fingerprint: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        out.append(UInt8((messageType >> 8) & 0x3F))
        out.append(UInt8(messageType & 0xFF))
        out.append(contentsOf: [0, 0, 0x21, 0x12, 0xA4, 0x42])
        out.append(contentsOf: Self.normalizedTransactionID(transactionID))
        for attribute in attributes {
            Self.appendAttribute(&out, type: attribute.type, value: attribute.value)
        }
        if let integrityKey {
            let mac = Self.integrityHMAC(out[...], key: integrityKey)
            Self.appendAttribute(&out, type: STUNAttributeType.messageIntegrity, value: mac)
        }
        if fingerprint {
            Self.setLength(&out, out.count - Self.headerLength + 8)
            let crc = CRC32.checksum(out) ^ Self.fingerprintXOR
            Self.appendAttribute(&out, type: STUNAttributeType.fingerprint, value: Self.bytes(crc))
        }
        Self.setLength(&out, out.count - Self.headerLength)
        return out
    }

    /// Binding success response for ICE (RFC 8489 §7.3.1, RFC 8445 §7.3.1.4): XOR-MAPPED-ADDRESS =
    /// `mapped` (the request's source), MESSAGE-INTEGRITY keyed with `integrityKey` (the local ice-pwd
    /// UTF-8 bytes; omitted when nil), FINGERPRINT. Type 0x0101, same transaction id as the request.
    public static func bindingSuccessResponse(transactionID: [UInt8], mapped: STUNTransportAddress,
                                              integrityKey: [UInt8]?) -> [UInt8] {
        let id = normalizedTransactionID(transactionID)
        let message = STUNMessage(
            messageType: messageType(method: STUNMethod.binding, class: .successResponse),
            transactionID: id,
            attributes: [STUNAttribute(type: STUNAttributeType.xorMappedAddress,
                                       value: STUNAddressCoding.encode(mapped, xorWith: xorMask(transactionID: id)))])
        return message.serialize(integrityKey: integrityKey, fingerprint: true)
    }

    /// Binding error response (type 0x0111, RFC 8489 §6.3.1.1, §14.8, §14.9): ERROR-CODE `code`
    /// (300…699, e.g. 400, 401, 420, 487) with `reason`, UNKNOWN-ATTRIBUTES when `unknownAttributes`
    /// is not empty (use for 420), MESSAGE-INTEGRITY when `integrityKey` is given (RFC 8489 §9.1.4: not
    /// for 400/401 caused by bad credentials), and FINGERPRINT. A code outside 300…699 is sent as 500.
    public static func errorResponse(transactionID: [UInt8], code: Int, reason: String,
                                     unknownAttributes: [UInt16] = [], integrityKey: [UInt8]? = nil) -> [UInt8] {
        let code = (300...699).contains(code) ? code : 500
        let reasonBytes = Array(Array(reason.utf8).prefix(763))
        var attributes = [STUNAttribute(type: STUNAttributeType.errorCode,
                                        value: [0, 0, UInt8(code / 100), UInt8(code % 100)] + reasonBytes)]
        if !unknownAttributes.isEmpty {
            attributes.append(STUNAttribute(type: STUNAttributeType.unknownAttributes,
                                            value: unknownAttributes.prefix(1000).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }))
        }
        let message = STUNMessage(messageType: messageType(method: STUNMethod.binding, class: .errorResponse),
                                  transactionID: transactionID, attributes: attributes)
        return message.serialize(integrityKey: integrityKey, fingerprint: true)
    }

    /// ICE connectivity-check Binding request (RFC 8445 §7.1, §7.2.2): USERNAME (when given,
    /// "<remote ufrag>:<local ufrag>"), ICE-CONTROLLING / ICE-CONTROLLED tie-breakers, USE-CANDIDATE,
    /// PRIORITY, MESSAGE-INTEGRITY keyed with `integrityKey` (the remote ice-pwd), FINGERPRINT.
    /// Used by the load-test client and tests.
    public static func bindingRequest(transactionID: [UInt8], username: String? = nil,
                                      integrityKey: [UInt8]? = nil, priority: UInt32? = nil,
                                      iceControlling: UInt64? = nil, iceControlled: UInt64? = nil,
                                      useCandidate: Bool = false) -> [UInt8] {
        var attributes: [STUNAttribute] = []
        if let username {
            attributes.append(STUNAttribute(type: STUNAttributeType.username, value: Array(Array(username.utf8).prefix(763))))
        }
        if let iceControlling {
            attributes.append(STUNAttribute(type: STUNAttributeType.iceControlling, value: bytes(iceControlling)))
        }
        if let iceControlled {
            attributes.append(STUNAttribute(type: STUNAttributeType.iceControlled, value: bytes(iceControlled)))
        }
        if useCandidate {
            attributes.append(STUNAttribute(type: STUNAttributeType.useCandidate, value: []))
        }
        if let priority {
            attributes.append(STUNAttribute(type: STUNAttributeType.priority, value: bytes(priority)))
        }
        let message = STUNMessage(messageType: messageType(method: STUNMethod.binding, class: .request),
                                  transactionID: transactionID, attributes: attributes)
        return message.serialize(integrityKey: integrityKey, fingerprint: true)
    }

    /// 12 random bytes from the system CSPRNG, for new transactions (RFC 8489 §6).
    public static func randomTransactionID() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    // MARK: - Encoding helpers

    static func normalizedTransactionID(_ id: [UInt8]) -> [UInt8] {
        id.count == 12 ? id : Array((id + [UInt8](repeating: 0, count: 12)).prefix(12))
    }

    static func appendAttribute(_ out: inout [UInt8], type: UInt16, value: [UInt8]) {
        let value = value.count > 0xFFFF ? Array(value.prefix(0xFFFF)) : value
        out.append(UInt8(type >> 8))
        out.append(UInt8(type & 0xFF))
        out.append(UInt8(value.count >> 8))
        out.append(UInt8(value.count & 0xFF))
        out.append(contentsOf: value)
        let padding = (4 - value.count % 4) % 4
        out.append(contentsOf: repeatElement(0, count: padding))
    }

    static func setLength(_ out: inout [UInt8], _ length: Int) {
        out[2] = UInt8((length >> 8) & 0xFF)
        out[3] = UInt8(length & 0xFF)
    }

    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func bytes(_ value: UInt64) -> [UInt8] {
        bytes(UInt32(value >> 32)) + bytes(UInt32(value & 0xFFFF_FFFF))
    }
}
