// Shared plumbing of the libFuzzer targets in Fuzz/ (built by scripts/fuzz, never by `swift build`).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The libFuzzer entry point signature: `int LLVMFuzzerTestOneInput(const uint8_t *, size_t)`.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: FuzzCallback) -> CInt

/// Hands control to libFuzzer with the process arguments (`-runs=`, `-max_total_time=`, corpus dirs…).
///
/// Each target is a `main.swift` that calls this, so SwiftPM's renamed executable entry point
/// (`<module>_main`, linked as `main`) stays valid and libFuzzer's own `main` is not needed.
///
/// When `PARLEY_FUZZ_SEEDS_OUT` names a directory, `writeSeeds` is called with it instead (targets
/// generate seed inputs with the project's own builders) and the process exits.
public func runLibFuzzer(_ callback: FuzzCallback, writeSeeds: (SeedWriter) -> Void = { _ in }) -> Never {
    if let directory = getenv("PARLEY_FUZZ_SEEDS_OUT").map({ String(cString: $0) }), !directory.isEmpty {
        let writer = SeedWriter(directory: directory)
        writeSeeds(writer)
        exit(writer.failures == 0 ? 0 : 1)
    }
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// Copies libFuzzer's input into an array (an empty input gives `[]`).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// An invariant the target checks on top of "does not trap": prints `message` and aborts, which
/// libFuzzer records as a crash (the input is kept like any other crash input).
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    fputs("FUZZ INVARIANT VIOLATED (\(file):\(line)): \(message())\n", stderr)
    abort()
}

/// Reads a fuzz input as a stream of structured fields; past the end every read returns zeros, so a
/// target never has to check lengths.
public struct FuzzReader {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    /// Up to `count` bytes (fewer at the end of the input).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = max(position, end) }
        return position < end ? Array(bytes[position..<end]) : []
    }
}

/// Writes seed files for `PARLEY_FUZZ_SEEDS_OUT`.
public final class SeedWriter {
    public let directory: String
    public private(set) var failures = 0
    public private(set) var written = 0

    init(directory: String) { self.directory = directory }

    public func write(_ name: String, _ bytes: [UInt8]) {
        let path = directory + "/" + name
        guard let file = fopen(path, "wb") else { failures += 1; return }
        let count = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if count != bytes.count { failures += 1 } else { written += 1 }
        fclose(file)
    }
}
