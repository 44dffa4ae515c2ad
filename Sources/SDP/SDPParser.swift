extension SessionDescription {
    /// Parses an SDP text (RFC 8866). Lines may end in LF or CRLF; blank lines are skipped.
    ///
    /// Beyond the line grammar, the attributes WebRTC relies on are validated here (see
    /// `AttributeRules`), so typed accessors never see malformed values from a parsed description.
    /// Unknown attributes are kept verbatim.
    ///
    /// - Throws: ``SDPError/limitExceeded(reason:)`` above ``SDPLimits`` (64 KiB, 64 m-sections);
    ///   ``SDPError/syntax(line:reason:)`` with the 1-based line number for anything malformed,
    ///   duplicated (mid, ice-ufrag, setup, rtpmap/fmtp per PT, extmap id, rid, msid, direction)
    ///   or out of range (ports > 65535, PTs > 127, extmap ids outside 1...255, any number ≥ 2⁶⁴).
    ///   Control characters are reported first, before the line-by-line checks.
    public static func parse(_ text: String) throws -> SessionDescription {
        var parser = SDPParser()
        return try parser.parse(text)
    }
}

struct SDPParser {
    private var origin: SDPOrigin?
    private var sessionName: String?
    private var timing: String?
    private var sessionConnection: SDPConnection?
    private var sessionBandwidths: [SDPBandwidth] = []
    private var sessionOtherLines: [SDPLine] = []
    private var sessionAttributes: [SDPAttribute] = []
    private var media: [MediaDescription] = []
    private var sessionRules = AttributeRules(isRTP: false)
    private var mediaRules = AttributeRules(isRTP: false)
    /// mid → line number of its a=mid, for the cross-section checks.
    private var midLines: [String: Int] = [:]

    mutating func parse(_ text: String) throws -> SessionDescription {
        let utf8 = text.utf8
        guard utf8.count <= SDPLimits.maxBytes else {
            throw SDPError.limitExceeded(reason: "SDP is \(utf8.count) bytes, the limit is \(SDPLimits.maxBytes)")
        }
        var sawVersion = false
        var lineNumber = 0
        for (number, type, value) in try SDPParser.lines(text) {
            lineNumber = number
            if !sawVersion {
                guard type == "v" else { throw SDPError.syntax(line: number, reason: "first line must be v=0") }
                guard value == "0" else { throw SDPError.syntax(line: number, reason: "unsupported version v=\(value)") }
                sawVersion = true
                continue
            }
            try handle(type: type, value: value, line: number)
        }
        guard sawVersion else { throw SDPError.syntax(line: max(lineNumber, 1), reason: "empty SDP (no v= line)") }
        guard let origin else { throw SDPError.syntax(line: lineNumber, reason: "missing o= line") }
        guard let sessionName else { throw SDPError.syntax(line: lineNumber, reason: "missing s= line") }
        return SessionDescription(origin: origin, sessionName: sessionName, timing: timing ?? "0 0",
                                  connection: sessionConnection, bandwidths: sessionBandwidths,
                                  otherLines: sessionOtherLines, attributes: sessionAttributes, media: media)
    }

    private var inMedia: Bool { !media.isEmpty }

