/// Sample rates libopus encodes and decodes at (RFC 6716 §2).
///
/// Whatever the codec rate, the RTP clock of an Opus stream is always 48 kHz (RFC 7587 §4.1):
/// a 20 ms frame is 960 RTP ticks at every rate.
public enum OpusSampleRate: Int, Sendable, CaseIterable, CustomStringConvertible {
    case hz8000 = 8000
    case hz12000 = 12000
    case hz16000 = 16000
    case hz24000 = 24000
    case hz48000 = 48000

    /// RTP ticks (48 kHz clock, RFC 7587) per sample at this rate: 6, 4, 3, 2 or 1.
    public var rtpTicksPerSample: Int { 48_000 / rawValue }

    /// Samples per channel in `milliseconds` of audio.
    public func samples(milliseconds: Int) -> Int { rawValue / 1000 * milliseconds }

    /// Samples per channel covering `rtpTicks` ticks of the 48 kHz RTP clock (rounded down).
    public func samples(rtpTicks: Int) -> Int { rtpTicks / rtpTicksPerSample }

    /// Samples per channel in 120 ms, the longest Opus packet (RFC 6716 §3.2.5).
    public var maxPacketSamples: Int { samples(milliseconds: 120) }

    public var description: String { "\(rawValue) Hz" }
}

/// Why a payload is not a usable Opus packet (RFC 6716 §3, §3.4 rules R1–R7).
public enum OpusPacketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Zero bytes: RFC 6716 §3.4 R1 requires at least the TOC byte.
    case empty
    /// More bytes than any RTP payload can carry (`bytes` received, limit 65 535).
    case tooLong(bytes: Int)
    /// libopus' framing parser rejected it (frame lengths that lie, bad code-3 header, over 120 ms…).
    case malformed(reason: String)

    public var description: String {
        switch self {
        case .empty: return "empty Opus payload"
        case .tooLong(let bytes): return "Opus payload of \(bytes) bytes exceeds 65535"
        case .malformed(let reason): return "malformed Opus packet: \(reason)"
        }
    }
}

/// Errors thrown by ``OpusEncoder`` and ``OpusDecoder``.
public enum OpusCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter libopus would refuse (channel count, frame duration, bitrate…); `reason` says which.
    case invalidArgument(reason: String)
    /// libopus returned the negative error `code` from `function` (`message` is `opus_strerror`).
    case libopus(function: String, code: Int32, message: String)
    /// The payload given to the decoder is not an Opus packet.
    case invalidPacket(OpusPacketError)

    public var description: String {
        switch self {
        case .invalidArgument(let reason): return "invalid Opus argument: \(reason)"
        case .libopus(let function, let code, let message): return "\(function) failed (\(code)): \(message)"
        case .invalidPacket(let error): return error.description
        }
    }
}
