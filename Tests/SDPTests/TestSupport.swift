import Foundation
import XCTest
@testable import SDP

/// Shared fixtures: the bug-hunt cases in ../shared/cases beside the repository.
enum Cases {
    /// …/Tests/SDPTests/TestSupport.swift → repo root → ../shared/cases
    static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/cases")

    /// Text of a case file; fails the test with a clear message if the directory is missing.
    static func text(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("missing case file \(url.path): the shared cases directory must sit beside the clone (../shared/cases)",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func parse(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> SessionDescription {
        try SessionDescription.parse(text(name, file: file, line: line))
    }

    /// Every `.sdp` case file name, sorted.
    static func sdpFiles(file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            XCTFail("shared cases directory not found at \(directory.path)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return names.filter { $0.hasSuffix(".sdp") }.sorted()
    }
}

enum Fixtures {
    static let serverFingerprint = SDPFingerprint(
        algorithm: "sha-256",
        value: "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99")

    static let local = LocalTransport(iceUfrag: "SfuU", icePwd: "ServerPasswordOf24Chars0",
                                      fingerprint: serverFingerprint, candidateAddress: "203.0.113.7",
                                      candidatePort: 40000, sessionId: 1234567890, sessionVersion: 1)

    /// The answer's serialized lines (CRLF split).
    static func lines(_ description: SessionDescription) -> [String] {
        description.serialized().components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    /// Lines of the m-section at `index` (its m= line first).
    static func sectionLines(_ description: SessionDescription, _ index: Int) -> [String] {
        var single = description
        single.media = [description.media[index]]
        single.attributes = []
        let all = lines(single)
        guard let start = all.firstIndex(where: { $0.hasPrefix("m=") }) else { return [] }
        return Array(all[start...])
    }
}
