/// In-place rewriting of the VP8 payload descriptor (RFC 7741 §4.2) for a forwarder that switches
/// between simulcast layers: PictureID and TL0PICIDX must stay continuous for the receiver, so
/// each layer's values are shifted by an offset chosen at the switch.
extension VP8PayloadDescriptor {
    /// Byte offsets (from the start of the RTP payload) of the PictureID field and of TL0PICIDX,
    /// nil when the descriptor does not carry them.
    public var pictureIDOffset: Int? { pictureID == nil ? nil : 2 }
    public var tl0PicIdxOffset: Int? {
        guard tl0PicIdx != nil else { return nil }
        guard pictureID != nil else { return 2 }
        return pictureIDIs15Bit ? 4 : 3
    }

    /// Overwrites PictureID and/or TL0PICIDX of the VP8 packet `packet` whose payload starts at
    /// `payloadOffset`. The PictureID keeps its width: a 15-bit field receives `pictureID & 0x7FFF`
    /// (M bit kept set), a 7-bit field `pictureID & 0x7F`. A nil value leaves the field unchanged.
    ///
    /// - Returns: false (packet unchanged) when the descriptor cannot be parsed at `payloadOffset`
    ///   or a requested field is absent.
    @discardableResult
    public static func rewrite(_ packet: inout [UInt8], payloadOffset: Int, pictureID: UInt16?,
                               tl0PicIdx: UInt8?) -> Bool {
        guard payloadOffset >= 0, payloadOffset < packet.count,
              let descriptor = try? parse(packet[payloadOffset...]) else { return false }
        if pictureID != nil, descriptor.pictureIDOffset == nil { return false }
        if tl0PicIdx != nil, descriptor.tl0PicIdxOffset == nil { return false }
        if let pictureID, let offset = descriptor.pictureIDOffset {
            let at = payloadOffset + offset
            if descriptor.pictureIDIs15Bit {
                packet[at] = 0x80 | UInt8((pictureID >> 8) & 0x7F)
                packet[at + 1] = UInt8(pictureID & 0xFF)
            } else {
                packet[at] = UInt8(pictureID & 0x7F)
            }
        }
        if let tl0PicIdx, let offset = descriptor.tl0PicIdxOffset {
            packet[payloadOffset + offset] = tl0PicIdx
        }
        return true
    }

    /// The modulus of this descriptor's PictureID (32 768 for the 15-bit form, 128 for 7-bit).
    public var pictureIDModulus: UInt16 { pictureIDIs15Bit ? 0x8000 : 0x80 }
}
