/// The transport-wide sequence number header extension
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2,
/// `http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01`): a 16-bit big-endian
/// counter incremented for every packet sent on the transport, whatever its SSRC. Its local ID comes
/// from the negotiated `a=extmap`.
extension RTPHeader {
    /// The transport-wide sequence number of `packet` (the packet this header was parsed from), nil when
    /// the element with `id` is absent or its value is not exactly 2 bytes.
    public func transportWideSequence<C: Collection>(id: UInt8, in packet: C) -> UInt16? where C.Index == Int, C.Element == UInt8 {
        guard let value = extensionValue(id: id, in: packet), value.count == 2 else { return nil }
        let first = value.startIndex
        return UInt16(value[first]) << 8 | UInt16(value[first + 1])
    }

    /// Overwrites the transport-wide sequence number in place (a forwarder numbers the packets of each
    /// outgoing transport itself).
    /// - Returns: false (packet unchanged) when the element with `id` is absent, not 2 bytes, or
    ///   `packet` is not the packet this header was parsed from.
    @discardableResult
    public func setTransportWideSequence(_ sequence: UInt16, id: UInt8, in packet: inout [UInt8]) -> Bool {
        guard let element = extensionElement(id: id), element.length == 2, element.offset >= 0,
              element.offset + 2 <= packet.count else { return false }
        packet[element.offset] = UInt8(sequence >> 8)
        packet[element.offset + 1] = UInt8(sequence & 0xFF)
        return true
    }
}
