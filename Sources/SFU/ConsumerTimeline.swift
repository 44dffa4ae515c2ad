import RTP

/// The continuous outgoing timeline of one consumer: maps packets of whichever simulcast layer is
/// being forwarded to one RTP sequence-number space, one timestamp space and one VP8 PictureID /
/// TL0PICIDX space, so the subscriber sees a single stream (RFC 3550 §5.1, RFC 7741 §4.2). Pure
/// logic, no I/O: the consumer feeds it every packet of its producer and applies the decision.
///
/// Rules:
/// - the first packet forwarded, and every layer switch, is the first packet of a key frame of the
///   target layer; packets of other layers are dropped;
/// - at a switch the new layer continues at last sequence number + 1, at the last timestamp plus
///   the wall-clock time since the last packet (at least one tick), and at last PictureID + 1 /
///   TL0PICIDX + 1;
/// - a padding-only packet (bandwidth probe, BH-18) of the current layer is dropped and the later
///   sequence numbers shift down by one, so the subscriber sees no gap; probes of other layers
///   change nothing (drop bookkeeping is per layer);
/// - the initial sequence number is in 1...32767 (BH-20: the receiver's SRTP rollover counter
///   guess stays right even if the first packets are lost).
struct ConsumerTimeline {
    /// What to do with one incoming packet.
    enum Decision: Equatable {
        case drop(DropReason)
        /// Forward with these outgoing values; `pictureID`/`tl0PicIdx` are nil when the packet has
        /// no such field (leave it unchanged).
        case forward(sequenceNumber: UInt16, timestamp: UInt32, pictureID: UInt16?, tl0PicIdx: UInt8?)
    }

    enum DropReason: String, Equatable {
        /// Not the layer being sent, or a switch that waits for a key frame.
        case otherLayer = "other_layer"
        /// No key frame yet on the target layer (nothing sent so far).
        case waitingForKeyframe = "waiting_for_keyframe"
        /// Padding-only packet (probe).
        case paddingOnly = "padding_only"
        /// Older than the last layer switch (belongs to the previous mapping).
        case beforeSwitch = "before_switch"
    }

    /// One incoming packet, as the timeline needs it.
    struct Input {
        var layer: Int
        var sequenceNumber: UInt16
        var timestamp: UInt32
        var isKeyframe: Bool
        var isPaddingOnly: Bool
        /// VP8 PictureID / TL0PICIDX when present, with the PictureID modulus (128 or 32 768).
        var pictureID: UInt16? = nil
        var pictureIDModulus: UInt16 = 0x8000
        var tl0PicIdx: UInt8? = nil
    }

    /// The layer currently forwarded (nil before the first key frame).
    private(set) var currentLayer: Int?
    private(set) var lastSequenceNumber: UInt16
    private(set) var lastTimestamp: UInt32
    private(set) var layerSwitches = 0
    private var started = false
    private var sequenceOffset: UInt16 = 0
    private(set) var timestampOffset: UInt32 = 0
    private var pictureIDOffset: UInt16 = 0
    private var tl0Offset: UInt8 = 0
    /// Highest incoming sequence number of the current layer.
    private var highestInput: UInt16 = 0
    /// First incoming sequence number mapped with the current layer's first offset.
    private var switchInput: UInt16 = 0
    /// Offset in force before the last padding drop and the sequence number it applied up to.
    private var previousOffset: (upTo: UInt16, offset: UInt16)?
    private var lastPictureID: UInt16?
    private var lastTL0PicIdx: UInt8?
    private var lastForwardMs: Int64 = 0
    private let clockRate: UInt32

    /// - Parameters:
    ///   - initialSequenceNumber: the first outgoing sequence number; a random one in 1...32767 by default.
    ///   - initialTimestamp: the first outgoing timestamp (clock-rate units).
    ///   - clockRate: RTP clock rate in Hz (90 000 for video), used to advance timestamps at a switch.
    init(initialSequenceNumber: UInt16 = UInt16.random(in: 1...32767),
         initialTimestamp: UInt32 = UInt32.random(in: 0...UInt32.max), clockRate: UInt32 = 90_000) {
        lastSequenceNumber = initialSequenceNumber &- 1
        lastTimestamp = initialTimestamp
        self.clockRate = clockRate
    }

