/// Session description model (RFC 8866). Pure value types: parse with
/// ``SessionDescription/parse(_:)``, write with ``SessionDescription/serialized()``.
///
/// Unknown lines and attributes are kept verbatim and in order, so a parsed description
/// writes back byte-for-byte when its lines follow the RFC 8866 §5 order and use CRLF.

/// The `m=` media type (RFC 8866 §5.14).
public enum MediaKind: Hashable, Sendable, CustomStringConvertible {
    case audio
    case video
    /// Data channels (`m=application ... UDP/DTLS/SCTP webrtc-datachannel`).
    case application
    /// Any other token (`text`, `message`, ...), kept as written.
    case other(String)

    /// Creates the kind from an `m=` line token.
    public init(token: String) {
        switch token {
        case "audio": self = .audio
        case "video": self = .video
        case "application": self = .application
        default: self = .other(token)
        }
    }

    /// The token as written in the `m=` line.
    public var token: String {
        switch self {
        case .audio: return "audio"
        case .video: return "video"
        case .application: return "application"
        case .other(let token): return token
        }
    }

    public var description: String { token }
}

/// One `a=` line. `value` is nil for a property attribute (`a=rtcp-mux`) and the text after the
/// first `:` otherwise (`a=mid:0` → name "mid", value "0").
public struct SDPAttribute: Hashable, Sendable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
public struct SDPOrigin: Hashable, Sendable {
    public var username: String
    /// Digits only (kept as text: some stacks use more than 64 bits).
    public var sessionId: String
    /// Incremented by the sender on every change of its description (RFC 3264 §8).
    public var sessionVersion: UInt64
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(username: String = "-", sessionId: String, sessionVersion: UInt64,
                networkType: String = "IN", addressType: String = "IP4", address: String = "0.0.0.0") {
        self.username = username
        self.sessionId = sessionId
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). A multicast `/ttl` suffix stays
/// part of `address`.
public struct SDPConnection: Hashable, Sendable {
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(networkType: String = "IN", addressType: String, address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// `IN IP4 <address>`, or `IN IP6 <address>` when the address contains ':'.
    public init(address: String) {
        self.init(addressType: address.contains(":") ? "IP6" : "IP4", address: address)
    }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8); `value` in kbit/s for AS/CT, bit/s for TIAS.
public struct SDPBandwidth: Hashable, Sendable {
    public var type: String
    public var value: UInt32

    public init(type: String, value: UInt32) {
        self.type = type
        self.value = value
    }
}

/// A line kept verbatim (`i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=`): `type` is the letter.
public struct SDPLine: Hashable, Sendable {
    public var type: Character
    public var value: String

    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }
}

/// One media description: the `m=` line and everything up to the next `m=` (RFC 8866 §5.14).
public struct MediaDescription: Hashable, Sendable, SDPAttributeList {
    public var kind: MediaKind
    /// 0 means rejected / disabled (RFC 3264 §6) unless `a=bundle-only` (RFC 8843 §6).
    public var port: UInt16
    /// The `/<number of ports>` suffix of the port, if written.
    public var portCount: UInt16?
    /// Transport protocol, e.g. `UDP/TLS/RTP/SAVPF` or `UDP/DTLS/SCTP`.
    public var proto: String
    /// `<fmt>` list: RTP payload types as decimal text, or e.g. `webrtc-datachannel`.
    public var formats: [String]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// `i=` and `k=` lines of this section.
    public var otherLines: [SDPLine]
    /// Every `a=` line of the section in order, unknown ones included.
    public var attributes: [SDPAttribute]

    public init(kind: MediaKind, port: UInt16, portCount: UInt16? = nil, proto: String, formats: [String],
                connection: SDPConnection? = nil, bandwidths: [SDPBandwidth] = [],
                otherLines: [SDPLine] = [], attributes: [SDPAttribute] = []) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.bandwidths = bandwidths
        self.otherLines = otherLines
        self.attributes = attributes
    }

}

/// A complete session description (RFC 8866 §5).
public struct SessionDescription: Hashable, Sendable, SDPAttributeList {
    public var origin: SDPOrigin
    /// `s=` value; WebRTC stacks write "-".
    public var sessionName: String
    /// `t=` value; WebRTC always uses "0 0".
    public var timing: String
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// Session-level `i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=` lines.
    public var otherLines: [SDPLine]
    /// Session-level `a=` lines in order.
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(origin: SDPOrigin, sessionName: String = "-", timing: String = "0 0",
                connection: SDPConnection? = nil, bandwidths: [SDPBandwidth] = [],
                otherLines: [SDPLine] = [], attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.timing = timing
        self.connection = connection
        self.bandwidths = bandwidths
        self.otherLines = otherLines
        self.attributes = attributes
        self.media = media
    }

}


/// An ordered list of `a=` lines: the session level or one media section (RFC 8866 §5.13).
public protocol SDPAttributeList {
    var attributes: [SDPAttribute] { get set }
}

extension SDPAttributeList {
    /// Values of every attribute called `name` (a property attribute yields "").
    public func attributeValues(_ name: String) -> [String] {
        attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil }
    }

    /// Value of the first attribute called `name` ("" for a property attribute), nil if absent.
    public func attributeValue(_ name: String) -> String? {
        for attribute in attributes where attribute.name == name { return attribute.value ?? "" }
        return nil
    }

    /// True if at least one attribute is called `name`.
    public func hasAttribute(_ name: String) -> Bool {
        attributes.contains { $0.name == name }
    }

    /// Appends `a=name[:value]`.
    public mutating func add(_ name: String, _ value: String? = nil) {
        attributes.append(SDPAttribute(name, value))
    }
}
