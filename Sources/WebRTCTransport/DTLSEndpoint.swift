import COpenSSL

/// The SRTP protection profile chosen by the DTLS `use_srtp` extension (RFC 5764 §4.1.2, RFC 7714 §14.2).
public enum SRTPProtectionProfile: UInt, Sendable, CaseIterable {
    /// SRTP_AES128_CM_HMAC_SHA1_80: 16-byte master key, 14-byte master salt, 10-byte auth tag.
    case aes128CmHmacSha1_80 = 0x0001
    /// SRTP_AEAD_AES_128_GCM: 16-byte master key, 12-byte master salt, 16-byte tag.
    case aeadAes128Gcm = 0x0007

    public var keyLength: Int { 16 }
    public var saltLength: Int { self == .aeadAes128Gcm ? 12 : 14 }
}

/// Keying material exported with the `EXTRACTOR-dtls_srtp` label (RFC 5764 §4.2), already split
/// into the local (what we protect with) and remote (what we unprotect with) master key‖salt.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public var profile: SRTPProtectionProfile
    /// Master key followed by master salt for packets we send.
    public var localKeyAndSalt: [UInt8]
    /// Master key followed by master salt for packets we receive.
    public var remoteKeyAndSalt: [UInt8]
}

/// DTLS role of this endpoint, from the SDP `a=setup` negotiation (RFC 8842 §5).
public enum DTLSRole: Sendable, Equatable { case server, client }

/// Shared OpenSSL `SSL_CTX` holding the certificate and the DTLS 1.2 / use_srtp settings.
/// Thread-safe once built; one per process.
public final class DTLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    public let certificate: DTLSCertificate

    /// SRTP profiles offered, in preference order: GCM first (≈5× cheaper than CM-80 with
    /// Debian's libsrtp2), CM-80 for peers without GCM.
    public static let srtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

    /// - Throws: `DTLSError.context` when OpenSSL rejects a setting.
    public init(certificate: DTLSCertificate) throws {
        guard let ctx = SSL_CTX_new(DTLS_method()) else { throw DTLSError.context("SSL_CTX_new failed") }
        self.ctx = ctx
        self.certificate = certificate
        guard parley_SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1,
              parley_SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1 else {
            throw DTLSError.context("cannot pin DTLS 1.2")
        }
        guard SSL_CTX_use_certificate(ctx, certificate.certificate) == 1,
              SSL_CTX_use_PrivateKey(ctx, certificate.privateKey) == 1,
              SSL_CTX_check_private_key(ctx) == 1 else {
            throw DTLSError.context("certificate/key rejected")
        }
        // Peer certificates are self-signed: accept any chain here and compare the SHA-256
        // fingerprint with the SDP's a=fingerprint after the handshake (RFC 8827 §6.5).
        SSL_CTX_set_verify(ctx, parley_SSL_VERIFY_PEER_FAIL(), { _, _ in 1 })
        // `use_srtp` returns 0 on success (inverted convention).
        guard SSL_CTX_set_tlsext_use_srtp(ctx, DTLSContext.srtpProfiles) == 0 else {
            throw DTLSError.context("use_srtp profiles rejected")
        }
        let ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
            + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
            + "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"
        guard SSL_CTX_set_cipher_list(ctx, ciphers) == 1 else { throw DTLSError.context("cipher list rejected") }
        _ = parley_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")
        _ = parley_SSL_CTX_set_read_ahead(ctx, 1)
        _ = parley_SSL_CTX_options_dtls(ctx)
    }

    deinit { SSL_CTX_free(ctx) }
}

/// One DTLS 1.2 association over an ICE-validated UDP path (RFC 6347, RFC 5764).
///
/// Not thread-safe: owned by the media event loop. Feed every received DTLS datagram to
/// `receive(_:)`; send every datagram returned (and those from `handleTimeout()`); after
/// `isConnected` becomes true, `keyingMaterial` holds the SRTP keys. Handshake messages split over
/// several datagrams (BH-14) and retransmitted flights are reassembled by OpenSSL.
public final class DTLSEndpoint {
    /// Path MTU assumed for handshake flights (bytes of DTLS record data per datagram).
    public static let mtu = 1200

