/// Why a codec payload header could not be read.
public enum CodecPayloadError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    /// The descriptor needs `needed` bytes, the payload has `available`.
    case truncatedDescriptor(needed: Int, available: Int)

    public var description: String {
        switch self {
        case .empty: return "empty RTP payload"
        case .truncatedDescriptor(let needed, let available):
            return "payload descriptor needs \(needed) bytes, payload has \(available)"
        }
    }
}

/// The VP8 RTP payload descriptor (RFC 7741 §4.2).
public struct VP8PayloadDescriptor: Equatable, Sendable {
    /// N bit: the frame is not used as a reference (may be dropped).
    public var nonReference: Bool
    /// S bit: this packet starts a VP8 partition.
    public var startOfPartition: Bool
    /// PID: partition index, 0...7.
    public var partitionIndex: UInt8
    /// PictureID, 7 or 15 bits (see `pictureIDIs15Bit`), nil when absent.
    public var pictureID: UInt16?
    /// M bit of the PictureID field.
    public var pictureIDIs15Bit: Bool
    /// TL0PICIDX, nil when absent.
    public var tl0PicIdx: UInt8?
    /// TID (temporal layer 0...3), nil when the T bit is 0.
    public var temporalLayerID: UInt8?
    /// Y bit (layer sync); false when the T/K byte is absent.
    public var layerSync: Bool
    /// KEYIDX (5 bits), nil when the K bit is 0.
    public var keyIdx: UInt8?
    /// Descriptor size in bytes: the VP8 payload header starts at payload offset `payloadHeaderOffset`.
    public var payloadHeaderOffset: Int

    /// Parses the descriptor at the start of an RTP payload.
    /// - Throws: `CodecPayloadError` when the payload is empty or shorter than the descriptor its bits announce.
    public static func parse(_ payload: ArraySlice<UInt8>) throws -> VP8PayloadDescriptor {
        guard let first = payload.first else { throw CodecPayloadError.empty }
        let base = payload.startIndex
        var descriptor = VP8PayloadDescriptor(
            nonReference: first & 0x20 != 0, startOfPartition: first & 0x10 != 0, partitionIndex: first & 0x07,
            pictureID: nil, pictureIDIs15Bit: false, tl0PicIdx: nil, temporalLayerID: nil, layerSync: false,
            keyIdx: nil, payloadHeaderOffset: 1)
        guard first & 0x80 != 0 else { return descriptor }

        var size = 2
        guard payload.count >= size else { throw CodecPayloadError.truncatedDescriptor(needed: size, available: payload.count) }
        let extensionBits = payload[base + 1]
        let hasPictureID = extensionBits & 0x80 != 0
        let hasTL0PicIdx = extensionBits & 0x40 != 0
        let hasTID = extensionBits & 0x20 != 0
        let hasKeyIdx = extensionBits & 0x10 != 0
        if hasPictureID {
            guard payload.count >= size + 1 else {
                throw CodecPayloadError.truncatedDescriptor(needed: size + 1, available: payload.count)
            }
            let high = payload[base + size]
            if high & 0x80 != 0 {
                guard payload.count >= size + 2 else {
                    throw CodecPayloadError.truncatedDescriptor(needed: size + 2, available: payload.count)
                }
                descriptor.pictureID = UInt16(high & 0x7F) << 8 | UInt16(payload[base + size + 1])
                descriptor.pictureIDIs15Bit = true
                size += 2
            } else {
                descriptor.pictureID = UInt16(high)
                size += 1
            }
        }
        if hasTL0PicIdx {
            guard payload.count >= size + 1 else {
                throw CodecPayloadError.truncatedDescriptor(needed: size + 1, available: payload.count)
            }
            descriptor.tl0PicIdx = payload[base + size]
            size += 1
        }
        if hasTID || hasKeyIdx {
            guard payload.count >= size + 1 else {
                throw CodecPayloadError.truncatedDescriptor(needed: size + 1, available: payload.count)
            }
            let byte = payload[base + size]
            if hasTID {
                descriptor.temporalLayerID = byte >> 6
                descriptor.layerSync = byte & 0x20 != 0
            }
            if hasKeyIdx { descriptor.keyIdx = byte & 0x1F }
            size += 1
        }
        descriptor.payloadHeaderOffset = size
        return descriptor
    }

    public static func parse(_ payload: [UInt8]) throws -> VP8PayloadDescriptor { try parse(payload[...]) }

    /// True for the first packet of a VP8 key frame: S=1, PID=0 and the P bit (bit 0 of the first VP8
    /// payload header byte, RFC 6386 §9.1) is 0 (RFC 7741 §4.3). False for anything unparsable.
    public static func isKeyframe(payload: ArraySlice<UInt8>) -> Bool {
        (try? parse(payload))?.startsKeyframe(in: payload) ?? false
    }

    /// `isKeyframe(payload:)` for a descriptor already parsed from `payload`.
    public func startsKeyframe(in payload: ArraySlice<UInt8>) -> Bool {
        guard startOfPartition, partitionIndex == 0, payload.count > payloadHeaderOffset else { return false }
        return payload[payload.startIndex + payloadHeaderOffset] & 0x01 == 0
    }

    public static func isKeyframe(payload: [UInt8]) -> Bool { isKeyframe(payload: payload[...]) }
}

/// H.264 RTP payload helpers (RFC 6184).
public enum H264Payload {
    public static let nalIDR: UInt8 = 5
    public static let nalSPS: UInt8 = 7
    public static let nalPPS: UInt8 = 8
    public static let nalSTAPA: UInt8 = 24
    public static let nalFUA: UInt8 = 28

    /// The NAL unit type (5 bits) of the payload's first byte; 24 = STAP-A, 28 = FU-A. nil when empty.
    public static func nalUnitType(payload: ArraySlice<UInt8>) -> UInt8? {
        payload.first.map { $0 & 0x1F }
    }

    /// True when the packet starts or contains an IDR slice or an SPS: a single NAL unit of type 5/7,
    /// a STAP-A aggregating one, or the start fragment (S=1) of an FU-A carrying one. STAP-A sizes are
    /// bounds-checked; a malformed aggregate stops at the bad entry.
    public static func isKeyframe(payload: ArraySlice<UInt8>) -> Bool {
        guard let type = nalUnitType(payload: payload) else { return false }
        let base = payload.startIndex
        switch type {
        case nalIDR, nalSPS:
            return true
        case nalSTAPA:
            var offset = 1
            while payload.count - offset >= 2 {
                let size = Int(payload[base + offset]) << 8 | Int(payload[base + offset + 1])
                offset += 2
                guard size > 0, size <= payload.count - offset else { return false }
                let inner = payload[base + offset] & 0x1F
                if inner == nalIDR || inner == nalSPS { return true }
                offset += size
            }
            return false
        case nalFUA:
            guard payload.count >= 2 else { return false }
            let header = payload[base + 1]
            let inner = header & 0x1F
            return header & 0x80 != 0 && (inner == nalIDR || inner == nalSPS)
        default:
            return false
        }
    }

    public static func isKeyframe(payload: [UInt8]) -> Bool { isKeyframe(payload: payload[...]) }
}
