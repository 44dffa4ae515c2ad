/// Why the ICE-lite responder sent nothing back (one counter per case is a good metric label).
public enum STUNDropReason: String, CaseIterable, Sendable {
    /// Not a STUN datagram (fails `STUNMessage.looksLikeSTUN`).
    case notSTUN
    /// Looks like STUN but the framing is broken (`STUNMessage.parse` threw).
    case malformed
    /// FINGERPRINT missing, wrong, or not the last attribute (RFC 8489 §14.7, RFC 8445 §7.2.2):
    /// silent discard (BH-13).
    case badFingerprint
    /// A Binding indication (e.g. OBS WHIP keepalive, BH-12): never answered and no consent refresh.
    case indication
    /// A request for a method other than Binding.
    case notBindingRequest
    /// Request without USERNAME (RFC 8489 §9.1.3 would send 400; an ICE-lite agent just drops).
    case noUsername
    /// USERNAME is not "<localUfrag>:<remoteUfrag>" with two non-empty parts.
    case malformedUsername
    /// Request without a 20-byte MESSAGE-INTEGRITY.
    case noIntegrity
    /// The local ufrag is not one of ours (`passwordForLocalUfrag` returned nil).
    case unknownUfrag
    /// MESSAGE-INTEGRITY does not verify with the local ice-pwd.
    case badIntegrity
    /// A success or error response: an ICE-lite agent sends no requests, so none is expected.
    case response
}

/// What to do with one datagram received on an ICE-lite port.
public enum ICELiteDecision: Equatable, Sendable {
    /// Send `bytes` back to the source. `localUfrag`/`remoteUfrag` come from the authenticated USERNAME;
    /// `nominated` is true when the request carried USE-CANDIDATE (RFC 8445 §7.3.1.5).
    /// `bytes` is a Binding success response, or a 420 error response when the request carried unknown
    /// comprehension-required attributes (then `nominated` is false): check `isSuccessResponse`
    /// before treating the pair as valid or refreshing consent.
    case respond(bytes: [UInt8], localUfrag: String, remoteUfrag: String, nominated: Bool)
    /// Send nothing.
    case drop(STUNDropReason)

    /// True for `.respond` carrying a Binding success response (type 0x0101): only then has the peer
    /// proven knowledge of the password for this pair (connectivity check passed, consent refreshed).
    public var isSuccessResponse: Bool {
        guard case .respond(let bytes, _, _, _) = self, bytes.count >= 2 else { return false }
        return bytes[0] == 0x01 && bytes[1] == 0x01
    }
}

/// A pure ICE-lite responder (RFC 8445 §2.5 lite agents, §7.3 responding to checks; RFC 8489 §6.3).
///
/// Processing order for each datagram, first failing step wins:
/// 1. `looksLikeSTUN`, then `parse` → `.drop(.notSTUN)` / `.drop(.malformed)`.
/// 2. FINGERPRINT must be present, last and correct → else `.drop(.badFingerprint)` (silent discard,
///    BH-13). RFC 8445 §7.2.2 makes it mandatory in ICE checks and libwebrtc rejects ICE STUN without it;
///    requiring it also keeps a corrupted FINGERPRINT type from turning into an ignored unknown attribute.
/// 3. Indications → `.drop(.indication)` (BH-12); responses → `.drop(.response)`; non-Binding
///    requests → `.drop(.notBindingRequest)`.
/// 4. USERNAME "<localUfrag>:<remoteUfrag>" and MESSAGE-INTEGRITY present, local ufrag known, MI verifies
///    with the UTF-8 bytes of its ice-pwd. Failures are DROPPED, not answered with 400/401: an
///    unauthenticated 401 would let anyone make the server send packets to a spoofed address, and a
///    browser retransmits its check anyway (BH-13 allows either). Reason `badIntegrity` etc.
/// 5. Unknown comprehension-required attributes before MESSAGE-INTEGRITY → `.respond` with a 420 error
///    listing them in UNKNOWN-ATTRIBUTES, with MESSAGE-INTEGRITY and FINGERPRINT; never a success and
///    never a nomination. Comprehension-optional unknowns (0xC057 GOOG-NETWORK-INFO, …) are ignored.
/// 6. Otherwise a Binding success: XOR-MAPPED-ADDRESS = `source`, MESSAGE-INTEGRITY, FINGERPRINT.
///
/// An ICE-lite agent is always controlled (RFC 8445 §6.1.1), so role-conflict handling is not done
/// here. The responder keeps no state and logs nothing; call it from any thread.
public struct ICELiteResponder: Sendable {
    public init() {}

    /// Decides the answer to one datagram.
    /// - Parameters:
    ///   - raw: the whole UDP payload.
    ///   - source: where it came from (becomes XOR-MAPPED-ADDRESS).
    ///   - passwordForLocalUfrag: the local ice-pwd for a local ufrag we issued, nil if unknown.
    public func handle(_ raw: [UInt8], from source: STUNTransportAddress,
                       passwordForLocalUfrag: (String) -> String?) -> ICELiteDecision {
        guard STUNMessage.looksLikeSTUN(raw) else { return .drop(.notSTUN) }
        guard let message = try? STUNMessage.parse(raw) else { return .drop(.malformed) }

        guard STUNMessage.verifyFingerprint(raw) else { return .drop(.badFingerprint) }
        switch message.messageClass {
        case .indication: return .drop(.indication)
        case .successResponse, .errorResponse: return .drop(.response)
        case .request: break
        }
        guard message.method == STUNMethod.binding else { return .drop(.notBindingRequest) }

        guard message.attributes.contains(where: { $0.type == STUNAttributeType.username }) else {
            return .drop(.noUsername)
        }
        guard let username = message.username, let (localUfrag, remoteUfrag) = Self.splitUsername(username) else {
            return .drop(.malformedUsername)
        }
        guard message.attributes.contains(where: {
            $0.type == STUNAttributeType.messageIntegrity && $0.value.count == 20
        }) else { return .drop(.noIntegrity) }
        guard let password = passwordForLocalUfrag(localUfrag) else { return .drop(.unknownUfrag) }
        let key = Array(password.utf8)
        guard STUNMessage.verifyMessageIntegrity(raw, key: key) else { return .drop(.badIntegrity) }

        let unknown = message.unknownComprehensionRequired
        if !unknown.isEmpty {
            let bytes = STUNMessage.errorResponse(transactionID: message.transactionID, code: 420,
                                                  reason: "Unknown Attribute", unknownAttributes: unknown,
                                                  integrityKey: key)
            return .respond(bytes: bytes, localUfrag: localUfrag, remoteUfrag: remoteUfrag, nominated: false)
        }
        let bytes = STUNMessage.bindingSuccessResponse(transactionID: message.transactionID, mapped: source,
                                                       integrityKey: key)
        return .respond(bytes: bytes, localUfrag: localUfrag, remoteUfrag: remoteUfrag,
                        nominated: message.useCandidate)
    }

    /// Splits "<local>:<remote>" at the first colon; nil when either part is empty.
    static func splitUsername(_ username: String) -> (String, String)? {
        guard let colon = username.firstIndex(of: ":") else { return nil }
        let local = String(username[..<colon])
        let remote = String(username[username.index(after: colon)...])
        guard !local.isEmpty, !remote.isEmpty else { return nil }
        return (local, remote)
    }
}
