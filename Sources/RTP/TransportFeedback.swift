/// Why bytes are not a valid transport-wide congestion control feedback packet
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
public enum TransportFeedbackParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the fixed part: 20 for a whole RTCP packet (after removing padding), 8 for an FCI.
    case tooShort(available: Int)
    /// Version field is not 2.
    case badVersion(UInt8)
    /// Not RTPFB (PT 205) with FMT 15.
    case notTransportFeedback(packetType: UInt8, format: UInt8)
    /// The RTCP length field does not match the byte count (one packet is expected, not a compound).
    case lengthMismatch(declared: Int, available: Int)
    /// P=1 but the padding count is 0 or eats into the fixed part.
    case badPadding(paddingLength: Int)
    /// The packet chunks end before describing `statusCount` packets (only `described` were).
    case chunksTruncated(statusCount: Int, described: Int)
    /// Status symbol 11 (reserved, §3.1.1) for the packet at this index of the status list.
    case reservedSymbol(index: Int)
    /// The received packets described need at least `needed` bytes of receive deltas, but only
    /// `available` bytes follow the chunks (checked chunk by chunk, before any status is stored).
    case deltasTruncated(needed: Int, available: Int)
    /// More bytes follow the last receive delta than the 0–3 bytes of zero padding §3.1 allows.
    case trailingBytes(count: Int)

    public var description: String {
        switch self {
        case .tooShort(let available): return "transport feedback of \(available) bytes is shorter than its fixed part"
        case .badVersion(let version): return "RTCP version \(version), expected 2"
        case .notTransportFeedback(let packetType, let format):
            return "RTCP PT \(packetType) FMT \(format) is not transport feedback (PT 205 FMT 15)"
        case .lengthMismatch(let declared, let available):
            return "RTCP length field says \(declared) bytes, the packet has \(available)"
        case .badPadding(let paddingLength): return "padding count \(paddingLength) invalid"
        case .chunksTruncated(let statusCount, let described):
            return "packet status count \(statusCount) but the chunks describe only \(described) packets"
        case .reservedSymbol(let index): return "reserved status symbol 11 for packet \(index)"
        case .deltasTruncated(let needed, let available):
            return "receive deltas need at least \(needed) bytes, \(available) available"
        case .trailingBytes(let count): return "\(count) bytes after the last receive delta"
        }
    }
}

/// RTPFB FMT 15 transport-wide congestion control feedback
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, "transport-cc" in SDP).
///
/// Reports, for the transport-wide sequence numbers `baseSequence ..< baseSequence + statuses.count`
/// (16-bit, wrapping), whether each packet arrived and, if so, its receive delta. The first delta is
/// relative to `referenceTime` (64 ms units), each later one to the previous received packet, in
/// 250 µs units. `packetResults` turns this into arrival times.
///
/// `serialize` and `parse` round-trip exactly: the status of each packet keeps its wire symbol (a delta
/// of 0…255 may also be sent as a large delta).
public struct TransportFeedback: Equatable, Sendable {
    /// The status of one reported packet (§3.1.1) with its receive delta in 250 µs ticks (§3.1.5).
    public enum PacketStatus: Equatable, Sendable {
        /// Symbol 00: not received (yet), or already reported as received by an earlier feedback.
        case notReceived
        /// Symbol 01: received, delta 0 … 255 ticks (0 … 63.75 ms), one byte on the wire.
        case smallDelta(UInt8)
        /// Symbol 10: received, delta −32 768 … 32 767 ticks (−8192 … 8191.75 ms), two bytes.
        case largeDelta(Int16)

        /// The status of a packet received `deltaTicks` × 250 µs after the previous one: small when it
        /// fits one unsigned byte, large when it fits 16 signed bits, nil when it needs a new feedback
        /// packet (§3.1.5).
        public static func received(deltaTicks: Int64) -> PacketStatus? {
            if (0...255).contains(deltaTicks) { return .smallDelta(UInt8(deltaTicks)) }
            if (Int64(Int16.min)...Int64(Int16.max)).contains(deltaTicks) { return .largeDelta(Int16(deltaTicks)) }
            return nil
        }

        /// Receive delta in 250 µs ticks; nil when not received.
        public var deltaTicks: Int? {
            switch self {
            case .notReceived: return nil
            case .smallDelta(let ticks): return Int(ticks)
            case .largeDelta(let ticks): return Int(ticks)
            }
        }

