/// Finds U+0000 in the strings of a JSON text (RFC 8259 §7: it can only appear escaped, as
/// `\u0000`; a raw NUL byte is not valid JSON anyway). PostgreSQL cannot store NUL in `text`
/// (SQLite can), so the API refuses such bodies (400) and both backends behave the same.
enum JSONNULCheck {
    /// True when `bytes` contain the escape `\u0000` outside another escape (`\\u0000` is a
    /// backslash followed by the text `u0000` and does not count) or a raw NUL byte. Linear,
    /// no allocation; never reads out of bounds on truncated input.
    static func containsNUL<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        let backslash = UInt8(ascii: "\\"), u = UInt8(ascii: "u"), upperU = UInt8(ascii: "U"), zero = UInt8(ascii: "0")
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == 0 { return true }
            guard byte == backslash else {
                index = bytes.index(after: index)
                continue
            }
            let next = bytes.index(after: index)
            guard next != bytes.endIndex else { return false }
            if bytes[next] == 0 { return true }
            if bytes[next] == u || bytes[next] == upperU {
                var digits = bytes.index(after: next)
                var zeros = 0
                while zeros < 4, digits != bytes.endIndex, bytes[digits] == zero {
                    zeros += 1
                    digits = bytes.index(after: digits)
                }
                if zeros == 4 { return true }
            }
            index = bytes.index(after: next)  // skip the escaped character
        }
        return false
    }
}
