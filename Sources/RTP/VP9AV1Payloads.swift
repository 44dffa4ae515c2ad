/// The VP9 RTP payload descriptor's first byte (RFC 9628 §4.2): I|P|L|F|B|E|V|Z.
public enum VP9PayloadDescriptor {
    /// True for the first packet of a frame that needs no earlier frame: B (start of frame) = 1
    /// and P (inter-picture predicted) = 0 — a key frame, the only place a receiver (or an SFU
    /// consumer) can start decoding. False for an empty payload.
    public static func isKeyframe(payload: ArraySlice<UInt8>) -> Bool {
        guard let first = payload.first else { return false }
        return first & 0x08 != 0 && first & 0x40 == 0
    }

    public static func isKeyframe(payload: [UInt8]) -> Bool { isKeyframe(payload: payload[...]) }
}

/// The AV1 RTP aggregation header (AV1 RTP payload format §4.4): Z|Y|W W|N|-|-|-.
public enum AV1AggregationHeader {
    /// True when N = 1: the packet starts a new coded video sequence, i.e. a key frame with its
    /// sequence header (§4.4: "MUST be set to 1 if the packet is the first packet of a coded video
    /// sequence"). False for an empty payload.
    public static func isKeyframe(payload: ArraySlice<UInt8>) -> Bool {
        guard let first = payload.first else { return false }
        return first & 0x08 != 0
    }

    public static func isKeyframe(payload: [UInt8]) -> Bool { isKeyframe(payload: payload[...]) }
}
