/// A parsed STUN message (RFC 8489 §5, §14).
///
/// `parse` checks the framing only (header, magic cookie, length, attribute TLVs); MESSAGE-INTEGRITY and
/// FINGERPRINT are checked on the raw bytes with `verifyMessageIntegrity` / `verifyFingerprint`.
///
/// The typed accessors (`username`, `priority`, `useCandidate`, …) and `unknownComprehensionRequired`
/// only look at `authenticatedAttributes`: the attributes before the first MESSAGE-INTEGRITY(-SHA256).
/// RFC 8489 §14.5 requires ignoring everything after MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and
/// FINGERPRINT, so a USE-CANDIDATE appended by an off-path attacker after a valid MI has no effect.
/// `attributes` still lists every attribute on the wire, in order.
public struct STUNMessage: Equatable, Sendable {
    /// The magic cookie, bytes 4..<8 of every RFC 5389/8489 message.
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Size of the fixed header in bytes.
    public static let headerLength = 20

    /// The 14-bit message type (method and class bits interleaved, RFC 8489 §5).
    public var messageType: UInt16
    /// 12 bytes.
    public var transactionID: [UInt8]
    /// Every attribute on the wire, in order.
    public var attributes: [STUNAttribute]

    public init(messageType: UInt16, transactionID: [UInt8], attributes: [STUNAttribute] = []) {
        self.messageType = messageType
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// The 12-bit method (0x001 = Binding).
    public var method: UInt16 {
        (messageType & 0x000F) | ((messageType & 0x00E0) >> 1) | ((messageType & 0x3E00) >> 2)
    }

    /// Request, indication, success or error response.
    public var messageClass: STUNMessageClass {
        let bits = ((messageType >> 4) & 0b01) | ((messageType >> 7) & 0b10)
        return STUNMessageClass(rawValue: bits) ?? .request
    }

    /// Composes a message type from a 12-bit method and a class (RFC 8489 §5, figure 3).
    /// Binding request = 0x0001, indication = 0x0011, success = 0x0101, error = 0x0111.
    public static func messageType(method: UInt16, class messageClass: STUNMessageClass) -> UInt16 {
        let method = method & 0x0FFF
        let c = messageClass.rawValue
        return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
            | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    // MARK: - Demultiplexing and parsing

    /// Cheap classifier for a datagram on a multiplexed port (RFC 7983 §7, RFC 8489 §5): first byte in
    /// 0...3, at least 20 bytes, magic cookie at bytes 4..<8. Does not validate the attributes.
    public static func looksLikeSTUN(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= headerLength, bytes[0] <= 3 else { return false }
        return readUInt32(bytes, 4) == magicCookie
    }

    /// Parses the framing of one STUN message occupying the whole datagram.
    /// - Throws: `STUNParseError` naming the first violated rule.
    public static func parse(_ bytes: [UInt8]) throws -> STUNMessage {
        let layout = try AttributeLayout.walk(bytes)
        let attributes = layout.entries.map {
            STUNAttribute(type: $0.type, value: Array(bytes[$0.valueOffset..<($0.valueOffset + $0.length)]))
        }
        return STUNMessage(
            messageType: UInt16(bytes[0]) << 8 | UInt16(bytes[1]),
            transactionID: Array(bytes[8..<20]),
            attributes: attributes)
    }

    // MARK: - Typed accessors (RFC 8489 §14, RFC 8445 §16.1)

    /// Attributes before the first MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 (all of them if there
    /// is none): the ones integrity protection covers and the only ones the accessors read.
    public var authenticatedAttributes: ArraySlice<STUNAttribute> {
        let end = attributes.firstIndex {
            $0.type == STUNAttributeType.messageIntegrity || $0.type == STUNAttributeType.messageIntegritySHA256
        } ?? attributes.endIndex
        return attributes[attributes.startIndex..<end]
    }

    /// Value of the first authenticated attribute of `type`, if present.
    public func value(of type: UInt16) -> [UInt8]? {
        authenticatedAttributes.first { $0.type == type }?.value
    }

    /// USERNAME as UTF-8 text; nil when absent or not valid UTF-8. For ICE: "<receiver ufrag>:<sender ufrag>".
    public var username: String? {
        guard let bytes = value(of: STUNAttributeType.username) else { return nil }
        return Self.decodeUTF8(bytes)
    }

    /// PRIORITY (RFC 8445 §7.1.1); nil when absent or not 4 bytes long.
    public var priority: UInt32? {
        guard let bytes = value(of: STUNAttributeType.priority), bytes.count == 4 else { return nil }
        return Self.readUInt32(bytes, 0)
    }

    /// USE-CANDIDATE present (RFC 8445 §7.1.2): the controlling agent nominates this pair.
    public var useCandidate: Bool { value(of: STUNAttributeType.useCandidate) != nil }

    /// ICE-CONTROLLING tie-breaker (RFC 8445 §7.1.3); nil when absent or not 8 bytes long.
    public var iceControlling: UInt64? { uint64(STUNAttributeType.iceControlling) }

    /// ICE-CONTROLLED tie-breaker (RFC 8445 §7.1.3); nil when absent or not 8 bytes long.
    public var iceControlled: UInt64? { uint64(STUNAttributeType.iceControlled) }

    /// XOR-MAPPED-ADDRESS decoded with the magic cookie and transaction id (RFC 8489 §14.2);
    /// nil when absent or malformed.
    public var xorMappedAddress: STUNTransportAddress? {
        guard let bytes = value(of: STUNAttributeType.xorMappedAddress) else { return nil }
        return STUNAddressCoding.decode(bytes, xorWith: Self.xorMask(transactionID: transactionID))
    }

    /// MAPPED-ADDRESS (RFC 8489 §14.1, plain); nil when absent or malformed.
    public var mappedAddress: STUNTransportAddress? {
        guard let bytes = value(of: STUNAttributeType.mappedAddress) else { return nil }
        return STUNAddressCoding.decode(bytes, xorWith: nil)
    }

    /// ERROR-CODE as class × 100 + number (e.g. 420), RFC 8489 §14.8; nil when absent or malformed.
    public var errorCode: Int? {
        guard let bytes = value(of: STUNAttributeType.errorCode), bytes.count >= 4 else { return nil }
        let errorClass = Int(bytes[2] & 0x07)
        let number = Int(bytes[3])
        guard (3...6).contains(errorClass), number < 100 else { return nil }
        return errorClass * 100 + number
    }

    /// ERROR-CODE reason phrase; nil when absent or not UTF-8.
    public var errorReason: String? {
        guard let bytes = value(of: STUNAttributeType.errorCode), bytes.count >= 4 else { return nil }
        return Self.decodeUTF8(Array(bytes[4...]))
    }

    /// UNKNOWN-ATTRIBUTES list carried by a 420 response (RFC 8489 §14.9); empty when absent.
    public var unknownAttributes: [UInt16] {
        guard let bytes = value(of: STUNAttributeType.unknownAttributes) else { return [] }
        return stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    /// Comprehension-required attribute types (0x0000–0x7FFF) before MESSAGE-INTEGRITY that Parley does
    /// not understand (see `STUNAttributeType.understoodComprehensionRequired`), without duplicates, in
    /// wire order. A request with any of these must be answered with 420 (RFC 8489 §6.3.1).
    public var unknownComprehensionRequired: [UInt16] {
        var seen = Set<UInt16>()
        var result: [UInt16] = []
        for attribute in authenticatedAttributes where attribute.isComprehensionRequired {
            if !STUNAttributeType.understoodComprehensionRequired.contains(attribute.type),
               seen.insert(attribute.type).inserted {
                result.append(attribute.type)
            }
        }
        return result
    }

    // MARK: - Helpers

    private func uint64(_ type: UInt16) -> UInt64? {
        guard let bytes = value(of: type), bytes.count == 8 else { return nil }
        return UInt64(Self.readUInt32(bytes, 0)) << 32 | UInt64(Self.readUInt32(bytes, 4))
    }

    /// Magic cookie followed by the transaction id: the XOR mask for XOR-MAPPED-ADDRESS.
    static func xorMask(transactionID: [UInt8]) -> [UInt8] {
        [0x21, 0x12, 0xA4, 0x42] + transactionID
    }

    static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// Strict UTF-8 decoding: nil when the bytes are not valid UTF-8.
    static func decodeUTF8(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return Array(text.utf8) == bytes ? text : nil
    }
}

/// Byte positions of the attributes of a framed STUN message (shared by parsing and the integrity checks).
struct AttributeLayout {
    struct Entry {
        var type: UInt16
        /// Offset of the 4-byte attribute header.
        var headerOffset: Int
        var valueOffset: Int { headerOffset + 4 }
        /// Value length without padding.
        var length: Int
    }

    var entries: [Entry]

    /// Validates the header and walks the attribute TLVs. Never reads outside `bytes`.
    static func walk(_ bytes: [UInt8]) throws -> AttributeLayout {
        guard bytes.count >= STUNMessage.headerLength else { throw STUNParseError.tooShort(count: bytes.count) }
        guard bytes[0] & 0xC0 == 0 else { throw STUNParseError.notSTUNHeader(firstByte: bytes[0]) }
        let cookie = STUNMessage.readUInt32(bytes, 4)
        guard cookie == STUNMessage.magicCookie else { throw STUNParseError.badMagicCookie(cookie) }
        let declared = Int(bytes[2]) << 8 | Int(bytes[3])
        guard declared % 4 == 0 else { throw STUNParseError.lengthNotMultipleOf4(declared) }
        let available = bytes.count - STUNMessage.headerLength
        guard declared == available else { throw STUNParseError.lengthMismatch(declared: declared, available: available) }

        var entries: [Entry] = []
        var offset = STUNMessage.headerLength
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else {
                throw STUNParseError.attributeOverrun(type: 0, offset: offset, length: bytes.count - offset)
            }
            let type = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let padded = (length + 3) & ~3
            guard padded <= bytes.count - offset - 4 else {
                throw STUNParseError.attributeOverrun(type: type, offset: offset, length: length)
            }
            entries.append(Entry(type: type, headerOffset: offset, length: length))
            offset += 4 + padded
        }
        return AttributeLayout(entries: entries)
    }
}

/// (XOR-)MAPPED-ADDRESS value coding (RFC 8489 §14.1, §14.2).
enum STUNAddressCoding {
    /// `mask` is the magic cookie + transaction id for XOR-MAPPED-ADDRESS, nil for MAPPED-ADDRESS.
    static func decode(_ value: [UInt8], xorWith mask: [UInt8]?) -> STUNTransportAddress? {
        guard value.count >= 4 else { return nil }
        let addressLength: Int
        switch value[1] {
        case 0x01: addressLength = 4
        case 0x02: addressLength = 16
        default: return nil
        }
        guard value.count == 4 + addressLength else { return nil }
        var port = UInt16(value[2]) << 8 | UInt16(value[3])
        var ip = Array(value[4...])
        if let mask, mask.count >= 16 {
            port ^= 0x2112
            for index in ip.indices { ip[index] ^= mask[index] }
        }
        return STUNTransportAddress(ip: ip, port: port)
    }

    /// Encodes an address; an `ip` that is neither 4 nor 16 bytes is encoded as 0.0.0.0.
    static func encode(_ address: STUNTransportAddress, xorWith mask: [UInt8]?) -> [UInt8] {
        let ip: [UInt8] = (address.ip.count == 4 || address.ip.count == 16) ? address.ip : [0, 0, 0, 0]
        var port = address.port
        var addressBytes = ip
        if let mask, mask.count >= 16 {
            port ^= 0x2112
            for index in addressBytes.indices { addressBytes[index] ^= mask[index] }
        }
        return [0, ip.count == 4 ? 0x01 : 0x02, UInt8(port >> 8), UInt8(port & 0xFF)] + addressBytes
    }
}
