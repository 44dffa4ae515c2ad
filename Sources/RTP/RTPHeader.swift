/// Why bytes are not a valid RTP packet (RFC 3550 §5.1, RFC 8285 §4).
public enum RTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than the 12 bytes of the fixed header.
    case tooShort(count: Int)
    /// Version field is not 2.
    case badVersion(UInt8)
    /// The CSRC list (CC × 4 bytes) runs past the packet.
    case csrcOverrun(csrcCount: Int, available: Int)
    /// X=1 but fewer than 4 bytes remain for the extension header.
    case extensionHeaderOverrun(available: Int)
    /// The extension length field (in 32-bit words) runs past the packet.
    case extensionOverrun(declaredBytes: Int, available: Int)
    /// P=1 but the last byte (padding count) is 0 or larger than the bytes after the header.
    case badPadding(paddingLength: Int, available: Int)

    public var description: String {
        switch self {
        case .tooShort(let count): return "RTP packet of \(count) bytes is shorter than the 12-byte header"
        case .badVersion(let version): return "RTP version \(version), expected 2"
        case .csrcOverrun(let csrcCount, let available):
            return "CSRC count \(csrcCount) needs \(csrcCount * 4) bytes, \(available) available"
        case .extensionHeaderOverrun(let available):
            return "X=1 but only \(available) bytes remain for the 4-byte extension header"
        case .extensionOverrun(let declared, let available):
            return "header extension declares \(declared) bytes, \(available) available"
        case .badPadding(let paddingLength, let available):
            return "padding count \(paddingLength) invalid with \(available) bytes after the header"
        }
    }
}

/// A parsed RTP fixed header plus CSRCs and header extension (RFC 3550 §5.1, RFC 8285).
///
/// Offsets are byte positions in the parsed packet, so payload and extension values can be sliced or
/// rewritten in place without copying: payload = `packet[payloadOffset ..< payloadOffset + payloadLength]`.
///
/// Cost of `parse`: no heap allocation for a packet without CSRCs and without header extension; one
/// allocation for the `extensions` array when X=1 (capacity reserved up front) and one for `csrcs`
/// when CC > 0. The bytes are never copied.
public struct RTPHeader: Equatable, Sendable {
    /// Always 2 for a parsed packet.
    public var version: UInt8
    /// P bit: the packet ends with `paddingLength` padding bytes (RFC 3550 §5.1).
    public var padding: Bool
    public var marker: Bool
    /// 7-bit payload type.
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    /// Media clock ticks (e.g. 90 kHz video, 48 kHz Opus).
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: [UInt32]
    /// "Defined by profile" field of the header extension: 0xBEDE one-byte, 0x100X two-byte
    /// (RFC 8285), anything else is an unknown profile whose elements are not parsed. nil when X=0.
    public var extensionProfile: UInt16?
    /// Parsed RFC 8285 elements in wire order (padding skipped, stops at one-byte ID 15).
    public var extensions: [RTPHeaderExtensionElement]
    /// Offset of the extension data (after the 4-byte extension header); 0 when X=0.
    public var extensionDataOffset: Int
    /// Extension data length in bytes (length field × 4); 0 when X=0.
    public var extensionDataLength: Int
    /// True when element parsing stopped because an element ran past the extension block. The elements
    /// before it are kept and the packet is still valid (payload offset comes from the length field), as
    /// libwebrtc does.
    public var extensionElementsTruncated: Bool
    /// Fixed header + CSRCs + extension block, in bytes.
    public var headerLength: Int
    /// Equal to `headerLength`.
    public var payloadOffset: Int
    /// Payload bytes, excluding padding (BH-17).
    public var payloadLength: Int
    /// Padding bytes at the end including the count byte; 0 when P=0.
    public var paddingLength: Int

    /// A padding-only packet (bandwidth probe, BH-18): P=1 and no payload. It consumes a sequence
    /// number but carries no media.
    public var isPaddingOnly: Bool { paddingLength > 0 && payloadLength == 0 }

    /// `payloadOffset ..< payloadOffset + payloadLength`.
    public var payloadRange: Range<Int> { payloadOffset..<(payloadOffset + payloadLength) }

