internal import COpus

/// A libopus encoder (RFC 6716) fed with interleaved 16-bit PCM.
///
/// The state is allocated in one block (`opus_encoder_get_size` + `opus_encoder_init`), which
/// libopus documents as copyable with a shallow copy: ``copyState(from:)`` uses that so a listener
/// can leave the shared mix stream for a private one without the receiving decoder noticing a
/// change of encoder. Not thread-safe.
public final class OpusEncoder {
    /// Encoder settings (`OPUS_SET_*` requests, RFC 6716 §2.1).
    public struct Configuration: Equatable, Sendable {
        /// Coding intent (`OPUS_APPLICATION_*`).
        public enum Application: Equatable, Sendable {
            /// Speech intelligibility first (`OPUS_APPLICATION_VOIP`).
            case voip
            /// Fidelity first (`OPUS_APPLICATION_AUDIO`).
            case audio
            /// Lowest delay, CELT only, no FEC (`OPUS_APPLICATION_RESTRICTED_LOWDELAY`).
            case restrictedLowDelay
        }

        public var sampleRate: OpusSampleRate
        /// 1 or 2.
        public var channels: Int
        public var application: Application
        /// Target bitrate in bits/s, 500…512 000.
        public var bitrate: Int
        /// 0 (fastest) … 10 (best).
        public var complexity: Int
        /// Emit LBRR data so receivers can rebuild a lost packet from the next one.
        public var inbandFEC: Bool
        /// Expected loss in percent (0…100); LBRR is only produced when this is above 0.
        public var packetLossPercent: Int

        public init(sampleRate: OpusSampleRate = .hz48000, channels: Int = 1, application: Application = .voip,
                    bitrate: Int = 32_000, complexity: Int = 5, inbandFEC: Bool = true, packetLossPercent: Int = 10) {
            self.sampleRate = sampleRate
            self.channels = channels
            self.application = application
            self.bitrate = bitrate
            self.complexity = complexity
            self.inbandFEC = inbandFEC
            self.packetLossPercent = packetLossPercent
        }
    }

    public let configuration: Configuration
    private let memory: UnsafeMutableRawPointer
    private let size: Int
    private var state: OpaquePointer { OpaquePointer(memory) }

    /// Largest packet ``encode(_:into:)`` produces; RFC 6716 §3.2.1 caps one frame at 1275 bytes.
    public static let maxPacketBytes = 1_500

