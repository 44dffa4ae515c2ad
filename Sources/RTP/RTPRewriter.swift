/// In-place rewriting of RTP packets for forwarding (SFU): SSRC / PT / sequence / timestamp, header
/// extension IDs, padding. All functions check `header` against `packet` and never trap.
public enum RTPRewriter {
    /// Overwrites payload type (marker bit kept), sequence number, timestamp and SSRC in place
    /// (RFC 3550 §5.1). No-op when `packet` is shorter than 12 bytes or than `header.headerLength`.
    public static func rewrite(_ packet: inout [UInt8], header: RTPHeader, ssrc: UInt32, payloadType: UInt8,
                               sequenceNumber: UInt16, timestamp: UInt32) {
        guard packet.count >= 12, packet.count >= header.headerLength else { return }
        packet.withUnsafeMutableBufferPointer { bytes in
            bytes[1] = (bytes[1] & 0x80) | (payloadType & 0x7F)
            bytes[2] = UInt8(sequenceNumber >> 8)
            bytes[3] = UInt8(sequenceNumber & 0xFF)
            store32(&bytes, 4, timestamp)
            store32(&bytes, 8, ssrc)
        }
    }

    /// Sets or clears the marker bit in place.
    public static func setMarker(_ packet: inout [UInt8], _ marker: Bool) {
        guard packet.count >= 12 else { return }
        packet[1] = marker ? packet[1] | 0x80 : packet[1] & 0x7F
    }

    /// Removes RTP padding and clears the P bit (BH-17: never strip the bytes and keep P=1).
    /// Returns false (packet unchanged) when `header` does not describe `packet`.
    @discardableResult
    public static func stripPadding(_ packet: inout [UInt8], header: RTPHeader) -> Bool {
        guard header.packetLength == packet.count, packet.count >= 12 else { return false }
        guard header.paddingLength > 0 else { return true }
        packet.removeLast(header.paddingLength)
        packet[0] &= ~0x20
        return true
    }

    /// Renumbers (or drops) RFC 8285 header-extension elements for the subscriber's negotiated IDs.
    ///
    /// `map` returns the subscriber's ID for a publisher's ID, or nil to drop that element (extension not
    /// negotiated with the subscriber); a mapped ID of 0 also drops it. `map` must be a pure function: it
    /// is called up to twice per element.
    /// - Only IDs change and every new ID fits the current form → bytes are patched in place (no
    ///   allocation, packet size unchanged).
    /// - Elements are dropped, or a new ID does not fit the one-byte form (> 14) → the extension block is
    ///   rebuilt: one-byte form (0xBEDE) when every kept element has ID 1...14 and length 1...16, else
    ///   two-byte form (0x1000); padding between elements removed; zero-padded to 32 bits; X cleared and
    ///   the block removed when nothing is left. CSRCs, payload and RTP padding are kept.
    /// Packets without an extension, or with a non-RFC 8285 profile, are left as they are.
    ///
    /// - Returns: the resulting packet (the same value `packet` now holds), or nil when `header` does not
    ///   describe `packet` (then `packet` is unchanged). Re-parse the packet if you need new offsets.
    @discardableResult
    public static func remapExtensionIDs(_ packet: inout [UInt8], header: RTPHeader,
                                         map: (UInt8) -> UInt8?) -> [UInt8]? {
        guard header.packetLength == packet.count, header.headerLength <= packet.count,
              header.payloadOffset == header.headerLength, packet.count >= 12 else { return nil }
        guard let profile = header.extensionProfile else { return packet }
        let oneByte = RTPHeaderExtensionElement.isOneByte(profile)
        guard oneByte || RTPHeaderExtensionElement.isTwoByte(profile) else { return packet }
        let blockStart = header.extensionDataOffset - 4
        guard blockStart >= 12, header.extensionDataOffset + header.extensionDataLength == header.headerLength,
              packet[0] & 0x10 != 0 else { return nil }

        // Pass 1 (no allocation): can the IDs be patched in place?
        var dropped = false
        var fitsOneByte = true
        for element in header.extensions {
            guard element.offset >= header.extensionDataOffset,
                  element.offset + element.length <= header.headerLength else { return nil }
            guard let newID = map(element.id), newID != 0 else { dropped = true; continue }
            if newID > 14 || element.length < 1 || element.length > 16 { fitsOneByte = false }
        }

        if !dropped && (fitsOneByte || !oneByte) {
            for element in header.extensions {
                guard let newID = map(element.id), newID != 0 else { continue }
                if oneByte {
                    packet[element.offset - 1] = newID << 4 | (packet[element.offset - 1] & 0x0F)
                } else {
                    packet[element.offset - 2] = newID
                }
            }
            return packet
        }

        var kept: [(id: UInt8, element: RTPHeaderExtensionElement)] = []
        kept.reserveCapacity(header.extensions.count)
        for element in header.extensions {
            guard let newID = map(element.id), newID != 0 else { continue }
            kept.append((newID, element))
        }
        let oneByteForm = kept.allSatisfy { $0.id <= 14 && (1...16).contains($0.element.length) }
        var rebuilt: [UInt8] = []
        rebuilt.reserveCapacity(packet.count + 4 + kept.count)
        rebuilt.append(contentsOf: packet[0..<blockStart])
        if !kept.isEmpty {
            var data: [UInt8] = []
            for (newID, element) in kept {
                if oneByteForm {
                    data.append(newID << 4 | UInt8(element.length - 1))
                } else {
                    data.append(newID)
                    data.append(UInt8(element.length))
                }
                data.append(contentsOf: packet[element.offset..<(element.offset + element.length)])
            }
            data.append(contentsOf: repeatElement(0, count: (4 - data.count % 4) % 4))
            let newProfile = oneByteForm ? RTPHeaderExtensionElement.oneByteProfile
                : (oneByte ? RTPHeaderExtensionElement.twoByteProfile : profile)
            let words = data.count / 4
            rebuilt.append(contentsOf: [UInt8(newProfile >> 8), UInt8(newProfile & 0xFF),
                                        UInt8(words >> 8), UInt8(words & 0xFF)])
            rebuilt.append(contentsOf: data)
            rebuilt[0] |= 0x10
        } else {
            rebuilt[0] &= ~0x10
        }
        rebuilt.append(contentsOf: packet[header.payloadOffset...])
        packet = rebuilt
        return packet
    }

    @inline(__always)
    static func store32(_ bytes: inout UnsafeMutableBufferPointer<UInt8>, _ offset: Int, _ value: UInt32) {
        bytes[offset] = UInt8(value >> 24)
        bytes[offset + 1] = UInt8((value >> 16) & 0xFF)
        bytes[offset + 2] = UInt8((value >> 8) & 0xFF)
        bytes[offset + 3] = UInt8(value & 0xFF)
    }
}
