/// CRC-32 (ISO-HDLC / IEEE 802.3, reflected polynomial 0xEDB88320), as required by the STUN
/// FINGERPRINT attribute (RFC 8489 §14.7). Table-driven, one table lookup per byte.
public enum CRC32 {
    /// The 256-entry lookup table, computed once.
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (0xEDB8_8320 ^ (value >> 1)) : (value >> 1)
        }
        return value
    }

    /// CRC-32 of `bytes` (initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF).
    /// `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { lookup in
            for byte in bytes {
                crc = lookup[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