    /// Creates and configures an encoder.
    /// - Throws: ``OpusCodecError/invalidArgument(reason:)`` for out-of-range settings,
    ///   ``OpusCodecError/libopus(function:code:message:)`` when libopus refuses one.
    public init(_ configuration: Configuration = Configuration()) throws(OpusCodecError) {
        let c = configuration
        guard c.channels == 1 || c.channels == 2 else {
            throw .invalidArgument(reason: "channels must be 1 or 2, got \(c.channels)")
        }
        guard (500...512_000).contains(c.bitrate) else {
            throw .invalidArgument(reason: "bitrate must be 500…512000 bits/s, got \(c.bitrate)")
        }
        guard (0...10).contains(c.complexity) else {
            throw .invalidArgument(reason: "complexity must be 0…10, got \(c.complexity)")
        }
        guard (0...100).contains(c.packetLossPercent) else {
            throw .invalidArgument(reason: "packet loss must be 0…100 %, got \(c.packetLossPercent)")
        }
        let size = Int(opus_encoder_get_size(Int32(c.channels)))
        guard size > 0 else {
            throw .libopus(function: "opus_encoder_get_size", code: Int32(OPUS_BAD_ARG), message: "no size")
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        let application: Int32
        switch c.application {
        case .voip: application = OPUS_APPLICATION_VOIP
        case .audio: application = OPUS_APPLICATION_AUDIO
        case .restrictedLowDelay: application = OPUS_APPLICATION_RESTRICTED_LOWDELAY
        }
        let encoder = OpaquePointer(memory)
        var failure: (String, Int32)?
        let initResult = opus_encoder_init(encoder, opus_int32(c.sampleRate.rawValue), Int32(c.channels), application)
        if initResult != OPUS_OK {
            failure = ("opus_encoder_init", initResult)
        } else {
            let settings: [(String, Int32)] = [
                ("OPUS_SET_BITRATE", parley_opus_set_bitrate(encoder, opus_int32(c.bitrate))),
                ("OPUS_SET_COMPLEXITY", parley_opus_set_complexity(encoder, opus_int32(c.complexity))),
                ("OPUS_SET_INBAND_FEC", parley_opus_set_inband_fec(encoder, c.inbandFEC ? 1 : 0)),
                ("OPUS_SET_PACKET_LOSS_PERC", parley_opus_set_packet_loss_perc(encoder, opus_int32(c.packetLossPercent))),
                ("OPUS_SET_SIGNAL", c.application == .voip ? parley_opus_set_signal_voice(encoder) : OPUS_OK),
            ]
            failure = settings.first { $0.1 != OPUS_OK }
        }
        if let (function, code) = failure {
            memory.deallocate()
            throw .libopus(function: function, code: code, message: OpusPacketInfo.libopusMessage(code))
        }
        self.configuration = c
        self.memory = memory
        self.size = size
    }

    deinit { memory.deallocate() }

    /// Encodes one frame of `pcm` (interleaved; 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms per channel)
    /// into `output`.
    /// - Returns: packet length in bytes (1 … `output.count`).
    /// - Throws: ``OpusCodecError/invalidArgument(reason:)`` for another duration or a short `output`;
    ///   ``OpusCodecError/libopus(function:code:message:)`` when encoding fails.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into output: UnsafeMutableRawBufferPointer) throws(OpusCodecError) -> Int {
        let channels = configuration.channels
        let perChannel = pcm.count / channels
        let quantum = configuration.sampleRate.rawValue / 400  // 2.5 ms
        let quanta = perChannel % quantum == 0 ? perChannel / quantum : 0
        let isOpusDuration: Bool
        switch quanta {
        case 1, 2, 4, 8, 16, 24, 32, 40, 48: isOpusDuration = true
        default: isOpusDuration = false
        }
        guard pcm.count % channels == 0, isOpusDuration else {
            throw .invalidArgument(reason: "frame of \(perChannel) samples per channel is not an Opus frame duration at \(configuration.sampleRate)")
        }
        guard let input = pcm.baseAddress, let out = output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count >= 2 else {
            throw .invalidArgument(reason: "empty input or output buffer")
        }
        let result = opus_encode(state, input, Int32(perChannel), out, opus_int32(min(output.count, Int(Int32.max))))
        guard result > 0 else {
            throw .libopus(function: "opus_encode", code: result, message: OpusPacketInfo.libopusMessage(result))
        }
        return Int(result)
    }

    /// Convenience: encodes `pcm` into a new packet.
    public func encode(_ pcm: [Int16]) throws(OpusCodecError) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: Self.maxPacketBytes)
        let count = try pcm.withUnsafeBufferPointer { input in
            packet.withUnsafeMutableBytes { out in
                Result { () throws(OpusCodecError) -> Int in try encode(input, into: out) }
            }
        }.get()
        packet.removeSubrange(count...)
        return packet
    }

    /// Makes this encoder's state identical to `other`'s: the next packets continue `other`'s stream
    /// (same prediction history), so a decoder that followed `other` decodes them seamlessly.
    /// - Throws: ``OpusCodecError/invalidArgument(reason:)`` when the configurations differ.
    public func copyState(from other: OpusEncoder) throws(OpusCodecError) {
        guard other.configuration == configuration, other.size == size else {
            throw .invalidArgument(reason: "encoder states can only be copied between identical configurations")
        }
        if other !== self { memory.copyMemory(from: other.memory, byteCount: size) }
    }

    /// Forgets all history (`OPUS_RESET_STATE`), as for a new stream; settings are kept.
    public func reset() {
        _ = parley_opus_encoder_reset_state(state)
    }
}