    /// Splits the text into non-blank `<type>=<value>` lines (LF or CRLF), with 1-based numbers.
    /// Rejects control characters (other than tab) and lines not shaped `<letter>=`.
    private static func lines(_ text: String) throws -> [(Int, Character, String)] {
        var text = text
        text.makeContiguousUTF8()
        return try text.utf8.withContiguousStorageIfAvailable { buffer -> [(Int, Character, String)] in
            var result: [(Int, Character, String)] = []
            var number = 0
            var start = 0
            let count = buffer.count
            while start < count || (start == count && number == 0) {
                number += 1
                var end = start
                while end < count, buffer[end] != 0x0A { end += 1 }
                var contentEnd = end
                if contentEnd > start, buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                defer { start = end + 1 }
                if contentEnd == start { continue }
                for index in start..<contentEnd {
                    let byte = buffer[index]
                    if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                        throw SDPError.syntax(line: number, reason: "control character 0x\(String(byte, radix: 16)) in line")
                    }
                }
                let typeByte = buffer[start]
                guard contentEnd - start >= 2, buffer[start + 1] == UInt8(ascii: "="), (0x61...0x7A).contains(typeByte) else {
                    throw SDPError.syntax(line: number, reason: "expected '<letter>=<value>'")
                }
                let value = String(decoding: UnsafeBufferPointer(rebasing: buffer[(start + 2)..<contentEnd]), as: UTF8.self)
                result.append((number, Character(Unicode.Scalar(typeByte)), value))
            }
            return result
        } ?? []
    }

    private mutating func handle(type: Character, value: String, line: Int) throws {
        func fail(_ reason: String) -> SDPError { SDPError.syntax(line: line, reason: reason) }
        switch type {
        case "v":
            throw fail("duplicate v= line")
        case "o":
            guard origin == nil, !inMedia else { throw fail("unexpected o= line") }
            origin = try parseOrigin(value, line: line)
        case "s":
            guard sessionName == nil, !inMedia, origin != nil else { throw fail("unexpected s= line (must follow o=)") }
            sessionName = value
        case "t":
            guard timing == nil, !inMedia else { throw fail("unexpected t= line (only one time description is supported)") }
            let parts = Lex.fields(value)
            guard parts.count == 2, Lex.unsigned(parts[0], as: UInt64.self) != nil,
                  Lex.unsigned(parts[1], as: UInt64.self) != nil else { throw fail("malformed t= line") }
            timing = value
        case "i", "k":
            if inMedia { media[media.count - 1].otherLines.append(SDPLine(type: type, value: value)) }
            else { sessionOtherLines.append(SDPLine(type: type, value: value)) }
        case "u", "e", "p", "r", "z":
            guard !inMedia else { throw fail("\(type)= is only allowed at session level") }
            sessionOtherLines.append(SDPLine(type: type, value: value))
        case "c":
            let connection = try parseConnection(value, line: line)
            if inMedia {
                guard media[media.count - 1].connection == nil else { throw fail("duplicate c= line") }
                media[media.count - 1].connection = connection
            } else {
                guard sessionConnection == nil else { throw fail("duplicate c= line") }
                sessionConnection = connection
            }
        case "b":
            let (kind, amount) = Lex.splitOnce(value[...], ":")
            guard Lex.isToken(kind), let amount, let number = Lex.unsigned(amount, as: UInt32.self) else {
                throw fail("malformed b= line (expected '<type>:<number>', number < 2^32)")
            }
            let bandwidth = SDPBandwidth(type: String(kind), value: number)
            if inMedia { media[media.count - 1].bandwidths.append(bandwidth) } else { sessionBandwidths.append(bandwidth) }
        case "m":
            guard origin != nil, sessionName != nil else { throw fail("m= before o= and s=") }
            guard media.count < SDPLimits.maxMediaSections else {
                throw SDPError.limitExceeded(reason: "more than \(SDPLimits.maxMediaSections) m-sections")
            }
            let section = try parseMediaLine(value, line: line)
            mediaRules = AttributeRules(isRTP: section.proto.contains("RTP/"))
            media.append(section)
        case "a":
            let (nameText, attributeValue) = Lex.splitOnce(value[...], ":")
            guard Lex.isToken(nameText) else { throw fail("malformed attribute name '\(nameText)'") }
            let attribute = SDPAttribute(String(nameText), attributeValue.map(String.init))
            if inMedia {
                if let reason = mediaRules.check(attribute) { throw fail(reason) }
                if attribute.name == "mid", let mid = attribute.value {
                    if let previous = midLines[mid] {
                        throw fail("a=mid:\(mid) already used by the m-section at line \(previous)")
                    }
                    midLines[mid] = line
                }
                media[media.count - 1].attributes.append(attribute)
            } else {
                if let reason = sessionRules.check(attribute) { throw fail(reason) }
                sessionAttributes.append(attribute)
            }
        default:
            throw fail("unknown line type '\(type)='")
        }
    }

    private func parseOrigin(_ value: String, line: Int) throws -> SDPOrigin {
        let parts = Lex.fields(value)
        guard parts.count == 6 else { throw SDPError.syntax(line: line, reason: "o= needs 6 fields") }
        guard parts[1].utf8.count <= 32, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw SDPError.syntax(line: line, reason: "o= session id must be digits (at most 32)")
        }
        guard let version = Lex.unsigned(parts[2], as: UInt64.self) else {
            throw SDPError.syntax(line: line, reason: "o= session version must be a number < 2^64")
        }
        guard Lex.isIdentifier(parts[0]), Lex.isToken(parts[3]), Lex.isToken(parts[4]), Lex.isIdentifier(parts[5]) else {
            throw SDPError.syntax(line: line, reason: "malformed o= line")
        }
        return SDPOrigin(username: String(parts[0]), sessionId: String(parts[1]), sessionVersion: version,
                         networkType: String(parts[3]), addressType: String(parts[4]), address: String(parts[5]))
    }

    private func parseConnection(_ value: String, line: Int) throws -> SDPConnection {
        let parts = Lex.fields(value)
        guard parts.count == 3, Lex.isToken(parts[0]), Lex.isToken(parts[1]), Lex.isIdentifier(parts[2]) else {
            throw SDPError.syntax(line: line, reason: "malformed c= line (expected '<nettype> <addrtype> <address>')")
        }
        return SDPConnection(networkType: String(parts[0]), addressType: String(parts[1]), address: String(parts[2]))
    }

    private func parseMediaLine(_ value: String, line: Int) throws -> MediaDescription {
        func fail(_ reason: String) -> SDPError { SDPError.syntax(line: line, reason: reason) }
        let parts = Lex.fields(value)
        guard parts.count >= 4 else { throw fail("m= needs '<media> <port> <proto> <fmt> ...'") }
        guard Lex.isToken(parts[0]) else { throw fail("malformed media type") }
        let (portText, countText) = Lex.splitOnce(parts[1], "/")
        guard let port = Lex.unsigned(portText, as: UInt16.self) else { throw fail("m= port must be 0...65535") }
        var portCount: UInt16?
        if let countText {
            guard let count = Lex.unsigned(countText, as: UInt16.self), count >= 1 else {
                throw fail("m= port count must be 1...65535")
            }
            portCount = count
        }
        // proto = token *("/" token)
        guard parts[2].split(separator: "/", omittingEmptySubsequences: false).allSatisfy({ Lex.isToken($0) }) else {
            throw fail("malformed m= protocol")
        }
        let proto = String(parts[2])
        let formats = parts[3...].map(String.init)
        guard formats.count <= 128 else { throw fail("more than 128 formats in m= line") }
        guard Set(formats).count == formats.count else { throw fail("duplicate format in m= line") }
        if proto.contains("RTP/") {
            for format in formats where Lex.payloadType(format[...]) == nil {
                throw fail("RTP payload type '\(format)' is not 0...127")
            }
        } else {
            guard formats.allSatisfy({ Lex.isToken($0[...]) }) else { throw fail("malformed m= format") }
        }
        return MediaDescription(kind: MediaKind(token: String(parts[0])), port: port, portCount: portCount,
                                proto: proto, formats: formats)
    }
}