        /// The 2-bit wire symbol: 0 not received, 1 small delta, 2 large delta.
        var symbol: UInt8 {
            switch self {
            case .notReceived: return 0
            case .smallDelta: return 1
            case .largeDelta: return 2
            }
        }
    }

    /// One reported packet: its transport-wide sequence number and, when received, its arrival time
    /// in µs in the feedback sender's time base (referenceTime × 64 000 + the deltas so far × 250).
    public struct PacketResult: Equatable, Sendable {
        public var sequence: UInt16
        public var arrivalMicros: Int64?

        public init(sequence: UInt16, arrivalMicros: Int64?) {
            self.sequence = sequence
            self.arrivalMicros = arrivalMicros
        }
    }

    /// µs per receive-delta tick (§3.1.5).
    public static let deltaTickMicros: Int64 = 250
    /// µs per reference-time unit (§3.1).
    public static let referenceTimeUnitMicros: Int64 = 64_000
    /// Largest status list one packet can carry (16-bit packet status count).
    public static let maxStatusCount = 0xFFFF
    /// Header, both SSRCs and the fixed FCI fields: 20 bytes.
    public static let fixedLength = 20

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// Transport-wide sequence number of `statuses[0]`.
    public var baseSequence: UInt16
    /// Reference time in 64 ms units, a 24-bit signed value (−8 388 608 … 8 388 607) that wraps.
    public var referenceTime: Int32
    /// Incremented (mod 256) for every feedback packet sent, so the media sender can detect lost feedback.
    public var feedbackPacketCount: UInt8
    /// One status per packet from `baseSequence` on.
    public var statuses: [PacketStatus]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequence: UInt16, referenceTime: Int32,
                feedbackPacketCount: UInt8, statuses: [PacketStatus]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequence = baseSequence
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.statuses = statuses
    }

    /// Sign-extends the low 24 bits of `value` (reference times wrap at 2^24 units, ~12.4 days).
    public static func wrapReferenceTime(_ value: Int64) -> Int32 {
        Int32(truncatingIfNeeded: (value << 40) >> 40)
    }

    /// Every reported packet with its arrival time (µs, sender's time base), in sequence order.
    public var packetResults: [PacketResult] {
        var time = Int64(referenceTime) * Self.referenceTimeUnitMicros
        var results: [PacketResult] = []
        results.reserveCapacity(statuses.count)
        for (index, status) in statuses.enumerated() {
            let sequence = baseSequence &+ UInt16(truncatingIfNeeded: index)
            if let ticks = status.deltaTicks {
                time += Int64(ticks) * Self.deltaTickMicros
                results.append(PacketResult(sequence: sequence, arrivalMicros: time))
            } else {
                results.append(PacketResult(sequence: sequence, arrivalMicros: nil))
            }
        }
        return results
    }

    // MARK: - Writing

    /// The RTCP packet (V=2, FMT 15, PT 205): fixed fields, packet chunks (§3.1.2–3.1.4), receive
    /// deltas, then RTCP padding to a 32-bit boundary (P=1 and the last byte = padding count, RFC 3550
    /// §6.4.1 — so in a compound this packet must come last; no padding when already aligned).
    ///
    /// Chunks are chosen greedily: a run-length chunk for a run of ≥ 14 equal symbols or one reaching
    /// the end, else a 1-bit vector of 14 when no large delta is among them, else a 2-bit vector of 7.
    /// Only the low 24 bits of `referenceTime` are written; statuses past `maxStatusCount` are dropped.
    public func serialize() -> [UInt8] {
        let reported = statuses.prefix(Self.maxStatusCount)
        let symbols = reported.map(\.symbol)
        var out: [UInt8] = []
        out.reserveCapacity(Self.fixedLength + 2 * (symbols.count / 7 + 1) + 2 * symbols.count + 3)
        out += [0x80 | 15, RTCPPacket.typeRTPFB, 0, 0]
        RTCPBuilder.append32(&out, senderSSRC)
        RTCPBuilder.append32(&out, mediaSSRC)
        Self.append16(&out, baseSequence)
        Self.append16(&out, UInt16(symbols.count))
        let reference = UInt32(bitPattern: referenceTime) & 0x00FF_FFFF
        out += [UInt8(reference >> 16), UInt8((reference >> 8) & 0xFF), UInt8(reference & 0xFF), feedbackPacketCount]
        Self.appendChunks(symbols, to: &out)
        for status in reported {
            switch status {
            case .notReceived: break
            case .smallDelta(let ticks): out.append(ticks)
            case .largeDelta(let ticks): Self.append16(&out, UInt16(bitPattern: ticks))
            }
        }
        let padding = (4 - out.count % 4) % 4
        if padding > 0 {
            out += repeatElement(0, count: padding - 1)
            out.append(UInt8(padding))
            out[0] |= 0x20
        }
        let words = out.count / 4 - 1
        out[2] = UInt8((words >> 8) & 0xFF)
        out[3] = UInt8(words & 0xFF)
        return out
    }

    /// Appends the packet chunks describing `symbols` (values 0…2).
    static func appendChunks(_ symbols: [UInt8], to out: inout [UInt8]) {
        var index = 0
        let count = symbols.count
        while index < count {
            let symbol = symbols[index]
            var run = 1
            while index + run < count, run < 0x1FFF, symbols[index + run] == symbol { run += 1 }
            if run >= 14 || index + run == count {
                // Run-length chunk (§3.1.3): T=0, 2-bit symbol, 13-bit run length.
                append16(&out, UInt16(symbol) << 13 | UInt16(run))
                index += run
                continue
            }
            let oneBitEnd = min(index + 14, count)
            if !symbols[index..<oneBitEnd].contains(2) {
                // Status vector chunk (§3.1.4), S=0: 14 one-bit symbols, 1 = received (small delta).
                var chunk: UInt16 = 0x8000
                for offset in 0..<(oneBitEnd - index) where symbols[index + offset] != 0 {
                    chunk |= 1 << (13 - offset)
                }
                append16(&out, chunk)
                index = oneBitEnd
            } else {
                // Status vector chunk, S=1: 7 two-bit symbols.
                let twoBitEnd = min(index + 7, count)
                var chunk: UInt16 = 0xC000
                for offset in 0..<(twoBitEnd - index) {
                    chunk |= UInt16(symbols[index + offset] & 0x03) << (12 - 2 * offset)
                }
                append16(&out, chunk)
                index = twoBitEnd
            }
        }
    }

    static func append16(_ out: inout [UInt8], _ value: UInt16) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    // MARK: - Parsing

    /// Parses ONE whole RTCP packet (header included, exactly `packet.count` bytes as its length field
    /// says; RTCP padding removed when P=1).
    /// - Throws: `TransportFeedbackParseError`: not RTPFB/15, bad version, length or padding, status
    ///   chunks that describe fewer packets than the status count (a lying count), reserved symbol
    ///   11, missing receive deltas, or more than 3 bytes after the deltas.
    public static func parse(_ packet: [UInt8]) throws -> TransportFeedback {
        guard packet.count >= 4 else { throw TransportFeedbackParseError.tooShort(available: packet.count) }
        let version = packet[0] >> 6
        guard version == 2 else { throw TransportFeedbackParseError.badVersion(version) }
        let format = packet[0] & 0x1F
        guard packet[1] == RTCPPacket.typeRTPFB, format == 15 else {
            throw TransportFeedbackParseError.notTransportFeedback(packetType: packet[1], format: format)
        }
        let declared = ((Int(packet[2]) << 8 | Int(packet[3])) + 1) * 4
        guard declared == packet.count else {
            throw TransportFeedbackParseError.lengthMismatch(declared: declared, available: packet.count)
        }
        var end = packet.count
        if packet[0] & 0x20 != 0 {
            let padding = Int(packet[end - 1])
            guard padding >= 1, padding <= end - 4 else { throw TransportFeedbackParseError.badPadding(paddingLength: padding) }
            end -= padding
        }
        guard end >= fixedLength else { throw TransportFeedbackParseError.tooShort(available: end) }
        return try parseFCI(packet, start: 12, end: end, senderSSRC: read32(packet, 4), mediaSSRC: read32(packet, 8))
    }

    /// Parses the FCI (from the base sequence number on, without RTCP padding) as
    /// `RTCPPacket.transportCC(senderSSRC:mediaSSRC:raw:)` delivers it from a compound.
    /// - Throws: `TransportFeedbackParseError` (see `parse(_:)`); `tooShort` below 8 bytes.
    public static func parse(senderSSRC: UInt32, mediaSSRC: UInt32, fci: [UInt8]) throws -> TransportFeedback {
        guard fci.count >= 8 else { throw TransportFeedbackParseError.tooShort(available: fci.count) }
        return try parseFCI(fci, start: 0, end: fci.count, senderSSRC: senderSSRC, mediaSSRC: mediaSSRC)
    }

    /// `bytes[start ..< end]` is the FCI, at least 8 bytes, within bounds.
    private static func parseFCI(_ bytes: [UInt8], start: Int, end: Int, senderSSRC: UInt32,
                                 mediaSSRC: UInt32) throws -> TransportFeedback {
        let base = UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])
        let statusCount = Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        let reference = Int32(bitPattern: read32(bytes, start + 4) & 0xFFFF_FF00) >> 8
        let feedbackCount = bytes[start + 7]

        // Chunks: the status count is trusted only as far as the chunks back it. Each chunk consumes 2
        // bytes (a run of length 0 describes nothing), so the loop is bounded by `end`. The delta bytes
        // the chunks call for are checked against what is left BEFORE a run is stored, so a short
        // packet claiming thousands of received packets is rejected without building its list.
        var statuses: [PacketStatus] = []
        statuses.reserveCapacity(min(statusCount, 14 * max(0, (end - start - 8) / 2)))
        var position = start + 8
        var deltaBytes = 0
        while statuses.count < statusCount {
            guard end - position >= 2 else {
                throw TransportFeedbackParseError.chunksTruncated(statusCount: statusCount, described: statuses.count)
            }
            let chunk = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
            position += 2
            let room = statusCount - statuses.count
            if chunk & 0x8000 == 0 {
                let symbol = UInt8((chunk >> 13) & 0x03)
                let run = min(Int(chunk & 0x1FFF), room)
                guard run > 0 else { continue }
                guard symbol != 3 else { throw TransportFeedbackParseError.reservedSymbol(index: statuses.count) }
                deltaBytes += run * Int(symbol)
                try checkDeltaRoom(deltaBytes, end - position)
                statuses.append(contentsOf: repeatElement(placeholder(symbol), count: run))
            } else if chunk & 0x4000 == 0 {
                let described = min(14, room)
                for offset in 0..<described {
                    let symbol = UInt8((chunk >> (13 - offset)) & 0x01)
                    deltaBytes += Int(symbol)
                    statuses.append(placeholder(symbol))
                }
                try checkDeltaRoom(deltaBytes, end - position)
            } else {
                for offset in 0..<min(7, room) {
                    let symbol = UInt8((chunk >> (12 - 2 * offset)) & 0x03)
                    guard symbol != 3 else { throw TransportFeedbackParseError.reservedSymbol(index: statuses.count) }
                    deltaBytes += Int(symbol)
                    statuses.append(placeholder(symbol))
                }
                try checkDeltaRoom(deltaBytes, end - position)
            }
        }

        // Receive deltas, one per received packet, in status order.
        for index in statuses.indices {
            switch statuses[index] {
            case .notReceived:
                continue
            case .smallDelta:
                guard position < end else { throw TransportFeedbackParseError.deltasTruncated(needed: deltaBytes, available: 0) }
                statuses[index] = .smallDelta(bytes[position])
                position += 1
            case .largeDelta:
                guard end - position >= 2 else {
                    throw TransportFeedbackParseError.deltasTruncated(needed: deltaBytes, available: end - position)
                }
                statuses[index] = .largeDelta(Int16(bitPattern: UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])))
                position += 2
            }
        }
        guard end - position <= 3 else { throw TransportFeedbackParseError.trailingBytes(count: end - position) }
        return TransportFeedback(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequence: base,
                                 referenceTime: reference, feedbackPacketCount: feedbackCount, statuses: statuses)
    }

    private static func checkDeltaRoom(_ needed: Int, _ available: Int) throws {
        guard needed <= available else { throw TransportFeedbackParseError.deltasTruncated(needed: needed, available: available) }
    }

    /// A status with the right symbol; the delta is filled in once the chunks are read.
    private static func placeholder(_ symbol: UInt8) -> PacketStatus {
        switch symbol {
        case 1: return .smallDelta(0)
        case 2: return .largeDelta(0)
        default: return .notReceived
        }
    }

    private static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
