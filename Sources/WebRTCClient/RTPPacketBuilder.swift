/// Builds RTP packets as wire bytes (RFC 3550 §5.1) with an optional RFC 8285 one-byte header
/// extension block. Pure: no I/O.
public enum RTPPacketBuilder {
    /// One RFC 8285 one-byte extension element: `id` 1…14, `value` 1…16 bytes. Elements outside
    /// those bounds are skipped (never trap).
    public struct Extension: Equatable, Sendable {
        public var id: UInt8
        public var value: [UInt8]
        public init(id: UInt8, value: [UInt8]) {
            self.id = id
            self.value = value
        }
    }

    /// A packet: 12-byte header (V=2, no padding, no CSRC), then the extension block when
    /// `extensions` is non-empty (profile 0xBEDE, padded to 32 bits), then `payload`.
    /// - Parameters:
    ///   - payloadType: 0…127 (higher bits are masked off).
    ///   - timestamp: in the codec's clock (90 kHz for video, 48 kHz for Opus).
    public static func packet(payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                              marker: Bool, extensions: [Extension] = [], payload: ArraySlice<UInt8>) -> [UInt8] {
        let valid = extensions.filter { (1...14).contains($0.id) && (1...16).contains($0.value.count) }
        var out: [UInt8] = []
        out.reserveCapacity(12 + payload.count + (valid.isEmpty ? 0 : 4 + valid.count * 17))
        out.append(valid.isEmpty ? 0x80 : 0x90)
        out.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        append16(&out, sequenceNumber)
        append32(&out, timestamp)
        append32(&out, ssrc)
        if !valid.isEmpty {
            var block: [UInt8] = []
            for element in valid {
                block.append(element.id << 4 | UInt8(element.value.count - 1))
                block.append(contentsOf: element.value)
            }
            while block.count % 4 != 0 { block.append(0) }
            append16(&out, 0xBEDE)
            append16(&out, UInt16(block.count / 4))
            out.append(contentsOf: block)
        }
        out.append(contentsOf: payload)
        return out
    }

    static func append16(_ out: inout [UInt8], _ v: UInt16) {
        out.append(UInt8(v >> 8))
        out.append(UInt8(v & 0xFF))
    }

    static func append32(_ out: inout [UInt8], _ v: UInt32) {
        out.append(UInt8(v >> 24))
        out.append(UInt8((v >> 16) & 0xFF))
        out.append(UInt8((v >> 8) & 0xFF))
        out.append(UInt8(v & 0xFF))
    }
}
