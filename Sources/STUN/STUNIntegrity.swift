import Crypto

extension STUNMessage {
    /// XOR constant applied to the CRC-32 in FINGERPRINT ("STUN", RFC 8489 §14.7).
    public static let fingerprintXOR: UInt32 = 0x5354_554E

    /// Checks FINGERPRINT (RFC 8489 §14.7): present, 4 bytes long, the LAST attribute, and equal to
    /// CRC-32 of everything before it XOR 0x5354554E. False for any unparsable message.
    public static func verifyFingerprint(_ raw: [UInt8]) -> Bool {
        guard let layout = try? AttributeLayout.walk(raw),
              let last = layout.entries.last,
              last.type == STUNAttributeType.fingerprint, last.length == 4 else { return false }
        // FINGERPRINT is last, so the header length already covers it.
        let expected = CRC32.checksum(raw[0..<last.headerOffset]) ^ fingerprintXOR
        return readUInt32(raw, last.valueOffset) == expected
    }

    /// Checks MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) with `key`. For ICE short-term credentials
    /// the key is the UTF-8 bytes of the receiver's ice-pwd (RFC 8445 §7.2.2, RFC 8489 §9.1.1).
    ///
    /// The HMAC covers the message up to the first MESSAGE-INTEGRITY with the header length adjusted to
    /// end at that attribute, so attributes after it (FINGERPRINT, MESSAGE-INTEGRITY-SHA256, or
    /// anything else, which receivers must ignore) do not affect the result. Comparison is constant time.
    /// False when there is no 20-byte MESSAGE-INTEGRITY or the message does not parse.
    public static func verifyMessageIntegrity(_ raw: [UInt8], key: [UInt8]) -> Bool {
        guard let layout = try? AttributeLayout.walk(raw),
              let integrity = layout.entries.first(where: { $0.type == STUNAttributeType.messageIntegrity }),
              integrity.length == 20 else { return false }
        let expected = integrityHMAC(raw[0..<integrity.headerOffset], key: key)
        var difference: UInt8 = 0
        for index in 0..<20 {
            difference |= expected[index] ^ raw[integrity.valueOffset + index]
        }
        return difference == 0
    }

    /// HMAC-SHA1 over `prefix` (header + attributes before MESSAGE-INTEGRITY) with the header length
    /// field rewritten to include the 24-byte MESSAGE-INTEGRITY attribute.
    static func integrityHMAC(_ prefix: ArraySlice<UInt8>, key: [UInt8]) -> [UInt8] {
        var covered = Array(prefix)
        let length = covered.count - headerLength + 24
        covered[2] = UInt8((length >> 8) & 0xFF)
        covered[3] = UInt8(length & 0xFF)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: covered, using: SymmetricKey(data: key))
        return Array(mac)
    }
}