    /// Total packet size the header was parsed from.
    public var packetLength: Int { payloadOffset + payloadLength + paddingLength }

    /// The first element with `id`, if present.
    public func extensionElement(id: UInt8) -> RTPHeaderExtensionElement? {
        extensions.first { $0.id == id }
    }

    /// The value bytes of the first element with `id`, sliced from the packet this header was parsed
    /// from (nil when absent or when `packet` is too short, i.e. not the parsed packet).
    public func extensionValue<C: Collection>(id: UInt8, in packet: C) -> C.SubSequence? where C.Index == Int {
        guard let element = extensionElement(id: id) else { return nil }
        let start = packet.startIndex + element.offset
        guard element.offset >= 0, element.length >= 0, element.offset + element.length <= packet.count else { return nil }
        return packet[start..<(start + element.length)]
    }

    /// Parses an RTP packet.
    /// - Throws: `RTPParseError` for a packet whose header, CSRC list, extension block or padding
    ///   does not fit its size.
    public static func parse(_ packet: [UInt8]) throws -> RTPHeader {
        try packet.withUnsafeBytes { try parse($0) }
    }

    /// Parses an RTP packet from raw memory (no copy). Offsets are relative to `buffer`'s start.
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws -> RTPHeader {
        let count = buffer.count
        guard count >= 12 else { throw RTPParseError.tooShort(count: count) }
        let first = buffer[0]
        let version = first >> 6
        guard version == 2 else { throw RTPParseError.badVersion(version) }
        let csrcCount = Int(first & 0x0F)
        let csrcEnd = 12 + 4 * csrcCount
        guard csrcEnd <= count else { throw RTPParseError.csrcOverrun(csrcCount: csrcCount, available: count - 12) }
        var csrcs: [UInt32] = []
        if csrcCount > 0 {
            csrcs.reserveCapacity(csrcCount)
            for index in 0..<csrcCount { csrcs.append(read32(buffer, 12 + 4 * index)) }
        }

        var offset = csrcEnd
        var profile: UInt16?
        var elements: [RTPHeaderExtensionElement] = []
        var dataOffset = 0
        var dataLength = 0
        var truncated = false
        if first & 0x10 != 0 {
            guard count - offset >= 4 else { throw RTPParseError.extensionHeaderOverrun(available: count - offset) }
            let extensionProfile = read16(buffer, offset)
            dataOffset = offset + 4
            dataLength = Int(read16(buffer, offset + 2)) * 4
            guard dataLength <= count - dataOffset else {
                throw RTPParseError.extensionOverrun(declaredBytes: dataLength, available: count - dataOffset)
            }
            profile = extensionProfile
            truncated = RTPHeaderExtensionElement.parseElements(buffer, profile: extensionProfile, start: dataOffset,
                                                                end: dataOffset + dataLength, into: &elements)
            offset = dataOffset + dataLength
        }

        var paddingLength = 0
        if first & 0x20 != 0 {
            let available = count - offset
            paddingLength = available > 0 ? Int(buffer[count - 1]) : 0
            guard paddingLength >= 1, paddingLength <= available else {
                throw RTPParseError.badPadding(paddingLength: paddingLength, available: available)
            }
        }
        return RTPHeader(
            version: version, padding: first & 0x20 != 0, marker: buffer[1] & 0x80 != 0,
            payloadType: buffer[1] & 0x7F, sequenceNumber: read16(buffer, 2), timestamp: read32(buffer, 4),
            ssrc: read32(buffer, 8), csrcs: csrcs, extensionProfile: profile, extensions: elements,
            extensionDataOffset: dataOffset, extensionDataLength: dataLength,
            extensionElementsTruncated: truncated, headerLength: offset, payloadOffset: offset,
            payloadLength: count - offset - paddingLength, paddingLength: paddingLength)
    }

    @inline(__always)
    static func read16(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(buffer[offset]) << 8 | UInt16(buffer[offset + 1])
    }

    @inline(__always)
    static func read32(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(buffer[offset]) << 24 | UInt32(buffer[offset + 1]) << 16
            | UInt32(buffer[offset + 2]) << 8 | UInt32(buffer[offset + 3])
    }
}
