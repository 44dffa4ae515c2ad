internal import COpus

/// What the mixer needs to know about one Opus packet before buffering it: validity, duration and
/// whether it carries in-band FEC (LBRR) for the packet before it.
///
/// Framing is checked with libopus' own parser (`opus_packet_parse`, RFC 6716 §3.2 and the R1–R7
/// rules of §3.4), so a packet accepted here is one `opus_decode` accepts.
public struct OpusPacketInfo: Equatable, Sendable {
    /// Coding mode of the packet (RFC 6716 §3.1, Table 2).
    public enum Mode: Equatable, Sendable {
        case silk, hybrid, celt
    }

    /// TOC configuration number, 0…31 (RFC 6716 §3.1).
    public var configuration: Int
    public var mode: Mode
    /// Audio bandwidth in Hz of the passband top: 4 000 (NB), 6 000 (MB), 8 000 (WB), 12 000 (SWB), 20 000 (FB).
    public var bandwidthHz: Int
    /// `true` when the TOC `s` bit says the frames are stereo.
    public var isStereo: Bool
    /// Opus frames in the packet (1…48).
    public var frameCount: Int
    /// Duration of one Opus frame in 48 kHz RTP ticks (120 = 2.5 ms … 2880 = 60 ms).
    public var frameTicks: Int
    /// Duration of the whole packet in 48 kHz RTP ticks (at most 5760 = 120 ms).
    public var durationTicks: Int { frameTicks * frameCount }
    /// `true` when the first frame carries LBRR data (RFC 6716 §4.2.4), i.e. a decoder that lost the
    /// previous packet can rebuild its last `frameTicks` with `opus_decode(…, decode_fec = 1)`.
    public var hasInbandFEC: Bool

    /// Inspects `payload` (the RTP payload, RFC 7587 §4.2). Never traps; returns why it is unusable.
    public static func inspect(_ payload: UnsafeRawBufferPointer) -> Result<OpusPacketInfo, OpusPacketError> {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count > 0 else {
            return .failure(.empty)
        }
        guard payload.count <= 65_535 else { return .failure(.tooLong(bytes: payload.count)) }
        let toc = Int(base[0])
        let configuration = toc >> 3
        let isStereo = (toc & 0x04) != 0
        let mode: Mode
        let bandwidthHz: Int
        let frameTicks: Int
        switch configuration {
        case 0...11:
            mode = .silk
            bandwidthHz = [4_000, 6_000, 8_000][configuration / 4]
            frameTicks = [480, 960, 1920, 2880][configuration % 4]
        case 12...15:
            mode = .hybrid
            bandwidthHz = configuration < 14 ? 12_000 : 20_000
            frameTicks = configuration % 2 == 0 ? 480 : 960
        default:
            mode = .celt
            bandwidthHz = [4_000, 8_000, 12_000, 20_000][(configuration - 16) / 4]
            frameTicks = [120, 240, 480, 960][configuration % 4]
        }

        // Let libopus validate the framing and locate frame 0.
        var firstFrameByte: UInt8?
        let frameCount: Int32 = withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: 48) { frames in
            withUnsafeTemporaryAllocation(of: opus_int16.self, capacity: 48) { sizes in
                guard let framesBase = frames.baseAddress, let sizesBase = sizes.baseAddress else { return OPUS_ALLOC_FAIL }
                var tocOut: UInt8 = 0
                var offset: Int32 = 0
                let count = opus_packet_parse(base, opus_int32(payload.count), &tocOut, framesBase, sizesBase, &offset)
                if count > 0, sizes[0] > 0, let frame0 = frames[0] {
                    firstFrameByte = frame0[0]
                }
                return count
            }
        }
        guard frameCount > 0 else {
            return .failure(.malformed(reason: OpusPacketInfo.libopusMessage(frameCount)))
        }
        guard Int(frameCount) * frameTicks <= 5_760 else {
            return .failure(.malformed(reason: "packet lasts more than 120 ms"))
        }

        var info = OpusPacketInfo(configuration: configuration, mode: mode, bandwidthHz: bandwidthHz,
                                  isStereo: isStereo, frameCount: Int(frameCount), frameTicks: frameTicks,
                                  hasInbandFEC: false)
        if mode != .celt, let byte = firstFrameByte {
            info.hasInbandFEC = Self.lbrrFlag(firstByte: byte, frameTicks: frameTicks, isStereo: isStereo)
        }
        return .success(info)
    }

    /// Convenience for `[UInt8]` payloads.
    public static func inspect(_ payload: [UInt8]) -> Result<OpusPacketInfo, OpusPacketError> {
        payload.withUnsafeBytes { inspect($0) }
    }

    /// The LBRR flag(s) of the SILK layer header (RFC 6716 §4.2.3).
    ///
    /// The SILK layer starts, per channel, with one VAD flag per SILK frame (1 for 10/20 ms, 2 for
    /// 40 ms, 3 for 60 ms) then one LBRR flag, all coded with probability ½. The range coder
    /// (RFC 6716 §4.1) turns leading equiprobable symbols into the leading bits of the first byte, so
    /// the mid-channel LBRR flag is bit `7 − n` and the side-channel one bit `6 − 2n` (MSB = bit 7).
    static func lbrrFlag(firstByte: UInt8, frameTicks: Int, isStereo: Bool) -> Bool {
        let silkFrames = max(1, frameTicks / 960)
        var flag = (firstByte >> UInt8(7 - silkFrames)) & 1 == 1
        if isStereo {
            flag = flag || (firstByte >> UInt8(6 - 2 * silkFrames)) & 1 == 1
        }
        return flag
    }

    static func libopusMessage(_ code: Int32) -> String {
        guard let message = opus_strerror(code) else { return "libopus error \(code)" }
        return String(cString: message)
    }
}
