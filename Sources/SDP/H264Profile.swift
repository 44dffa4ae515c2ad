/// H.264 profiles distinguished by WebRTC (RFC 6184 §8.1 `profile-level-id`; classification as
/// libwebrtc and RFC 6184 Table 5 do it, from profile_idc plus the profile_iop constraint flags).
public enum H264Profile: String, Hashable, Sendable, CaseIterable {
    case constrainedBaseline
    case baseline
    case main
    case constrainedHigh
    case high
    case predictiveHigh444
}

/// A parsed `profile-level-id` (three bytes as six hex digits: profile_idc, profile_iop, level_idc).
///
/// Matching must use ``profile`` (never the hex string, BH-03): `42e01f` and `42e034` are both
/// Constrained Baseline, `640c1f`/`640c34` Constrained High (iop 0x0c sets constraint_set4/5),
/// `42001f` Baseline, `4d001f` Main, `64001f` High.
public struct H264ProfileLevelID: Hashable, Sendable {
    public var profileIDC: UInt8
    public var profileIOP: UInt8
    /// level_idc: 31 = level 3.1, 52 = level 5.2 (10 × level).
    public var levelIDC: UInt8
    /// nil when profile_idc/profile_iop match no known profile.
    public let profile: H264Profile?

    /// RFC 6184 §8.1: absent profile-level-id means Baseline, level 1 (`42000a`).
    public static let rfcDefault = H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0x00, levelIDC: 0x0a)

    public init(profileIDC: UInt8, profileIOP: UInt8, levelIDC: UInt8) {
        self.profileIDC = profileIDC
        self.profileIOP = profileIOP
        self.levelIDC = levelIDC
        self.profile = H264ProfileLevelID.classify(idc: profileIDC, iop: profileIOP)
    }

    /// Parses exactly six hex digits; nil otherwise.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 6 else { return nil }
        var values: [UInt8] = []
        for index in stride(from: 0, to: 6, by: 2) {
            guard let high = H264ProfileLevelID.nibble(bytes[index]),
                  let low = H264ProfileLevelID.nibble(bytes[index + 1]) else { return nil }
            values.append(high << 4 | low)
        }
        self.init(profileIDC: values[0], profileIOP: values[1], levelIDC: values[2])
    }

    /// Six lower-case hex digits.
    public var hex: String {
        [profileIDC, profileIOP, levelIDC].map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }

    /// Level 1b is signalled by level_idc 11 plus constraint_set3 in Baseline/Main profiles.
    public var isLevel1b: Bool {
        levelIDC == 11 && profileIOP & 0x10 != 0
            && (profile == .baseline || profile == .constrainedBaseline || profile == .main)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// (profile_idc, mask of the iop bits that matter, required value of those bits, profile).
    /// Bit patterns are RFC 6184 Table 5 written MSB first, x = don't care.
    private static let patterns: [(UInt8, String, H264Profile)] = [
        (0x42, "x1xx0000", .constrainedBaseline),
        (0x4D, "1xxx0000", .constrainedBaseline),
        (0x58, "11xx0000", .constrainedBaseline),
        (0x42, "x0xx0000", .baseline),
        (0x58, "10xx0000", .baseline),
        (0x4D, "0x0x0000", .main),
        (0x64, "00000000", .high),
        (0x64, "00001100", .constrainedHigh),
        (0xF4, "00000000", .predictiveHigh444),
    ]

    private static func classify(idc: UInt8, iop: UInt8) -> H264Profile? {
        for (patternIDC, pattern, profile) in patterns where patternIDC == idc {
            var mask: UInt8 = 0
            var value: UInt8 = 0
            for (offset, char) in pattern.enumerated() {
                let bit = UInt8(1) << UInt8(7 - offset)
                if char == "x" { continue }
                mask |= bit
                if char == "1" { value |= bit }
            }
            if iop & mask == value { return profile }
        }
        return nil
    }
}
