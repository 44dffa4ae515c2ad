// Typed values of the attributes WebRTC uses. Each type parses an attribute value with a
// failable `init?(sdpValue:)` (nil = malformed) and writes it back with `sdpValue`.

/// `a=fingerprint:<hash-func> <hex pairs>` (RFC 8122 §5).
public struct SDPFingerprint: Hashable, Sendable {
    /// Lower-case hash name, e.g. "sha-256".
    public var algorithm: String
    /// Colon-separated hex pairs as written (compare with ``matches(_:)``, case-insensitive).
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm.lowercased()
        self.value = value
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count == 2, Lex.isToken(parts[0]) else { return nil }
        let algorithm = parts[0].lowercased()
        let pairs = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard !pairs.isEmpty, pairs.count <= 64 else { return nil }
        for pair in pairs {
            guard pair.utf8.count == 2, pair.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
        }
        if let expected = SDPFingerprint.digestLengths[algorithm], expected != pairs.count { return nil }
        self.algorithm = algorithm
        self.value = String(parts[1])
    }

    public var sdpValue: String { "\(algorithm) \(value)" }

    /// Digest bytes.
    public var bytes: [UInt8] {
        value.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }

    /// True when algorithm and digest are equal, ignoring hex case.
    public func matches(_ other: SDPFingerprint) -> Bool {
        algorithm == other.algorithm && value.uppercased() == other.value.uppercased()
    }

    /// Digest length in bytes of the hash functions RFC 8122 registers.
    static let digestLengths: [String: Int] = [
        "sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64, "md5": 16, "md2": 16,
    ]

    /// Strength rank used to pick one fingerprint among several (RFC 8122 §5: strongest supported).
    /// nil for hash functions a DTLS stack here does not verify.
    var strength: Int? {
        switch algorithm {
        case "sha-512": return 4
        case "sha-384": return 3
        case "sha-256": return 2
        case "sha-1": return 1
        default: return nil
        }
    }
}

private extension UInt8 {
    var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
}

/// `a=setup:` (RFC 4145 §4, RFC 8842 §5).
public enum SDPSetupRole: String, Hashable, Sendable {
    case actpass, active, passive, holdconn
}

/// Which side of the DTLS handshake this server plays (RFC 8842 §5).
public enum DTLSRole: String, Hashable, Sendable {
    /// Sends the ClientHello once ICE has a selected pair.
    case client
    /// Waits for the peer's ClientHello.
    case server
}

/// Media direction attribute (RFC 8866 §6.7), always from the point of view of the description's author.
public enum SDPDirection: String, Hashable, Sendable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// The direction an answerer that mirrors this one writes (sendonly ↔ recvonly).
    public var reversed: SDPDirection {
        switch self {
        case .sendonly: return .recvonly
        case .recvonly: return .sendonly
        case .sendrecv, .inactive: return self
        }
    }

    /// True for sendrecv and sendonly.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// True for sendrecv and recvonly.
    public var receives: Bool { self == .sendrecv || self == .recvonly }
}

/// `a=rtpmap:<pt> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
public struct SDPRTPMap: Hashable, Sendable {
    public var payloadType: UInt8
    /// As written ("opus", "VP8", "H264", "rtx"); compare case-insensitively.
    public var encodingName: String
    /// Hz (48000 for Opus, 90000 for video).
    public var clockRate: UInt32
    /// Audio channels, nil when not written.
    public var channels: UInt8?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, channels: UInt8? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count == 2, let pt = Lex.payloadType(parts[0]) else { return nil }
        let encoding = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard encoding.count == 2 || encoding.count == 3, Lex.isToken(encoding[0]), encoding[0].utf8.count <= 64,
              let rate = Lex.unsigned(encoding[1], as: UInt32.self), rate > 0 else { return nil }
        var channels: UInt8?
        if encoding.count == 3 {
            guard let count = Lex.unsigned(encoding[2], as: UInt8.self), count > 0 else { return nil }
            channels = count
        }
        self.init(payloadType: pt, encodingName: String(encoding[0]), clockRate: rate, channels: channels)
    }

    public var sdpValue: String {
        "\(payloadType) \(encodingName)/\(clockRate)" + (channels.map { "/\($0)" } ?? "")
    }
}

/// One `name[=value]` element of an fmtp or rid restriction list.
public struct SDPParameter: Hashable, Sendable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Parses `a=b;c=d;e` (spaces around elements ignored, empty elements skipped).
    static func parseList(_ text: Substring, separator: Character = ";") -> [SDPParameter] {
        text.split(separator: separator).compactMap { element in
            let trimmed = Lex.trim(element)
            guard !trimmed.isEmpty else { return nil }
            let (name, value) = Lex.splitOnce(trimmed, "=")
            return SDPParameter(String(Lex.trim(name)), value.map { String(Lex.trim($0)) })
        }
    }

    static func writeList(_ list: [SDPParameter], separator: String = ";") -> String {
        list.map { parameter in parameter.value.map { "\(parameter.name)=\($0)" } ?? parameter.name }
            .joined(separator: separator)
    }
}

extension Array where Element == SDPParameter {
    /// Value of the first parameter called `name` (case-insensitive), "" for a bare one.
    public func value(of name: String) -> String? {
        let lowered = name.lowercased()
        for parameter in self where parameter.name.lowercased() == lowered { return parameter.value ?? "" }
        return nil
    }
}

/// `a=fmtp:<pt> <format specific parameters>` (RFC 8866 §6.15).
public struct SDPFormatParameters: Hashable, Sendable {
    public var payloadType: UInt8
    public var parameters: [SDPParameter]

