// Attributes describing RTP streams: a=ssrc, a=ssrc-group, a=rid, a=simulcast, a=candidate.

/// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1). The value is everything after the
/// FIRST ':' and may contain ':' and spaces (BH-09).
public struct SDPSSRCAttribute: Hashable, Sendable {
    public var ssrc: UInt32
    /// e.g. "cname", "msid", "mslabel", "label".
    public var attribute: String
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String?) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    public init?(sdpValue: String) {
        let text = Lex.trim(sdpValue[...])
        let (ssrcText, rest) = Lex.splitOnce(text, " ")
        guard let ssrc = Lex.unsigned(ssrcText, as: UInt32.self), let rest else { return nil }
        let (name, value) = Lex.splitOnce(Lex.trim(rest), ":")
        guard Lex.isToken(name) else { return nil }
        self.init(ssrc: ssrc, attribute: String(name), value: value.map(String.init))
    }

    public var sdpValue: String { "\(ssrc) \(attribute)" + (value.map { ":\($0)" } ?? "") }
}

/// `a=ssrc-group:<semantics> <ssrc>...` (RFC 5576 §4.2): FID (primary, RTX), SIM (simulcast
/// layers, lowest first), FEC-FR.
public struct SDPSSRCGroup: Hashable, Sendable {
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count >= 2, parts.count <= 65, Lex.isToken(parts[0]) else { return nil }
        var ssrcs: [UInt32] = []
        for part in parts.dropFirst() {
            guard let ssrc = Lex.unsigned(part, as: UInt32.self) else { return nil }
            ssrcs.append(ssrc)
        }
        if parts[0] == "FID" && ssrcs.count != 2 { return nil }
        self.init(semantics: String(parts[0]), ssrcs: ssrcs)
    }

    public var sdpValue: String { ([semantics] + ssrcs.map(String.init)).joined(separator: " ") }
}

/// `a=rid:<rid-id> <send|recv> [<restrictions>]` (RFC 8851 §10).
public struct SDPRID: Hashable, Sendable {
    public enum Direction: String, Hashable, Sendable { case send, recv }

    public var id: String
    public var direction: Direction
    /// From a `pt=` restriction, empty when unrestricted.
    public var payloadTypes: [UInt8]
    /// Other restrictions (`max-width=1280`, ...), in order.
    public var restrictions: [SDPParameter]

    public init(id: String, direction: Direction, payloadTypes: [UInt8] = [], restrictions: [SDPParameter] = []) {
        self.id = id
        self.direction = direction
        self.payloadTypes = payloadTypes
        self.restrictions = restrictions
    }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count == 2 || parts.count == 3, Lex.isRIDIdentifier(parts[0]),
              let direction = Direction(rawValue: String(parts[1])) else { return nil }
        var payloadTypes: [UInt8] = []
        var restrictions: [SDPParameter] = []
        if parts.count == 3 {
            for parameter in SDPParameter.parseList(parts[2]) {
                if parameter.name == "pt" {
                    for pt in (parameter.value ?? "").split(separator: ",") {
                        guard let value = Lex.payloadType(pt) else { return nil }
                        payloadTypes.append(value)
                    }
                } else {
                    restrictions.append(parameter)
                }
            }
        }
        self.init(id: String(parts[0]), direction: direction, payloadTypes: payloadTypes, restrictions: restrictions)
    }

    public var sdpValue: String {
        var list = restrictions
        if !payloadTypes.isEmpty {
            list.insert(SDPParameter("pt", payloadTypes.map(String.init).joined(separator: ",")), at: 0)
        }
        return "\(id) \(direction.rawValue)" + (list.isEmpty ? "" : " " + SDPParameter.writeList(list))
    }
}

/// `a=simulcast:` (RFC 8853 §5.1). Each inner array is one simulcast stream with its alternative
/// rids (usually one); outer order is the offerer's order (`q;h;f`).
public struct SDPSimulcast: Hashable, Sendable {
    public struct Stream: Hashable, Sendable {
        public var rid: String
        /// Written with a `~` prefix.
        public var paused: Bool

        public init(rid: String, paused: Bool = false) {
            self.rid = rid
            self.paused = paused
        }
    }

    public var send: [[Stream]]
    public var receive: [[Stream]]

    public init(send: [[Stream]] = [], receive: [[Stream]] = []) {
        self.send = send
        self.receive = receive
    }