    var hasStarted: Bool { started }

    /// Decides what to send for `input`, arriving at `nowMs` (ms, monotonic), while the consumer
    /// wants `targetLayer`.
    mutating func process(_ input: Input, targetLayer: Int, nowMs: Int64) -> Decision {
        if input.layer != currentLayer {
            guard input.layer == targetLayer, input.isKeyframe, !input.isPaddingOnly else {
                return .drop(started ? .otherLayer : .waitingForKeyframe)
            }
            switchTo(input, nowMs: nowMs)
        }
        if input.isPaddingOnly {
            // Only an in-order probe shifts the mapping; a late one is simply dropped.
            if SequenceNumberUnwrapper.isNewer(input.sequenceNumber, than: highestInput) {
                if input.sequenceNumber == highestInput &+ 1 {
                    previousOffset = (upTo: input.sequenceNumber, offset: sequenceOffset)
                    sequenceOffset = sequenceOffset &- 1
                }
                highestInput = input.sequenceNumber
            }
            return .drop(.paddingOnly)
        }
        if input.sequenceNumber != switchInput, !SequenceNumberUnwrapper.isNewer(input.sequenceNumber, than: switchInput) {
            return .drop(.beforeSwitch)
        }
        var offset = sequenceOffset
        if let previous = previousOffset, !SequenceNumberUnwrapper.isNewer(input.sequenceNumber, than: previous.upTo) {
            offset = previous.offset
        }
        let sequenceNumber = input.sequenceNumber &+ offset
        let timestamp = input.timestamp &+ timestampOffset
        var pictureID: UInt16?
        if let id = input.pictureID {
            let modulus = UInt32(input.pictureIDModulus)
            pictureID = UInt16((UInt32(id) + UInt32(pictureIDOffset)) % modulus)
        }
        let tl0 = input.tl0PicIdx.map { $0 &+ tl0Offset }
        if SequenceNumberUnwrapper.isNewer(input.sequenceNumber, than: highestInput) || input.sequenceNumber == switchInput {
            highestInput = input.sequenceNumber
            lastSequenceNumber = sequenceNumber
            lastTimestamp = timestamp
            lastForwardMs = nowMs
            if let pictureID { lastPictureID = pictureID }
            if let tl0 { lastTL0PicIdx = tl0 }
        }
        return .forward(sequenceNumber: sequenceNumber, timestamp: timestamp, pictureID: pictureID, tl0PicIdx: tl0)
    }

    private mutating func switchTo(_ input: Input, nowMs: Int64) {
        let nextSequence = lastSequenceNumber &+ 1
        sequenceOffset = nextSequence &- input.sequenceNumber
        previousOffset = nil
        if started {
            let elapsed = max(1, nowMs - lastForwardMs)
            let ticks = UInt32(truncatingIfNeeded: min(elapsed, 10_000) * Int64(clockRate) / 1000)
            timestampOffset = (lastTimestamp &+ max(1, ticks)) &- input.timestamp
            layerSwitches += 1
        } else {
            timestampOffset = lastTimestamp &- input.timestamp
        }
        if let id = input.pictureID {
            let modulus = UInt32(input.pictureIDModulus)
            let next = lastPictureID.map { (UInt32($0) + 1) % modulus } ?? UInt32(id)
            pictureIDOffset = UInt16((next + modulus - UInt32(id) % modulus) % modulus)
        } else {
            pictureIDOffset = 0
        }
        if let tl0 = input.tl0PicIdx {
            tl0Offset = (lastTL0PicIdx.map { $0 &+ 1 } ?? tl0) &- tl0
        } else {
            tl0Offset = 0
        }
        currentLayer = input.layer
        highestInput = input.sequenceNumber
        switchInput = input.sequenceNumber
        started = true
    }
}

extension ConsumerTimeline {
    /// The offset from `layer`'s RTP timestamps to the outgoing ones, nil unless `layer` is the
    /// one being forwarded (sender reports of other layers must not be translated).
    func timestampOffset(forLayer layer: Int) -> UInt32? {
        guard started, currentLayer == layer else { return nil }
        return timestampOffset
    }
}
