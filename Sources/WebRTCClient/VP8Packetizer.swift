/// Splits VP8 frames into RTP payloads (RFC 7741 §4): each payload starts with a payload
/// descriptor carrying X=1, I=1 and a 15-bit PictureID (M=1); S=1 and PID=0 on the first
/// packet of a frame; the caller sets the RTP marker bit on the last payload. Pure, no I/O.
public struct VP8Packetizer: Sendable {
    /// Largest RTP payload (descriptor included) in bytes. 1200 leaves room for the RTP
    /// header, extensions and the SRTP tag under a 1280-byte path MTU.
    public let maxPayloadSize: Int
    /// The next PictureID (15 bits), incremented per frame and wrapping at 0x8000.
    public private(set) var pictureID: UInt16

    /// - Parameter maxPayloadSize: clamped to at least 16 bytes.
    public init(maxPayloadSize: Int = 1200, initialPictureID: UInt16 = 0) {
        self.maxPayloadSize = max(16, maxPayloadSize)
        self.pictureID = initialPictureID & 0x7FFF
    }

    /// Bytes of the payload descriptor this packetizer writes.
    public static let descriptorLength = 4

    /// The RTP payloads of one frame, in order. An empty frame yields no payloads.
    /// - Parameter nonReference: sets the N bit (the frame is not used as a reference).
    public mutating func packetize(frame: ArraySlice<UInt8>, nonReference: Bool = false) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        let chunk = maxPayloadSize - Self.descriptorLength
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity((frame.count + chunk - 1) / chunk)
        var offset = frame.startIndex
        var first = true
        while offset < frame.endIndex {
            let end = min(offset + chunk, frame.endIndex)
            var payload: [UInt8] = []
            payload.reserveCapacity(Self.descriptorLength + end - offset)
            // X | R | N | S | R | PID(3)
            payload.append(0x80 | (nonReference ? 0x20 : 0) | (first ? 0x10 : 0))
            payload.append(0x80)                                   // I=1
            payload.append(0x80 | UInt8((pictureID >> 8) & 0x7F))  // M=1, PictureID high bits
            payload.append(UInt8(pictureID & 0xFF))
            payload.append(contentsOf: frame[offset..<end])
            payloads.append(payload)
            offset = end
            first = false
        }
        pictureID = (pictureID &+ 1) & 0x7FFF
        return payloads
    }
}