    /// Accepts RFC 8853 (`send q;h;f recv a`) and the older draft spelling (`send rid=q;h;f`).
    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count == 2 || parts.count == 4 else { return nil }
        var send: [[Stream]]?
        var receive: [[Stream]]?
        for index in stride(from: 0, to: parts.count, by: 2) {
            guard let list = SDPSimulcast.parseList(parts[index + 1]) else { return nil }
            switch parts[index] {
            case "send" where send == nil: send = list
            case "recv" where receive == nil: receive = list
            default: return nil
            }
        }
        self.init(send: send ?? [], receive: receive ?? [])
    }

    private static func parseList(_ text: Substring) -> [[Stream]]? {
        var body = text
        if body.hasPrefix("rid=") { body = body.dropFirst(4) }
        var streams: [[Stream]] = []
        for streamText in body.split(separator: ";", omittingEmptySubsequences: false) {
            var alternatives: [Stream] = []
            for alternative in streamText.split(separator: ",", omittingEmptySubsequences: false) {
                let paused = alternative.hasPrefix("~")
                let rid = paused ? alternative.dropFirst() : alternative
                guard Lex.isRIDIdentifier(rid) else { return nil }
                alternatives.append(Stream(rid: String(rid), paused: paused))
            }
            streams.append(alternatives)
        }
        guard !streams.isEmpty, streams.count <= 32 else { return nil }
        return streams
    }

    private static func writeList(_ list: [[Stream]]) -> String {
        list.map { $0.map { ($0.paused ? "~" : "") + $0.rid }.joined(separator: ",") }.joined(separator: ";")
    }

    public var sdpValue: String {
        var pieces: [String] = []
        if !send.isEmpty { pieces.append("send " + SDPSimulcast.writeList(send)) }
        if !receive.isEmpty { pieces.append("recv " + SDPSimulcast.writeList(receive)) }
        return pieces.joined(separator: " ")
    }
}

/// `a=candidate:` (RFC 8839 §5.1). An ICE-lite server never connects to these; they are parsed
/// only to validate the offer and for logging.
public struct SDPCandidate: Hashable, Sendable {
    public var foundation: String
    /// 1 = RTP (with rtcp-mux the only one).
    public var component: UInt16
    /// "udp" / "tcp" as written.
    public var transport: String
    public var priority: UInt32
    public var address: String
    public var port: UInt16
    /// "host", "srflx", "prflx", "relay".
    public var type: String
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    /// Remaining `name value` pairs (generation, network-id, tcptype ...).
    public var extensions: [SDPParameter]

    public init(foundation: String, component: UInt16, transport: String, priority: UInt32, address: String,
                port: UInt16, type: String, relatedAddress: String? = nil, relatedPort: UInt16? = nil,
                extensions: [SDPParameter] = []) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// True for an mDNS name (`<uuid>.local`): never resolved (BH-01).
    public var isMDNS: Bool { address.lowercased().hasSuffix(".local") }

    public init?(sdpValue: String) {
        let parts = Lex.fields(sdpValue)
        guard parts.count >= 8, parts.count <= 64, parts[6] == "typ",
              parts[0].utf8.count <= 32, !parts[0].isEmpty, Lex.isICEChars(parts[0]),
              let component = Lex.unsigned(parts[1], as: UInt16.self), (1...256).contains(component),
              Lex.isToken(parts[2]),
              let priority = Lex.unsigned(parts[3], as: UInt32.self),
              Lex.isIdentifier(parts[4]),
              let port = Lex.unsigned(parts[5], as: UInt16.self),
              Lex.isToken(parts[7]) else { return nil }
        var relatedAddress: String?
        var relatedPort: UInt16?
        var extensions: [SDPParameter] = []
        var index = 8
        while index < parts.count {
            let name = parts[index]
            let value = index + 1 < parts.count ? parts[index + 1] : nil
            switch name {
            case "raddr":
                guard let value, Lex.isIdentifier(value) else { return nil }
                relatedAddress = String(value)
            case "rport":
                guard let value, let parsed = Lex.unsigned(value, as: UInt16.self) else { return nil }
                relatedPort = parsed
            default:
                extensions.append(SDPParameter(String(name), value.map(String.init)))
            }
            index += 2
        }
        self.init(foundation: String(parts[0]), component: component, transport: String(parts[2]),
                  priority: priority, address: String(parts[4]), port: port, type: String(parts[7]),
                  relatedAddress: relatedAddress, relatedPort: relatedPort, extensions: extensions)
    }

    public var sdpValue: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(type)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        for parameter in extensions { text += " \(parameter.name)" + (parameter.value.map { " \($0)" } ?? "") }
        return text
    }
}
