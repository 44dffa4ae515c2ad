#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Audio level on the RFC 6464 scale: −dBov from 0 (loudest) to 127 (silence).
public enum AudioLevel {
    /// The silence value of the scale.
    public static let silence: UInt8 = 127

    /// RFC 6464 §3 level of `samples` (any channel layout): the RMS of the samples relative to full
    /// scale (32 768) in dB, negated, rounded to the nearest integer and clamped to 0…127.
    /// An empty buffer or all-zero samples give 127. A full-scale square wave gives 0, a full-scale
    /// sine 3.
    public static func level(of samples: UnsafeBufferPointer<Int16>) -> UInt8 {
        guard !samples.isEmpty else { return silence }
        // Sum of squares in Int64: 32768² × 2^33 samples would be needed to overflow.
        var energy: Int64 = 0
        for sample in samples {
            let value = Int64(sample)
            energy &+= value &* value
        }
        return level(meanSquare: Double(energy) / Double(samples.count))
    }

    /// Convenience for arrays.
    public static func level(of samples: [Int16]) -> UInt8 {
        samples.withUnsafeBufferPointer { level(of: $0) }
    }

    /// RFC 6464 level of a mean square value in 16-bit units².
    static func level(meanSquare: Double) -> UInt8 {
        guard meanSquare > 0 else { return silence }
        let dBov = 10 * log10(meanSquare / (32_768.0 * 32_768.0))
        let level = (-dBov).rounded()
        if level <= 0 { return 0 }
        if level >= 127 { return silence }
        return UInt8(level)
    }
}
