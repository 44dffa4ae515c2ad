/// Extends 16-bit RTP sequence numbers to 64 bits across wrap-around, tolerating reordering
/// (RFC 3550 §A.1, RFC 3711 §3.3.1 index estimation; BH-19).
///
/// The first value is taken as is. Each later value is placed at the extended number nearest to the
/// highest one seen so far (forward when it `isNewer` than the highest, backward otherwise), so a late
/// packet from before a wrap keeps the old roll-over count and never bumps it twice. Extended values
/// older than the first packet can be negative (e.g. first 0, then 65535 → -1).
public struct SequenceNumberUnwrapper: Sendable, Equatable {
    /// Highest extended sequence number returned so far; nil before the first packet.
    public private(set) var highest: Int64?

    public init() {}

    /// The extended sequence number of `seq`; updates `highest` when it is newer.
    public mutating func unwrap(_ seq: UInt16) -> Int64 {
        let extended = peek(seq)
        if highest.map({ extended > $0 }) ?? true { highest = extended }
        return extended
    }

    /// The extended value `unwrap` would return, without updating state.
    public func peek(_ seq: UInt16) -> Int64 {
        guard let highest else { return Int64(seq) }
        let last = UInt16(truncatingIfNeeded: highest)
        if Self.isNewer(seq, than: last) {
            return highest + Int64(seq &- last)
        }
        return highest - Int64(last &- seq)
    }

    /// True when `a` follows `b` in 16-bit serial-number arithmetic (RFC 1982): the forward distance
    /// from `b` to `a` is 1...32767, or exactly 32768 with `a > b` (libwebrtc's tie-break).
    public static func isNewer(_ a: UInt16, than b: UInt16) -> Bool {
        let forward = a &- b
        if forward == 0x8000 { return a > b }
        return forward != 0 && forward < 0x8000
    }
}

/// Tracks missing extended sequence numbers of one SSRC for generic NACK (RFC 4585 §6.2.1; BH-19).
///
/// Feed every received extended sequence number (from `SequenceNumberUnwrapper`). A forward jump marks
/// the skipped numbers missing; a late arrival removes its number. A jump larger than `maxGap` is taken as
/// a stream restart (nothing marked missing: no NACK storm), and numbers more than `maxAge` behind the
/// newest are forgotten.
public struct NACKTracker: Sendable, Equatable {
    /// Largest forward jump whose skipped numbers are reported missing.
    public let maxGap: Int64
    /// Missing numbers older than `highest - maxAge` are no longer reported.
    public let maxAge: Int64
    public private(set) var highest: Int64?
    /// Missing extended sequence numbers, ascending.
    public private(set) var missing: [Int64] = []

    public init(maxGap: Int64 = 1000, maxAge: Int64 = 3000) {
        self.maxGap = max(0, maxGap)
        self.maxAge = max(0, maxAge)
    }

    /// Records an arrival.
    /// - Returns: the numbers this arrival newly revealed as missing (the skipped range), ascending.
    @discardableResult
    public mutating func record(_ extended: Int64) -> [Int64] {
        guard let highest else { self.highest = extended; return [] }
        var newlyMissing: [Int64] = []
        if extended > highest {
            let gap = extended - highest - 1
            if gap > maxGap {
                missing.removeAll()
            } else if gap > 0 {
                newlyMissing = Array((highest + 1)..<extended)
                missing.append(contentsOf: newlyMissing)
            }
            self.highest = extended
            let oldest = extended - maxAge
            if let keepFrom = missing.firstIndex(where: { $0 >= oldest }) {
                missing.removeFirst(keepFrom)
            } else {
                missing.removeAll()
            }
        } else if let index = Self.binarySearch(missing, extended) {
            missing.remove(at: index)
        }
        return newlyMissing
    }

    /// `missing` as wire sequence numbers (low 16 bits), for `RTCPBuilder.nack`.
    public var missingSequenceNumbers: [UInt16] { missing.map { UInt16(truncatingIfNeeded: $0) } }

    /// Stops reporting `extended` (e.g. given up after too many NACKs).
    public mutating func forget(_ extended: Int64) {
        if let index = Self.binarySearch(missing, extended) { missing.remove(at: index) }
    }

    static func binarySearch(_ values: [Int64], _ target: Int64) -> Int? {
        var low = 0
        var high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < target { low = mid + 1 } else { high = mid }
        }
        return low < values.count && values[low] == target ? low : nil
    }
}
