internal import COpus

/// A libopus decoder (RFC 6716) producing interleaved 16-bit PCM.
///
/// A mono decoder accepts stereo packets (libopus down-mixes them); a stereo decoder accepts mono
/// packets (duplicated into both channels). Besides normal decoding it offers the two loss
/// remedies of libopus: packet-loss concealment (`opus_decode` with a NULL payload) and in-band FEC
/// (`decode_fec = 1`, rebuilding the lost packet from the LBRR data of the one after it).
///
/// Corrupt input never traps: framing errors are thrown as ``OpusCodecError/invalidPacket(_:)``
/// before libopus is called, and libopus errors as ``OpusCodecError/libopus(function:code:message:)``.
/// Not thread-safe: use one decoder from one thread at a time.
public final class OpusDecoder {
    public let sampleRate: OpusSampleRate
    /// 1 (mono) or 2 (stereo, interleaved L R).
    public let channels: Int
    private let state: OpaquePointer

    /// Largest decode result in samples per channel: 120 ms at ``sampleRate``.
    public var maxSamplesPerChannel: Int { sampleRate.maxPacketSamples }

    /// Creates a decoder. Throws ``OpusCodecError/invalidArgument(reason:)`` for a channel count other than 1 or 2.
    public init(sampleRate: OpusSampleRate = .hz48000, channels: Int = 1) throws(OpusCodecError) {
        guard channels == 1 || channels == 2 else {
            throw .invalidArgument(reason: "channels must be 1 or 2, got \(channels)")
        }
        var error: Int32 = 0
        guard let state = opus_decoder_create(opus_int32(sampleRate.rawValue), Int32(channels), &error), error == OPUS_OK else {
            throw .libopus(function: "opus_decoder_create", code: error, message: OpusPacketInfo.libopusMessage(error))
        }
        self.sampleRate = sampleRate
        self.channels = channels
        self.state = state
    }

    deinit { opus_decoder_destroy(state) }

    /// Decodes one packet into `output` (interleaved, capacity counted in `Int16` values).
    /// - Returns: samples per channel written (duration of the packet at ``sampleRate``).
    /// - Throws: ``OpusCodecError/invalidPacket(_:)`` for an unusable payload, ``OpusCodecError/invalidArgument(reason:)``
    ///   when `output` cannot hold the packet, ``OpusCodecError/libopus(function:code:message:)`` otherwise.
    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>) throws(OpusCodecError) -> Int {
        let info: OpusPacketInfo
        switch OpusPacketInfo.inspect(payload) {
        case .success(let value): info = value
        case .failure(let error): throw .invalidPacket(error)
        }
        let needed = sampleRate.samples(rtpTicks: info.durationTicks)
        guard output.count >= needed * channels else {
            throw .invalidArgument(reason: "output holds \(output.count / channels) samples per channel, packet needs \(needed)")
        }
        return try run("opus_decode", payload, output, samples: output.count / channels, fec: false)
    }

    /// Rebuilds the packet lost just before `payload` from `payload`'s in-band FEC (RFC 6716 §2.1.7).
    ///
    /// `samples` (per channel) must be exactly the missing duration, a multiple of 2.5 ms. When the
    /// packet carries no LBRR data libopus conceals instead (same result as ``conceal(samples:into:)``).
    public func decodeFEC(_ payload: UnsafeRawBufferPointer, samples: Int, into output: UnsafeMutableBufferPointer<Int16>) throws(OpusCodecError) -> Int {
        if case .failure(let error) = OpusPacketInfo.inspect(payload) { throw .invalidPacket(error) }
        try checkLossDuration(samples, output)
        return try run("opus_decode(fec)", payload, output, samples: samples, fec: true)
    }

    /// Packet-loss concealment for `samples` per channel (a multiple of 2.5 ms, at most 120 ms).
    public func conceal(samples: Int, into output: UnsafeMutableBufferPointer<Int16>) throws(OpusCodecError) -> Int {
        try checkLossDuration(samples, output)
        guard let out = output.baseAddress else { throw .invalidArgument(reason: "empty output") }
        let result = opus_decode(state, nil, 0, out, Int32(samples), 0)
        guard result >= 0 else {
            throw .libopus(function: "opus_decode(plc)", code: result, message: OpusPacketInfo.libopusMessage(result))
        }
        return Int(result)
    }

    /// Convenience: decodes `payload` into a new array (interleaved).
    public func decode(_ payload: [UInt8]) throws(OpusCodecError) -> [Int16] {
        var pcm = [Int16](repeating: 0, count: maxSamplesPerChannel * channels)
        let count = try payload.withUnsafeBytes { bytes in
            pcm.withUnsafeMutableBufferPointer { out in
                Result { () throws(OpusCodecError) -> Int in try decode(bytes, into: out) }
            }
        }.get()
        pcm.removeSubrange((count * channels)...)
        return pcm
    }

    /// Convenience: ``decodeFEC(_:samples:into:)`` into a new array.
    public func decodeFEC(_ payload: [UInt8], samples: Int) throws(OpusCodecError) -> [Int16] {
        var pcm = [Int16](repeating: 0, count: max(samples, 0) * channels)
        let count = try payload.withUnsafeBytes { bytes in
            pcm.withUnsafeMutableBufferPointer { out in
                Result { () throws(OpusCodecError) -> Int in try decodeFEC(bytes, samples: samples, into: out) }
            }
        }.get()
        pcm.removeSubrange((count * channels)...)
        return pcm
    }

    /// Convenience: ``conceal(samples:into:)`` into a new array.
    public func conceal(samples: Int) throws(OpusCodecError) -> [Int16] {
        var pcm = [Int16](repeating: 0, count: max(samples, 0) * channels)
        let count = try pcm.withUnsafeMutableBufferPointer { out in
            Result { () throws(OpusCodecError) -> Int in try conceal(samples: samples, into: out) }
        }.get()
        pcm.removeSubrange((count * channels)...)
        return pcm
    }

    /// Forgets all history (`OPUS_RESET_STATE`), as for a new stream.
    public func reset() {
        _ = parley_opus_decoder_reset_state(state)
    }

    private func checkLossDuration(_ samples: Int, _ output: UnsafeMutableBufferPointer<Int16>) throws(OpusCodecError) {
        let quantum = sampleRate.rawValue / 400  // 2.5 ms
        guard samples > 0, samples % quantum == 0, samples <= maxSamplesPerChannel else {
            throw .invalidArgument(reason: "lost duration must be a positive multiple of 2.5 ms up to 120 ms, got \(samples) samples at \(sampleRate)")
        }
        guard output.count >= samples * channels else {
            throw .invalidArgument(reason: "output holds \(output.count / channels) samples per channel, need \(samples)")
        }
    }

    private func run(_ function: String, _ payload: UnsafeRawBufferPointer, _ output: UnsafeMutableBufferPointer<Int16>,
                     samples: Int, fec: Bool) throws(OpusCodecError) -> Int {
        guard let data = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), let out = output.baseAddress else {
            throw .invalidPacket(.empty)
        }
        let result = opus_decode(state, data, opus_int32(payload.count), out, Int32(samples), fec ? 1 : 0)
        guard result >= 0 else {
            throw .libopus(function: function, code: result, message: OpusPacketInfo.libopusMessage(result))
        }
        return Int(result)
    }
}
