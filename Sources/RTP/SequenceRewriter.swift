/// Maps one forwarded input stream's sequence numbers onto a subscriber's outgoing sequence space
/// without gaps (BH-18).
///
/// Use one rewriter per outgoing stream. Call `forward` for every packet that is sent and `drop` for
/// every packet of the SELECTED input stream that is not sent (padding-only probes, filtered temporal
/// layers): later packets are shifted down so the subscriber sees no gap and never NACKs a packet that
/// was never sent. Packets of non-selected simulcast layers must not touch this rewriter at all (drop
/// bookkeeping is per input SSRC: mediasoup#1429). On a layer switch call `switchInput()`: the next
/// forwarded packet continues right after the highest output number.
///
/// A drop that arrives after a newer packet was already forwarded cannot be hidden (the later packet's
/// number is out) and leaves a gap; an input older than the sync point is refused (nil) rather than
/// reusing a number the previous input already used.
public struct RTPSequenceRewriter: Sendable {
    /// How many dropped input numbers are remembered individually; older ones fold into the offset.
    public static let droppedWindow = 4096

    private var unwrapper = SequenceNumberUnwrapper()
    /// input − output before subtracting remembered drops; nil until the first forwarded packet.
    private var offset: Int64?
    /// Inputs below this are refused (before the sync point, or older than folded drops).
    private var floorInput: Int64 = .min
    private var highestForwardedInput: Int64 = .min
    /// Dropped extended input numbers after the sync point, ascending.
    private var dropped: [Int64] = []
    /// Highest extended output number used so far (starts at the last number already sent).
    public private(set) var lastOutput: Int64

    /// - Parameter lastOutput: the last sequence number already sent on this outgoing stream (the first
    ///   forwarded packet gets `lastOutput + 1`). For a new stream pick a random start in 1...32767 (BH-20).
    public init(lastOutput: UInt16) {
        self.lastOutput = Int64(lastOutput)
    }

    /// The outgoing sequence number for an input packet that will be sent; nil when the packet must not
    /// be sent (it was dropped before, or is older than the sync point).
    public mutating func forward(_ sequenceNumber: UInt16) -> UInt16? {
        let input = unwrapper.unwrap(sequenceNumber)
        guard let offset else {
            lastOutput += 1
            offset = input - lastOutput
            floorInput = input
            highestForwardedInput = input
            return UInt16(truncatingIfNeeded: lastOutput)
        }
        guard input >= floorInput, NACKTracker.binarySearch(dropped, input) == nil else { return nil }
        let output = input - offset - Int64(Self.countBelow(dropped, input))
        highestForwardedInput = max(highestForwardedInput, input)
        lastOutput = max(lastOutput, output)
        return UInt16(truncatingIfNeeded: output)
    }

    /// Records that an input packet of the selected stream is not forwarded.
    public mutating func drop(_ sequenceNumber: UInt16) {
        let input = unwrapper.unwrap(sequenceNumber)
        guard let offset, input > highestForwardedInput else { return }
        let position = Self.countBelow(dropped, input)
        if position < dropped.count, dropped[position] == input { return }
        dropped.insert(input, at: position)
        if dropped.count > Self.droppedWindow {
            let oldest = dropped.removeFirst()
            self.offset = offset + 1
            floorInput = max(floorInput, oldest + 1)
        }
    }

    /// Starts mapping a new input stream (simulcast layer switch, SSRC change): the next forwarded packet
    /// gets `lastOutput + 1`.
    public mutating func switchInput() {
        unwrapper = SequenceNumberUnwrapper()
        offset = nil
        dropped = []
        floorInput = .min
        highestForwardedInput = .min
    }

    /// Number of elements of the ascending `values` that are < `target`.
    static func countBelow(_ values: [Int64], _ target: Int64) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < target { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
