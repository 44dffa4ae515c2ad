import Foundation
import XCTest

/// `../shared/cases` next to the repository root (…/Tests/WebRTCClientTests/CasesPath.swift → root).
func sharedCase(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let source = URL(fileURLWithPath: "\(file)")
    // The test directory may be a symlink (private build packages): try the real path too.
    let roots = [source, source.resolvingSymlinksInPath()].map {
        $0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    for base in roots {
        let dir = base.deletingLastPathComponent().appendingPathComponent("shared/cases")
        let path = dir.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: path) { return try String(contentsOfFile: path, encoding: .utf8) }
    }
    XCTFail("missing ../shared/cases/\(name) beside the repository (CI copies shared/ next to the clone)", file: file, line: line)
    throw CocoaError(.fileNoSuchFile)
}

/// Bytes of a `.hex` case file: hex digits outside `#` comments.
func hexBytes(_ text: String) -> [UInt8] {
    var digits: [UInt8] = []
    for line in text.split(separator: "\n") {
        let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        for ch in content.utf8 where (48...57).contains(ch) || (97...102).contains(ch) || (65...70).contains(ch) { digits.append(ch) }
    }
    var out: [UInt8] = []
    var i = 0
    while i + 1 < digits.count {
        out.append(UInt8(String(bytes: digits[i...i + 1], encoding: .ascii) ?? "00", radix: 16) ?? 0)
        i += 2
    }
    return out
}

/// Deterministic xorshift64* for hostile-input loops.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