    public let role: DTLSRole
    /// Expected SHA-256 fingerprint of the peer certificate (from the remote SDP), uppercase hex.
    public let expectedPeerFingerprint: String?
    public private(set) var isConnected = false
    public private(set) var isClosed = false
    public private(set) var keyingMaterial: SRTPKeyingMaterial?
    public private(set) var failure: DTLSError?

    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    fileprivate var outgoing: [[UInt8]] = []

    /// - Parameters:
    ///   - role: `.server` waits for a ClientHello; `.client` starts the handshake in `start()`.
    ///   - expectedPeerFingerprint: the remote `a=fingerprint:sha-256` value; `nil` skips the check
    ///     (tests only).
    /// - Throws: `DTLSError.context` if OpenSSL cannot allocate the session.
    public init(context: DTLSContext, role: DTLSRole, expectedPeerFingerprint: String?) throws {
        guard let ssl = SSL_new(context.ctx) else { throw DTLSError.context("SSL_new failed") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(datagramBIOMethod) else {
            SSL_free(ssl)
            throw DTLSError.context("BIO_new failed")
        }
        _ = parley_BIO_set_mem_eof_return(rbio, -1)
        self.ssl = ssl
        self.readBIO = rbio
        self.role = role
        self.expectedPeerFingerprint = expectedPeerFingerprint?.uppercased()
        BIO_set_data(wbio, Unmanaged.passUnretained(self).toOpaque())
        SSL_set_bio(ssl, rbio, wbio)
        _ = parley_SSL_set_options_no_query_mtu(ssl)
        _ = parley_DTLS_set_link_mtu(ssl, DTLSEndpoint.mtu)
        _ = parley_SSL_set_mtu(ssl, DTLSEndpoint.mtu - 28)
        if role == .server { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
    }

    deinit {
        if let wbio = SSL_get_wbio(ssl) { BIO_set_data(wbio, nil) }
        SSL_free(ssl)   // frees both BIOs
    }

    /// Starts the handshake when we are the client; returns the ClientHello datagram(s).
    public func start() -> [[UInt8]] {
        guard role == .client, !isConnected else { return [] }
        driveHandshake()
        return takeOutgoing()
    }

    /// Processes one received DTLS datagram (first byte 20…63, RFC 7983). Returns datagrams to send.
    /// After a failure or close, further input is ignored.
    public func receive(_ datagram: [UInt8]) -> [[UInt8]] {
        guard !isClosed, failure == nil, !datagram.isEmpty else { return [] }
        let written = datagram.withUnsafeBytes { BIO_write(readBIO, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(datagram.count) else { return [] }
        if !isConnected {
            driveHandshake()
        }
        if isConnected { drainApplicationData() }
        return takeOutgoing()
    }

    /// Milliseconds until OpenSSL wants `handleTimeout()` (handshake retransmission), or nil.
    public func timeoutMilliseconds() -> Int? {
        guard !isConnected, !isClosed else { return nil }
        var tv = timeval()
        guard parley_DTLSv1_get_timeout(ssl, &tv) == 1 else { return nil }
        return Int(tv.tv_sec) * 1000 + Int(tv.tv_usec) / 1000
    }

    /// Retransmits the last flight if its timer expired. Returns datagrams to send.
    public func handleTimeout() -> [[UInt8]] {
        guard !isConnected, !isClosed else { return [] }
        _ = parley_DTLSv1_handle_timeout(ssl)
        return takeOutgoing()
    }

    /// Sends a close_notify alert and marks the association closed.
    public func close() -> [[UInt8]] {
        guard !isClosed else { return [] }
        isClosed = true
        if isConnected { _ = SSL_shutdown(ssl) }
        return takeOutgoing()
    }

    private func takeOutgoing() -> [[UInt8]] {
        defer { outgoing.removeAll(keepingCapacity: true) }
        return outgoing
    }

    private func driveHandshake() {
        let r = SSL_do_handshake(ssl)
        if r == 1 {
            finishHandshake()
            return
        }
        let err = SSL_get_error(ssl, r)
        if err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE { return }
        failure = .handshake(lastOpenSSLError(default: "SSL_do_handshake error \(err)"))
        ERR_clear_error()
    }

    private func finishHandshake() {
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            failure = .handshake("peer sent no certificate")
            return
        }
        let actual = DTLSCertificate.fingerprint(of: peer) ?? ""
        X509_free(peer)
        if let expected = expectedPeerFingerprint, expected != actual {
            failure = .fingerprintMismatch(expected: expected, actual: actual)
            return
        }
        guard let profilePtr = SSL_get_selected_srtp_profile(ssl) else {
            failure = .handshake("peer negotiated no use_srtp profile")
            return
        }
        guard let profile = SRTPProtectionProfile(rawValue: UInt(profilePtr.pointee.id)) else {
            failure = .unsupportedSRTPProfile(UInt(profilePtr.pointee.id))
            return
        }
        let k = profile.keyLength, s = profile.saltLength
        var material = [UInt8](repeating: 0, count: 2 * (k + s))
        let label = "EXTRACTOR-dtls_srtp"
        let ok = SSL_export_keying_material(ssl, &material, material.count, label, label.utf8.count, nil, 0, 0)
        guard ok == 1 else {
            failure = .handshake("keying material export failed")
            return
        }
        let clientKey = Array(material[0..<k]), serverKey = Array(material[k..<2 * k])
        let clientSalt = Array(material[2 * k..<2 * k + s]), serverSalt = Array(material[2 * k + s..<2 * (k + s)])
        let client = clientKey + clientSalt, server = serverKey + serverSalt
        keyingMaterial = SRTPKeyingMaterial(
            profile: profile,
            localKeyAndSalt: role == .server ? server : client,
            remoteKeyAndSalt: role == .server ? client : server)
        isConnected = true
    }

    /// Reads (and discards) application data; notices close_notify.
    private func drainApplicationData() {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let n = SSL_read(ssl, &buffer, Int32(buffer.count))
            if n > 0 { continue }
            let err = SSL_get_error(ssl, n)
            if err == SSL_ERROR_ZERO_RETURN { isClosed = true }
            ERR_clear_error()
            return
        }
    }

    private func lastOpenSSLError(default fallback: String) -> String {
        let code = ERR_get_error()
        guard code != 0 else { return fallback }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, buf.count)
        return String(cString: buf)
    }
}

/// A write-only BIO that hands each `BIO_write` (one DTLS datagram) to its `DTLSEndpoint`.
private let datagramBIOMethod: OpaquePointer = {
    guard let method = BIO_meth_new(BIO_get_new_index() | parley_BIO_TYPE_SOURCE_SINK(), "parley-dgram") else {
        fatalError("BIO_meth_new failed at start-up")   // allocation failure before any input
    }
    _ = BIO_meth_set_write(method) { bio, data, length in
        guard let bio, let data, length > 0, let raw = BIO_get_data(bio) else { return length }
        let endpoint = Unmanaged<DTLSEndpoint>.fromOpaque(raw).takeUnretainedValue()
        let bytes = UnsafeRawBufferPointer(start: data, count: Int(length))
        endpoint.outgoing.append(Array(bytes))
        return length
    }
    _ = BIO_meth_set_ctrl(method) { _, cmd, _, _ in
        switch cmd {
        case parley_BIO_CTRL_FLUSH(): return 1
        case parley_BIO_CTRL_DGRAM_QUERY_MTU(): return DTLSEndpoint.mtu - 28
        case parley_BIO_CTRL_WPENDING(), parley_BIO_CTRL_PENDING(), parley_BIO_CTRL_DGRAM_GET_MTU_OVERHEAD(): return 0
        default: return 0
        }
    }
    _ = BIO_meth_set_create(method) { bio in
        BIO_set_init(bio, 1)
        return 1
    }
    _ = BIO_meth_set_destroy(method) { _ in 1 }
    return method
}()
