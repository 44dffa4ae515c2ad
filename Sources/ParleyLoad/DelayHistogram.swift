/// Log-bucketed histogram of delays in milliseconds (≈2 % relative resolution from 0.05 ms to
/// ~60 s) for percentiles without keeping samples. Pure, fixed size (≈ 700 buckets).
public struct DelayHistogram: Sendable, Equatable, Codable {
    static let minimum = 0.05
    static let growth = 1.02
    static let bucketCount = 700
    public private(set) var counts: [Int]
    public private(set) var total = 0
    public private(set) var sum = 0.0
    public private(set) var maximum = 0.0

    public init() { counts = [Int](repeating: 0, count: Self.bucketCount) }

    static func bucket(_ ms: Double) -> Int {
        guard ms > minimum, ms.isFinite else { return 0 }
        let index = Int((log(ms / minimum) / log(growth)).rounded(.down)) + 1
        return min(bucketCount - 1, max(0, index))
    }

    /// Upper edge of bucket `i` in ms.
    static func upperEdge(_ i: Int) -> Double { i == 0 ? minimum : minimum * pow(growth, Double(i)) }

    /// Records one delay; negative or non-finite values count as 0.
    public mutating func record(_ ms: Double) {
        let value = ms.isFinite ? max(0, ms) : 0
        counts[Self.bucket(value)] += 1
        total += 1
        sum += value
        maximum = max(maximum, value)
    }

    public mutating func merge(_ other: DelayHistogram) {
        guard other.total > 0 else { return }
        for i in 0..<min(counts.count, other.counts.count) { counts[i] += other.counts[i] }
        total += other.total
        sum += other.sum
        maximum = max(maximum, other.maximum)
    }

    /// The value below which `p` (0…1) of the samples fall (bucket upper edge, capped at the
    /// maximum seen); nil when empty.
    public func percentile(_ p: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((min(1, max(0, p)) * Double(total)).rounded(.up)))
        var seen = 0
        for (i, c) in counts.enumerated() {
            seen += c
            if seen >= rank { return min(Self.upperEdge(i), maximum) }
        }
        return maximum
    }

    public var mean: Double? { total > 0 ? sum / Double(total) : nil }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
