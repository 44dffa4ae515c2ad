// Small lexical helpers shared by the attribute parsers. Internal; never trap on any input.
// They work on UTF-8 bytes (a combining mark after a separator cannot hide it inside one
// Character) through contiguous buffers, which also keeps debug builds fast enough for fuzzing.

enum Lex {
    /// Runs `body` over the UTF-8 bytes of `text` without copying when the storage is contiguous.
    @inline(__always)
    static func withBytes<R>(_ text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    @inline(__always)
    private static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Substring {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)[...]
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Splits on runs of spaces/tabs, dropping empty pieces.
    static func fields(_ text: Substring) -> [Substring] {
        withBytes(text) { buffer in
            var result: [Substring] = []
            var index = 0
            let count = buffer.count
            while index < count {
                while index < count, isBlank(buffer[index]) { index += 1 }
                let start = index
                while index < count, !isBlank(buffer[index]) { index += 1 }
                if index > start { result.append(string(buffer, start, index)) }
            }
            return result
        }
    }

    static func fields(_ text: String) -> [Substring] {
        fields(text[...])
    }

    /// Splits at the first occurrence of the ASCII `separator`: ("a", "b c") for "a b c" and " ".
    static func splitOnce(_ text: Substring, _ separator: Unicode.Scalar) -> (Substring, Substring?) {
        let byte = UInt8(ascii: separator)
        return withBytes(text) { buffer in
            var index = 0
            while index < buffer.count, buffer[index] != byte { index += 1 }
            guard index < buffer.count else { return (text, nil) }
            return (string(buffer, 0, index), string(buffer, index + 1, buffer.count))
        }
    }

    /// Drops leading and trailing spaces and tabs.
    static func trim(_ text: Substring) -> Substring {
        withBytes(text) { buffer in
            var start = 0
            var end = buffer.count
            while start < end, isBlank(buffer[start]) { start += 1 }
            while end > start, isBlank(buffer[end - 1]) { end -= 1 }
            if start == 0 && end == buffer.count { return text }
            return string(buffer, start, end)
        }
    }

    /// Decimal digits only (no sign, no spaces), at most 20 digits, no overflow of UInt64.
    static func decimal(_ text: Substring) -> UInt64? {
        withBytes(text) { buffer in
            guard buffer.count > 0, buffer.count <= 20 else { return nil }
            var value: UInt64 = 0
            for index in 0..<buffer.count {
                let byte = buffer[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (added, overflow2) = multiplied.addingReportingOverflow(UInt64(byte - 0x30))
                if overflow1 || overflow2 { return nil }
                value = added
            }
            return value
        }
    }

    /// ``decimal(_:)`` narrowed to `T`; nil when it does not fit.
    static func unsigned<T: FixedWidthInteger & UnsignedInteger>(_ text: Substring, as type: T.Type = T.self) -> T? {
        guard let value = decimal(text), value <= UInt64(T.max) else { return nil }
        return T(value)
    }

    static func unsigned<T: FixedWidthInteger & UnsignedInteger>(_ text: String, as type: T.Type = T.self) -> T? {
        unsigned(text[...], as: type)
    }

    /// RTP payload type: 0...127 (RFC 3550 §5.1, 7 bits).
    static func payloadType(_ text: Substring) -> UInt8? {
        guard let value = decimal(text), value <= 127 else { return nil }
        return UInt8(value)
    }

    @inline(__always)
    private static func all(_ text: Substring, _ predicate: (UInt8) -> Bool) -> Bool {
        withBytes(text) { buffer in
            for index in 0..<buffer.count where !predicate(buffer[index]) { return false }
            return true
        }
    }

    /// RFC 8866 `token` characters, non-empty.
    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && all(text) { byte in
            switch byte {
            case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x30...0x39, 0x41...0x5A, 0x5E...0x7E: return true
            default: return false
            }
        }
    }

    /// RFC 8839 `ice-char` = ALPHA / DIGIT / "+" / "/".
    static func isICEChars(_ text: Substring) -> Bool {
        all(text) { byte in
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2B, 0x2F: return true
            default: return false
            }
        }
    }

    /// Visible ASCII / UTF-8 without spaces or control characters, 1...maxIdentifierLength bytes.
    static func isIdentifier(_ text: Substring) -> Bool {
        let length = text.utf8.count
        guard length > 0, length <= SDPLimits.maxIdentifierLength else { return false }
        return all(text) { $0 > 0x20 && $0 != 0x7F }
    }

    /// rid-id / RtpStreamId characters: ALPHA / DIGIT / "-" / "_" (RFC 8851 §10).
    static func isRIDIdentifier(_ text: Substring) -> Bool {
        let length = text.utf8.count
        guard length > 0, length <= SDPLimits.maxIdentifierLength else { return false }
        return all(text) { byte in
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F: return true
            default: return false
            }
        }
    }
}
