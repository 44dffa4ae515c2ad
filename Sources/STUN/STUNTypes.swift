/// A transport address (IP + UDP port) as carried in (XOR-)MAPPED-ADDRESS (RFC 8489 §14.1, §14.2).
///
/// `ip` holds 4 bytes (IPv4) or 16 bytes (IPv6) in network order; `port` is in host order.
public struct STUNTransportAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: [UInt8]
    public var port: UInt16

    public init(ip: [UInt8], port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// `true` when `ip` has 4 bytes.
    public var isIPv4: Bool { ip.count == 4 }

    public var description: String {
        if ip.count == 4 {
            return ip.map(String.init).joined(separator: ".") + ":\(port)"
        }
        var groups: [String] = []
        var index = 0
        while index + 1 < ip.count {
            groups.append(String(UInt16(ip[index]) << 8 | UInt16(ip[index + 1]), radix: 16))
            index += 2
        }
        return "[" + groups.joined(separator: ":") + "]:\(port)"
    }
}

/// The class bits C1 C0 of a STUN message type (RFC 8489 §5).
public enum STUNMessageClass: UInt16, Sendable, CaseIterable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// One STUN attribute, in the order it appeared on the wire (RFC 8489 §14).
/// `value` excludes the 4-byte type/length header and the padding to a 4-byte boundary.
public struct STUNAttribute: Hashable, Sendable {
    public var type: UInt16
    public var value: [UInt8]

    public init(type: UInt16, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// Comprehension-required attributes are 0x0000–0x7FFF (RFC 8489 §14): a receiver that does not
    /// understand one must reject a request carrying it with 420.
    public var isComprehensionRequired: Bool { type < 0x8000 }
}

/// Attribute type numbers used by Parley (RFC 8489 §18.3, RFC 8445 §16.1).
public enum STUNAttributeType {
    public static let mappedAddress: UInt16 = 0x0001
    public static let username: UInt16 = 0x0006
    public static let messageIntegrity: UInt16 = 0x0008
    public static let errorCode: UInt16 = 0x0009
    public static let unknownAttributes: UInt16 = 0x000A
    public static let realm: UInt16 = 0x0014
    public static let nonce: UInt16 = 0x0015
    public static let messageIntegritySHA256: UInt16 = 0x001C
    public static let xorMappedAddress: UInt16 = 0x0020
    public static let priority: UInt16 = 0x0024
    public static let useCandidate: UInt16 = 0x0025
    public static let software: UInt16 = 0x8022
    public static let alternateServer: UInt16 = 0x8023
    public static let fingerprint: UInt16 = 0x8028
    public static let iceControlled: UInt16 = 0x8029
    public static let iceControlling: UInt16 = 0x802A
    /// Chrome's GOOG-NETWORK-INFO (comprehension-optional, not registered with IANA).
    public static let googNetworkInfo: UInt16 = 0xC057

    /// The comprehension-required attributes Parley understands. Any other 0x0000–0x7FFF attribute in a
    /// request before MESSAGE-INTEGRITY makes the ICE-lite responder answer 420 (RFC 8489 §6.3.1).
    public static let understoodComprehensionRequired: Set<UInt16> = [
        mappedAddress, username, messageIntegrity, errorCode, unknownAttributes,
        messageIntegritySHA256, xorMappedAddress, priority, useCandidate,
    ]
}

/// STUN method numbers (RFC 8489 §18.2).
public enum STUNMethod {
    public static let binding: UInt16 = 0x001
}

/// Why a datagram is not a well-formed STUN message (RFC 8489 §5, §6.3, §14).
public enum STUNParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than 20 bytes (the fixed header).
    case tooShort(count: Int)
    /// The two most significant bits of the first byte are not zero.
    case notSTUNHeader(firstByte: UInt8)
    /// Bytes 4..<8 are not the magic cookie 0x2112A442.
    case badMagicCookie(UInt32)
    /// The header's message length is not a multiple of 4.
    case lengthNotMultipleOf4(Int)
    /// The header's message length + 20 differs from the datagram size.
    case lengthMismatch(declared: Int, available: Int)
    /// An attribute (plus padding) runs past the end of the message.
    case attributeOverrun(type: UInt16, offset: Int, length: Int)

    public var description: String {
        switch self {
        case .tooShort(let count):
            return "STUN message too short: \(count) bytes, the header alone is 20"
        case .notSTUNHeader(let byte):
            return "first byte 0x\(String(byte, radix: 16)) has a non-zero top two bits"
        case .badMagicCookie(let cookie):
            return "magic cookie 0x\(String(cookie, radix: 16)) is not 0x2112a442"
        case .lengthNotMultipleOf4(let length):
            return "message length \(length) is not a multiple of 4"
        case .lengthMismatch(let declared, let available):
            return "message length field says \(declared) attribute bytes, datagram has \(available)"
        case .attributeOverrun(let type, let offset, let length):
            return "attribute 0x\(String(type, radix: 16)) at offset \(offset) with length \(length) runs past the message"
        }
    }
}
