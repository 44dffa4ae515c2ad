import COpenSSL

/// A self-signed ECDSA P-256 certificate and its private key, used as the server's DTLS identity
/// (RFC 8827 §6.5, RFC 8122 fingerprints). One certificate serves every peer connection; its
/// SHA-256 fingerprint goes into every SDP the server writes (`a=fingerprint:sha-256 AA:BB:…`).
public final class DTLSCertificate: @unchecked Sendable {
    let certificate: OpaquePointer   // X509*
    let privateKey: OpaquePointer    // EVP_PKEY*

    /// The SHA-256 fingerprint as uppercase colon-separated hex (95 characters), as written after
    /// `a=fingerprint:sha-256 `.
    public let sha256Fingerprint: String

    /// Generates a fresh key pair and a certificate valid from one day ago for `validityDays`.
    /// - Throws: `DTLSError.certificate` when OpenSSL fails (out of memory, RNG failure).
    public init(commonName: String = "parley", validityDays: Int = 30) throws {
        guard let pkey = parley_EVP_EC_gen_p256() else { throw DTLSError.certificate("EVP_EC_gen failed") }
        guard let x509 = X509_new() else { EVP_PKEY_free(pkey); throw DTLSError.certificate("X509_new failed") }
        var ok = X509_set_version(x509, 2) == 1
        var serial: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &serial) { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8) }
        ok = ok && ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial & 0x7fff_ffff_ffff_ffff) == 1
        ok = ok && X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil
        ok = ok && X509_gmtime_adj(X509_getm_notAfter(x509), Int(validityDays) * 86_400) != nil
        ok = ok && X509_set_pubkey(x509, pkey) == 1
        if ok, let name = X509_get_subject_name(x509) {
            ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
            ok = ok && X509_set_issuer_name(x509, name) == 1
        }
        ok = ok && X509_sign(x509, pkey, EVP_sha256()) > 0
        guard ok, let fingerprint = DTLSCertificate.fingerprint(of: x509) else {
            X509_free(x509); EVP_PKEY_free(pkey)
            throw DTLSError.certificate("building the self-signed certificate failed")
        }
        self.certificate = x509
        self.privateKey = pkey
        self.sha256Fingerprint = fingerprint
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(privateKey)
    }

    /// SHA-256 digest of the DER certificate as uppercase colon-separated hex.
    static func fingerprint(of x509: OpaquePointer) -> String? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, EVP_sha256(), &digest, &length) == 1 else { return nil }
        return formatFingerprint(digest.prefix(Int(length)))
    }

    /// Formats digest bytes as `AA:BB:…` (RFC 8122 §5).
    public static func formatFingerprint<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let hex: [Character] = Array("0123456789ABCDEF")
        var out = ""
        out.reserveCapacity(bytes.count * 3)
        for (i, b) in bytes.enumerated() {
            if i > 0 { out.append(":") }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0f)])
        }
        return out
    }
}

/// Errors of the DTLS layer.
public enum DTLSError: Error, Equatable, CustomStringConvertible {
    case certificate(String)
    case context(String)
    case handshake(String)
    case fingerprintMismatch(expected: String, actual: String)
    case unsupportedSRTPProfile(UInt)

    public var description: String {
        switch self {
        case .certificate(let m): return "DTLS certificate: \(m)"
        case .context(let m): return "DTLS context: \(m)"
        case .handshake(let m): return "DTLS handshake: \(m)"
        case .fingerprintMismatch(let e, let a): return "DTLS peer fingerprint \(a) does not match the SDP's \(e)"
        case .unsupportedSRTPProfile(let p): return "unsupported SRTP protection profile \(p)"
        }
    }
}
