import Foundation
import XCTest

/// Loads reproduction inputs from /work/shared/cases (CI: ../shared/cases beside the clone).
///
/// The directory is found from this file's path: …/Tests/<Target>/CaseFiles.swift → repo root →
/// ../shared/cases. Symlinks are resolved first so isolated builds that symlink the test directory
/// still find the real repository. `PARLEY_CASES_DIR` overrides the location.
enum CaseFiles {
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["PARLEY_CASES_DIR"] {
            return URL(fileURLWithPath: override)
        }
        let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().resolvingSymlinksInPath()
        let repoRoot = testDirectory.deletingLastPathComponent().deletingLastPathComponent()
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/cases")
    }

    /// Text of a case file; fails the test with a clear message when it is missing.
    static func text(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path),
              let text = String(data: data, encoding: .utf8) else {
            XCTFail("case file \(url.path) is missing: the shared/cases directory must sit beside the repository "
                    + "(or set PARLEY_CASES_DIR)", file: file, line: line)
            throw CaseFileError.missing(url.path)
        }
        return text
    }

    /// Packets of a `.hex` case file: `#` lines are comments, a blank or comment line ends a packet
    /// (BH-14 puts only a comment between its datagrams), the rest is hex bytes, separated by
    /// whitespace or not.
    static func packets(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[UInt8]] {
        var packets: [[UInt8]] = []
        var current: [UInt8] = []
        for rawLine in try text(name, file: file, line: line).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = rawLine.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.isEmpty {
                if !current.isEmpty { packets.append(current); current = [] }
                continue
            }
            // Bytes separated by spaces ("16 fe ff") or written together ("16feff").
            for token in trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let digits = Array(token)
                guard digits.count % 2 == 0 else { throw CaseFileError.badHex(name, String(token)) }
                for i in stride(from: 0, to: digits.count, by: 2) {
                    guard let byte = UInt8(String(digits[i...i + 1]), radix: 16) else {
                        throw CaseFileError.badHex(name, String(token))
                    }
                    current.append(byte)
                }
            }
        }
        if !current.isEmpty { packets.append(current) }
        return packets
    }

    /// The single packet of a one-packet `.hex` file.
    static func packet(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let all = try packets(name, file: file, line: line)
        guard all.count == 1 else { throw CaseFileError.packetCount(name, all.count) }
        return all[0]
    }

    /// Declared "# length: N bytes" values in order, to cross-check the loader.
    static func declaredLengths(_ name: String) throws -> [Int] {
        try text(name).split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "# length: ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}

enum CaseFileError: Error {
    case missing(String)
    case badHex(String, String)
    case packetCount(String, Int)
}

/// Deterministic SplitMix64 generator so fuzz failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
