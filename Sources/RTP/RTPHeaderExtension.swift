/// One RFC 8285 header-extension element: its local ID and where its value sits in the packet.
public struct RTPHeaderExtensionElement: Hashable, Sendable {
    /// Local identifier: 1...14 in the one-byte form, 1...255 in the two-byte form.
    public var id: UInt8
    /// Offset of the element's value (after its 1- or 2-byte element header) in the packet.
    public var offset: Int
    /// Value length in bytes: 1...16 one-byte form, 0...255 two-byte form.
    public var length: Int

    public init(id: UInt8, offset: Int, length: Int) {
        self.id = id
        self.offset = offset
        self.length = length
    }

    /// The RFC 8285 one-byte header profile.
    public static let oneByteProfile: UInt16 = 0xBEDE
    /// The RFC 8285 two-byte header profile 0x100X (the low 4 "appbits" are application defined).
    public static let twoByteProfile: UInt16 = 0x1000

    public static func isOneByte(_ profile: UInt16) -> Bool { profile == oneByteProfile }
    public static func isTwoByte(_ profile: UInt16) -> Bool { profile & 0xFFF0 == twoByteProfile }

    /// Walks the elements of an extension block `buffer[start..<end]` (RFC 8285 §4.2, §4.3).
    ///
    /// - One-byte form: a 0x00 byte is padding and may appear between elements (BH-15); ID 15 stops
    ///   parsing (its length is ignored and later elements are not reported).
    /// - Two-byte form: a 0x00 ID byte is one padding byte; length may be 0.
    /// - Any other profile: no elements.
    /// - Returns: true when an element ran past `end` (parsing stopped there, earlier elements kept).
    static func parseElements(_ buffer: UnsafeRawBufferPointer, profile: UInt16, start: Int, end: Int,
                              into elements: inout [RTPHeaderExtensionElement]) -> Bool {
        guard end > start, end <= buffer.count, start >= 0 else { return false }
        if isOneByte(profile) {
            elements.reserveCapacity(min(end - start, 16))
            var index = start
            while index < end {
                let byte = buffer[index]
                if byte == 0 { index += 1; continue }
                let id = byte >> 4
                if id == 15 { break }
                let length = Int(byte & 0x0F) + 1
                guard length <= end - index - 1 else { return true }
                elements.append(RTPHeaderExtensionElement(id: id, offset: index + 1, length: length))
                index += 1 + length
            }
        } else if isTwoByte(profile) {
            elements.reserveCapacity(min(end - start, 16))
            var index = start
            while index < end {
                let id = buffer[index]
                if id == 0 { index += 1; continue }
                guard end - index >= 2 else { return true }
                let length = Int(buffer[index + 1])
                guard length <= end - index - 2 else { return true }
                elements.append(RTPHeaderExtensionElement(id: id, offset: index + 2, length: length))
                index += 2 + length
            }
        }
        return false
    }
}