    public init(payloadType: UInt8, parameters: [SDPParameter]) {
        self.payloadType = payloadType
        self.parameters = parameters
    }

    public init?(sdpValue: String) {
        let text = Lex.trim(sdpValue[...])
        let (ptText, rest) = Lex.splitOnce(text, " ")
        guard let pt = Lex.payloadType(ptText) else { return nil }
        self.init(payloadType: pt, parameters: SDPParameter.parseList(rest ?? ""))
    }

    public var sdpValue: String { "\(payloadType) " + SDPParameter.writeList(parameters) }
}

/// `a=rtcp-fb:<pt|*> <type> [<parameter>]` (RFC 4585 §4.2).
public struct SDPRTCPFeedback: Hashable, Sendable {
    /// nil for the `*` wildcard (applies to every payload type of the section).
    public var payloadType: UInt8?
    public var feedback: RTCPFeedback

    public init(payloadType: UInt8?, feedback: RTCPFeedback) {
        self.payloadType = payloadType
        self.feedback = feedback
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count >= 2, Lex.isToken(parts[1]) else { return nil }
        if parts[0] == "*" {
            payloadType = nil
        } else {
            guard let pt = Lex.payloadType(parts[0]) else { return nil }
            payloadType = pt
        }
        let parameter = parts.count > 2 ? parts[2...].joined(separator: " ") : nil
        feedback = RTCPFeedback(type: String(parts[1]), parameter: parameter)
    }

    public var sdpValue: String {
        (payloadType.map(String.init) ?? "*") + " " + feedback.sdpText
    }
}

/// `a=extmap:<id>[/<direction>] <uri> [<extension attributes>]` (RFC 8285 §8).
public struct SDPExtmap: Hashable, Sendable {
    /// 1...255 (1...14 fit the one-byte header form).
    public var id: UInt8
    public var direction: SDPDirection?
    public var uri: String
    public var extensionAttributes: String?

    public init(id: UInt8, direction: SDPDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count >= 2 else { return nil }
        let (idText, directionText) = Lex.splitOnce(parts[0], "/")
        guard let id = Lex.unsigned(idText, as: UInt8.self), id >= 1 else { return nil }
        var direction: SDPDirection?
        if let directionText {
            guard let parsed = SDPDirection(rawValue: String(directionText)) else { return nil }
            direction = parsed
        }
        guard Lex.isIdentifier(parts[1]) else { return nil }
        self.init(id: id, direction: direction, uri: String(parts[1]),
                  extensionAttributes: parts.count > 2 ? parts[2...].joined(separator: " ") : nil)
    }

    public var sdpValue: String {
        var text = "\(id)"
        if let direction { text += "/\(direction.rawValue)" }
        text += " \(uri)"
        if let extensionAttributes { text += " \(extensionAttributes)" }
        return text
    }
}

/// `a=group:<semantics> <mid>...` (RFC 5888 §5), e.g. BUNDLE (RFC 8843).
public struct SDPGroup: Hashable, Sendable {
    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard let first = parts.first, Lex.isToken(first) else { return nil }
        guard parts.dropFirst().allSatisfy({ Lex.isIdentifier($0) }) else { return nil }
        self.init(semantics: String(first), mids: parts.dropFirst().map(String.init))
    }

    public var sdpValue: String { ([semantics] + mids).joined(separator: " ") }
}

/// `a=msid:<stream id> [<track id>]` (RFC 8830 §2). Stream "-" means "no stream" (BH-09).
public struct SDPMSID: Hashable, Sendable {
    /// nil when written as "-".
    public var streamId: String?
    /// The application data (track id), nil when absent.
    public var trackId: String?

    public init(streamId: String?, trackId: String?) {
        self.streamId = streamId
        self.trackId = trackId
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ Lex.isIdentifier($0) }) else { return nil }
        streamId = parts[0] == "-" ? nil : String(parts[0])
        trackId = parts.count == 2 ? String(parts[1]) : nil
    }

    public var sdpValue: String {
        (streamId ?? "-") + (trackId.map { " \($0)" } ?? "")
    }
}

/// `a=msid-semantic:` (never standardised; every browser spells it differently, BH-09).
/// Absence is treated as the wildcard.
public struct SDPMSIDSemantic: Hashable, Sendable {
    /// Usually "WMS".
    public var semantic: String
    public var streamIds: [String]
    /// `*` (also the tolerated `WMS*` spelling).
    public var isWildcard: Bool

    public init(semantic: String, streamIds: [String], isWildcard: Bool) {
        self.semantic = semantic
        self.streamIds = streamIds
        self.isWildcard = isWildcard
    }

    /// The meaning of an absent line: "WMS" for every stream.
    public static let wildcard = SDPMSIDSemantic(semantic: "WMS", streamIds: [], isWildcard: true)

    public init?(sdpValue: String) {
        var parts = Lex.fields(sdpValue)
        guard !parts.isEmpty else { return nil }
        var semantic = parts.removeFirst()
        var wildcard = false
        if semantic.count > 1, semantic.hasSuffix("*") {
            semantic = semantic.dropLast()
            wildcard = true
        }
        guard Lex.isToken(semantic), parts.allSatisfy({ Lex.isIdentifier($0) }) else { return nil }
        if parts.contains("*") { wildcard = true }
        self.init(semantic: String(semantic), streamIds: parts.filter { $0 != "*" }.map(String.init),
                  isWildcard: wildcard)
    }

    /// Written as `WMS *` or `WMS id...` (never `WMS*`, BH-09).
    public var sdpValue: String {
        if isWildcard { return "\(semantic) *" }
        return ([semantic] + streamIds).joined(separator: " ")
    }
}
