/// One participant inside ``AudioMixer``: the receive side (jitter buffer → Opus decoder → PCM
/// FIFO → talk detector) and the listener side (its private mix-minus encoder, when it has one).
final class MixerChannel {
    let decoder: OpusDecoder
    var jitter: JitterBuffer
    var talk: TalkDetector
    var muted: Bool

    /// Decoded audio at the mixer rate, mono; the first `frameSamples` are this tick's frame.
    let pcm: UnsafeMutableBufferPointer<Int16>
    private(set) var pcmCount = 0
    let frameSamples: Int
    private let ticksPerSample: Int

    /// Set by ``fill()`` for the current tick.
    private(set) var frameHasAudio = false
    private(set) var framePlayedPacket = false
    private(set) var framePacketLevel: UInt8?
    var contributing = false

    /// Listener side.
    var privateEncoder: OpusEncoder?
    var onPrivateStream = false
    var hangover = 0

    var pushes = 0
    var corruptPayloads = 0
    var mutedDrops = 0
    var decodeErrors = 0
    var skippedDecodes = 0
    /// Set when a packet was skipped: the decoder's history no longer matches the stream.
    private var decoderStale = false

    init(sampleRate: OpusSampleRate, frameSamples: Int, jitter: JitterBuffer.Configuration,
         talk: TalkDetector.Configuration, muted: Bool) throws(OpusCodecError) {
        self.decoder = try OpusDecoder(sampleRate: sampleRate, channels: 1)
        self.jitter = JitterBuffer(configuration: jitter)
        self.talk = TalkDetector(configuration: talk)
        self.muted = muted
        self.frameSamples = frameSamples
        self.ticksPerSample = sampleRate.rtpTicksPerSample
        let capacity = frameSamples + sampleRate.maxPacketSamples
        self.pcm = UnsafeMutableBufferPointer<Int16>.allocate(capacity: capacity)
        self.pcm.initialize(repeating: 0)
    }

    deinit { pcm.deallocate() }

    /// The current tick's frame (valid after ``fill()``).
    var frame: UnsafeBufferPointer<Int16> {
        UnsafeBufferPointer(rebasing: pcm[0..<frameSamples])
    }

    /// Pulls decoded audio until one frame is available; pads with zeros when the stream is idle.
    ///
    /// - Parameter skipLevel: when set, a packet whose header-extension level is above it (quieter)
    ///   is not decoded at all: its duration becomes silence and only its level is reported. The
    ///   mixer passes its gate for participants that are not talking, whose quiet frames would stay
    ///   out of the mix anyway. The decoder is reset before the next packet it does decode, as for a
    ///   new stream, rather than continuing from a stale history.
    func fill(skipLevel: UInt8? = nil) {
        frameHasAudio = pcmCount > 0
        framePlayedPacket = false
        framePacketLevel = nil
        var steps = 0
        while pcmCount < frameSamples {
            steps += 1
            let neededTicks = (frameSamples - pcmCount) * ticksPerSample
            let action = steps > 64 ? .idle : jitter.next(neededTicks: neededTicks)
            switch action {
            case .play(let packet):
                if let skipLevel, let level = packet.audioLevel, level > skipLevel {
                    skippedDecodes += 1
                    decoderStale = true
                    appendSilence(samples: packet.durationTicks / ticksPerSample)
                    framePlayedPacket = true
                    framePacketLevel = min(framePacketLevel ?? AudioLevel.silence, level)
                    continue
                }
                refreshDecoder()
                let produced = decodePacket(packet)
                if produced > 0 {
                    pcmCount += produced
                    framePlayedPacket = true
                    frameHasAudio = true
                    if let level = packet.audioLevel {
                        framePacketLevel = min(framePacketLevel ?? AudioLevel.silence, level)
                    }
                } else {
                    appendConcealment(ticks: packet.durationTicks)
                }
            case .recover(let packet, let ticks):
                refreshDecoder()
                let samples = ticks / ticksPerSample
                let produced = packet.payload.withUnsafeBytes { bytes in
                    (try? decoder.decodeFEC(bytes, samples: samples, into: free)) ?? 0
                }
                if produced > 0 {
                    pcmCount += produced
                    frameHasAudio = true
                } else {
                    decodeErrors += 1
                    appendConcealment(ticks: ticks)
                }
            case .conceal(let ticks):
                appendConcealment(ticks: ticks)
            case .silence(let ticks):
                appendSilence(samples: ticks / ticksPerSample)
            case .idle:
                appendSilence(samples: frameSamples - pcmCount)
            }
        }
    }

    /// Drops the current frame, keeping any decoded audio beyond it for the next tick.
    func consumeFrame() {
        let rest = pcmCount - frameSamples
        if rest > 0, let base = pcm.baseAddress {
            base.update(from: base + frameSamples, count: rest)
            pcmCount = rest
        } else {
            pcmCount = 0
        }
    }

    /// Forgets buffered and decoded audio (mute/unmute): the next packet starts a fresh stream.
    /// - Returns: `true` when the participant was talking.
    func resetReceiveSide() -> Bool {
        jitter.reset()
        decoder.reset()
        decoderStale = false
        pcmCount = 0
        contributing = false
        return talk.reset()
    }

    private var free: UnsafeMutableBufferPointer<Int16> {
        UnsafeMutableBufferPointer(rebasing: pcm[pcmCount...])
    }

    private func decodePacket(_ packet: JitterBuffer.Packet) -> Int {
        do {
            return try packet.payload.withUnsafeBytes { (bytes) throws(OpusCodecError) -> Int in
                try decoder.decode(bytes, into: free)
            }
        } catch {
            decodeErrors += 1
            return 0
        }
    }

    private func refreshDecoder() {
        if decoderStale {
            decoder.reset()
            decoderStale = false
        }
    }

    private func appendConcealment(ticks: Int) {
        let samples = ticks / ticksPerSample
        if decoderStale {
            // Nothing sensible to extrapolate from skipped audio: the gap stays silent.
            appendSilence(samples: samples)
            return
        }
        let produced = (try? decoder.conceal(samples: samples, into: free)) ?? 0
        if produced > 0 {
            pcmCount += produced
            frameHasAudio = true
        } else {
            appendSilence(samples: samples)
        }
    }

    private func appendSilence(samples: Int) {
        let count = max(1, min(samples, pcm.count - pcmCount))
        guard count > 0, pcmCount < pcm.count else { return }
        UnsafeMutableBufferPointer(rebasing: pcm[pcmCount..<(pcmCount + count)]).update(repeating: 0)
        pcmCount += count
    }
}
