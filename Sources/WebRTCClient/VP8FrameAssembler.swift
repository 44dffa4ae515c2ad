import RTP

/// One VP8 frame put back together from its RTP packets (RFC 7741 §4.5).
public struct AssembledVP8Frame: Equatable, Sendable {
    /// RTP timestamp shared by the frame's packets (90 kHz).
    public var timestamp: UInt32
    /// The VP8 bitstream (payload descriptors removed), in sequence order.
    public var data: [UInt8]
    /// True when the VP8 payload header's P bit is 0 (RFC 7741 §4.3).
    public var isKeyframe: Bool
    public var packetCount: Int
}

/// Why an RTP packet was not used for a frame (counted by the assembler).
public enum VP8AssemblyDrop: String, Sendable, CaseIterable {
    /// The VP8 payload descriptor did not parse (truncated, lengths that lie).
    case badDescriptor
    /// The packet belongs to a frame older than the last one delivered.
    case late
    /// A frame exceeded `maxPacketsPerFrame`.
    case frameTooLarge
}

/// Reassembles VP8 frames from the RTP packets of ONE stream (one SSRC). A frame is complete when
/// the packet with S=1 and PID=0 (its start), the packet with the marker bit (its end) and every
/// sequence number between them have arrived; it is then returned, and pending frames with older
/// timestamps are discarded and counted in `incompleteFrames`. Bounded: at most
/// `maxPendingFrames` frames of at most `maxPacketsPerFrame` packets are held. Pure, no I/O.
public struct VP8FrameAssembler: Sendable {
    public let maxPendingFrames: Int
    public let maxPacketsPerFrame: Int
    public private(set) var completedFrames = 0
    /// Frames abandoned because a newer frame completed first or the pending set overflowed.
    public private(set) var incompleteFrames = 0
    public private(set) var drops: [VP8AssemblyDrop: Int] = [:]

    private struct Pending {
        var packets: [UInt16: ArraySlice<UInt8>] = [:]
        var startSequence: UInt16?
        var endSequence: UInt16?
        var keyframe = false
    }

    private var pending: [UInt32: Pending] = [:]
    private var lastDelivered: UInt32?

    public init(maxPendingFrames: Int = 16, maxPacketsPerFrame: Int = 512) {
        self.maxPendingFrames = max(1, maxPendingFrames)
        self.maxPacketsPerFrame = max(1, maxPacketsPerFrame)
    }

    /// Number of frames currently waiting for packets.
    public var pendingCount: Int { pending.count }

    /// Feeds the payload of one RTP packet. Returns the frame it completed, if any.
    /// - Parameters:
    ///   - payload: the RTP payload (after the RTP header and extensions, padding removed).
    public mutating func insert(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool,
                                payload: ArraySlice<UInt8>) -> AssembledVP8Frame? {
        guard let descriptor = try? VP8PayloadDescriptor.parse(payload) else {
            drops[.badDescriptor, default: 0] += 1
            return nil
        }
        if let last = lastDelivered, !Self.isNewer(timestamp, than: last) {
            drops[.late, default: 0] += 1
            return nil
        }
        var frame = pending[timestamp] ?? Pending()
        if pending[timestamp] == nil, pending.count >= maxPendingFrames {
            // Make room: forget the oldest pending frame.
            if let oldest = pending.keys.min(by: { Self.isNewer($1, than: $0) }) {
                pending[oldest] = nil
                incompleteFrames += 1
            }
        }
        guard frame.packets.count < maxPacketsPerFrame else {
            drops[.frameTooLarge, default: 0] += 1
            return nil
        }
        let body = payload.dropFirst(descriptor.payloadHeaderOffset)
        frame.packets[sequenceNumber] = body
        if descriptor.startOfPartition && descriptor.partitionIndex == 0 {
            frame.startSequence = sequenceNumber
            if let first = body.first { frame.keyframe = first & 0x01 == 0 }
        }
        if marker { frame.endSequence = sequenceNumber }
        pending[timestamp] = frame
        return completeIfPossible(timestamp)
    }

    private mutating func completeIfPossible(_ timestamp: UInt32) -> AssembledVP8Frame? {
        guard let frame = pending[timestamp], let start = frame.startSequence, let end = frame.endSequence else {
            return nil
        }
        let count = Int(end &- start) + 1
        guard count <= maxPacketsPerFrame, frame.packets.count >= count else { return nil }
        var data: [UInt8] = []
        var sequence = start
        for _ in 0..<count {
            guard let part = frame.packets[sequence] else { return nil }
            data.append(contentsOf: part)
            sequence &+= 1
        }
        pending[timestamp] = nil
        for key in pending.keys where !Self.isNewer(key, than: timestamp) {
            pending[key] = nil
            incompleteFrames += 1
        }
        lastDelivered = timestamp
        completedFrames += 1
        return AssembledVP8Frame(timestamp: timestamp, data: data, isKeyframe: frame.keyframe, packetCount: count)
    }

    /// RTP timestamp order with wrap-around (RFC 3550 §5.1): true when `a` is after `b`.
    static func isNewer(_ a: UInt32, than b: UInt32) -> Bool {
        a != b && Int32(bitPattern: a &- b) > 0
    }
}
