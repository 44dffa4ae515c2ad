/// The 20-byte trailer every load-test video frame carries at the end of its VP8 data so the
/// receiver can measure end-to-end delay and count frames per publisher:
/// `"PLD1"` ‖ publisher index (u32) ‖ frame number (u32) ‖ send time (u64, µs on the
/// process-wide monotonic clock), all big-endian. The receiver strips it after reassembly;
/// SFUs forward payloads untouched, so it survives Parley and Janus alike. Pure.
public struct FrameStamp: Equatable, Sendable {
    public static let magic: [UInt8] = Array("PLD1".utf8)
    public static let length = 20

    public var publisherIndex: UInt32
    public var frameNumber: UInt32
    /// Microseconds on `ClientClock` (monotonic, same process as the receiver).
    public var sendTimeMicros: UInt64

    public init(publisherIndex: UInt32, frameNumber: UInt32, sendTimeMicros: UInt64) {
        self.publisherIndex = publisherIndex
        self.frameNumber = frameNumber
        self.sendTimeMicros = sendTimeMicros
    }

    /// `frame` followed by this stamp.
    public func appended(to frame: [UInt8]) -> [UInt8] {
        var out = frame
        out.reserveCapacity(frame.count + Self.length)
        out.append(contentsOf: Self.magic)
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((publisherIndex >> UInt32(shift)) & 0xFF)) }
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((frameNumber >> UInt32(shift)) & 0xFF)) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((sendTimeMicros >> UInt64(shift)) & 0xFF)) }
        return out
    }

    /// The stamp at the end of `data`, or nil when `data` is shorter than the trailer or does not
    /// end with one (magic mismatch).
    public static func read<C: RandomAccessCollection>(from data: C) -> FrameStamp? where C.Element == UInt8, C.Index == Int {
        guard data.count >= length else { return nil }
        let start = data.endIndex - length
        guard data[start] == magic[0], data[start + 1] == magic[1], data[start + 2] == magic[2],
              data[start + 3] == magic[3] else { return nil }
        var publisher: UInt32 = 0, frame: UInt32 = 0, time: UInt64 = 0
        for i in 0..<4 { publisher = publisher << 8 | UInt32(data[start + 4 + i]) }
        for i in 0..<4 { frame = frame << 8 | UInt32(data[start + 8 + i]) }
        for i in 0..<8 { time = time << 8 | UInt64(data[start + 12 + i]) }
        return FrameStamp(publisherIndex: publisher, frameNumber: frame, sendTimeMicros: time)
    }
}
