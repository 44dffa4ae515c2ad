/// RTP retransmission payload format (RFC 4588 §4): a retransmitted packet travels on its own
/// stream (RTX SSRC, RTX payload type, RTX sequence numbers, negotiated with `a=rtpmap:N rtx/90000`
/// and `a=fmtp:N apt=<original PT>`) and its payload starts with the original sequence number (OSN):
///
///     RTP header (M, timestamp, CSRCs and header extension of the original) | OSN (16 bits) | original payload
///
/// Both directions copy; the input is never modified. RTP padding is not carried over: the original's
/// padding is removed on `wrap` and the RTX packet's on `unwrap` (P cleared in the result).
public enum RTXPacket {
    /// Builds the retransmission of `packet` (RFC 4588 §4): same header with the RTX payload type (M kept),
    /// `rtxSequence` and `rtxSSRC`, timestamp, CSRCs and header extension unchanged, then the OSN
    /// (`header.sequenceNumber`, big-endian) and the original payload without padding.
    ///
    /// - Parameters:
    ///   - header: parsed from `packet`.
    ///   - rtxPayloadType: the RTX payload type negotiated for the original's (0…127).
    ///   - rtxSequence: the next sequence number of the RTX stream (its own, independent sequence).
    /// - Returns: the RTX packet, 2 bytes longer than `packet` without its padding; nil when `header`
    ///   does not describe `packet` or `rtxPayloadType` is above 127.
    public static func wrap(_ packet: [UInt8], header: RTPHeader, rtxPayloadType: UInt8, rtxSSRC: UInt32,
                            rtxSequence: UInt16) -> [UInt8]? {
        guard rtxPayloadType <= 0x7F, describes(header, packet) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(header.headerLength + 2 + header.payloadLength)
        out += packet[0..<header.headerLength]
        setFields(&out, payloadType: rtxPayloadType, sequence: rtxSequence, ssrc: rtxSSRC)
        out.append(UInt8(header.sequenceNumber >> 8))
        out.append(UInt8(header.sequenceNumber & 0xFF))
        out += packet[header.payloadRange]
        return out
    }

    /// Restores the original packet from an RTX packet (RFC 4588 §4): same header with the original
    /// payload type (M kept), the OSN as sequence number and `originalSSRC`; timestamp, CSRCs and header
    /// extension as received; the payload after the OSN, without the RTX packet's padding.
    ///
    /// - Parameters:
    ///   - header: parsed from the RTX `packet`.
    ///   - originalPayloadType: the `apt` of the RTX payload type (0…127).
    ///   - originalSSRC: the SSRC of the stream the RTX SSRC repairs (from `a=ssrc-group:FID` or the
    ///     repaired RTP stream ID).
    /// - Returns: nil when the payload (padding excluded) is shorter than the 2-byte OSN, when `header`
    ///   does not describe `packet`, or `originalPayloadType` is above 127.
    public static func unwrap(_ packet: [UInt8], header: RTPHeader, originalPayloadType: UInt8,
                              originalSSRC: UInt32) -> [UInt8]? {
        guard originalPayloadType <= 0x7F, describes(header, packet), header.payloadLength >= 2 else { return nil }
        let osnAt = header.payloadOffset
        let originalSequence = UInt16(packet[osnAt]) << 8 | UInt16(packet[osnAt + 1])
        var out: [UInt8] = []
        out.reserveCapacity(header.headerLength + header.payloadLength - 2)
        out += packet[0..<header.headerLength]
        setFields(&out, payloadType: originalPayloadType, sequence: originalSequence, ssrc: originalSSRC)
        out += packet[(osnAt + 2)..<(header.payloadOffset + header.payloadLength)]
        return out
    }

    /// The original sequence number an RTX packet carries (first 2 payload bytes), nil when the payload
    /// is shorter or `header` does not describe `packet`.
    public static func originalSequenceNumber(_ packet: [UInt8], header: RTPHeader) -> UInt16? {
        guard describes(header, packet), header.payloadLength >= 2 else { return nil }
        return UInt16(packet[header.payloadOffset]) << 8 | UInt16(packet[header.payloadOffset + 1])
    }

    /// `header` is consistent with `packet`, so every slice below is in bounds.
    static func describes(_ header: RTPHeader, _ packet: [UInt8]) -> Bool {
        header.headerLength >= 12 && header.payloadOffset == header.headerLength && header.payloadLength >= 0
            && header.paddingLength >= 0 && header.headerLength <= packet.count
            && header.payloadLength <= packet.count - header.headerLength
            && header.paddingLength == packet.count - header.headerLength - header.payloadLength
    }

    /// P cleared, payload type (marker kept), sequence number and SSRC; `out` holds at least 12 bytes.
    private static func setFields(_ out: inout [UInt8], payloadType: UInt8, sequence: UInt16, ssrc: UInt32) {
        out[0] &= ~0x20
        out[1] = (out[1] & 0x80) | payloadType
        out[2] = UInt8(sequence >> 8)
        out[3] = UInt8(sequence & 0xFF)
        out[8] = UInt8(ssrc >> 24)
        out[9] = UInt8((ssrc >> 16) & 0xFF)
        out[10] = UInt8((ssrc >> 8) & 0xFF)
        out[11] = UInt8(ssrc & 0xFF)
    }
}
