import CSRTP
import NIOCore

/// Errors from SRTP processing. Every failed packet is dropped and counted by the caller.
public enum SRTPError: Error, Equatable, CustomStringConvertible {
    case initialization(Int32)
    /// libsrtp status code: 7 = auth failure, 9/10 = replay, 2 = bad parameter.
    case protect(Int32)
    case unprotect(Int32)
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .initialization(let c): return "srtp_create failed (status \(c))"
        case .protect(let c): return "srtp protect failed (status \(c))"
        case .unprotect(let c): return "srtp unprotect failed (status \(c))"
        case .tooLarge(let n): return "packet of \(n) bytes exceeds the SRTP buffer"
        }
    }
}

private let srtpLibraryInitialized: Bool = { srtp_init() == srtp_err_status_ok }()

/// One direction of SRTP/SRTCP (RFC 3711, RFC 7714) over libsrtp2: an inbound context
/// unprotects with the remote key, an outbound one protects with the local key. Streams are
/// created per SSRC on first use (`ssrc_any_*`), so SSRCs need not be known in advance; an
/// outbound stream starts with ROC 0 at whatever sequence number it first sees.
/// Outbound RTP with AEAD_AES_128_GCM goes through `SRTPAEADSender` (OpenSSL EVP, byte-identical,
/// about twice as fast as Debian's NSS-backed libsrtp); RTCP and inbound always use libsrtp.
/// Not thread-safe: owned by the media event loop.
public final class SRTPContext {
    public enum Direction: Sendable { case inbound, outbound }

    /// Initializes libsrtp once per process. Call it at start-up, off the media path: Debian's
    /// libsrtp2 initializes NSS here (tens to hundreds of ms), which would otherwise stall the
    /// media event loop when the first handshake completes. Later calls are free.
    @discardableResult
    public static func initializeLibrary() -> Bool { srtpLibraryInitialized }

    /// Bytes an outbound packet may grow by (auth tag / GCM tag + SRTCP index).
    public static let maxTrailer = Int(SRTP_MAX_TRAILER_LEN) + 4

    private var session: srtp_t?
    /// Outbound GCM RTP over OpenSSL (nil: libsrtp protects RTP too).
    private let aeadSender: SRTPAEADSender?
    public let direction: Direction
    public let profile: SRTPProtectionProfile

    /// - Parameter keyAndSalt: master key ‖ master salt (30 bytes for CM-80, 28 for GCM-128).
    /// - Throws: `SRTPError.initialization` when libsrtp refuses the policy or key length.
    public convenience init(profile: SRTPProtectionProfile, keyAndSalt: [UInt8], direction: Direction,
                            replayWindow: UInt = 1024) throws {
        try self.init(profile: profile, keyAndSalt: keyAndSalt, direction: direction, replayWindow: replayWindow,
                      aeadOverOpenSSL: true)
    }

    /// `aeadOverOpenSSL: false` keeps outbound GCM RTP in libsrtp (the tests' reference).
    init(profile: SRTPProtectionProfile, keyAndSalt: [UInt8], direction: Direction,
         replayWindow: UInt, aeadOverOpenSSL: Bool) throws {
        guard srtpLibraryInitialized else { throw SRTPError.initialization(-1) }
        guard keyAndSalt.count == profile.keyLength + profile.saltLength else {
            throw SRTPError.initialization(Int32(srtp_err_status_bad_param.rawValue))
        }
        self.direction = direction
        self.profile = profile
        if aeadOverOpenSSL, direction == .outbound, profile == .aeadAes128Gcm,
           replayWindow % 64 == 0, (64...0x8000).contains(replayWindow) {
            aeadSender = try SRTPAEADSender(keyAndSalt: keyAndSalt, replayWindow: Int(replayWindow))
        } else {
            aeadSender = nil
        }
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = direction == .inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = replayWindow
        policy.allow_repeat_tx = 1   // retransmissions reuse sequence numbers
        var key = keyAndSalt
        var created: srtp_t?
        let status = key.withUnsafeMutableBufferPointer { buf -> srtp_err_status_t in
            policy.key = buf.baseAddress
            policy.next = nil
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else {
            throw SRTPError.initialization(Int32(status.rawValue))
        }
        session = created
    }

    deinit { if let session { srtp_dealloc(session) } }

    /// Encrypts and authenticates an RTP packet in place (it grows by the tag).
    /// - Throws: `SRTPError.protect` (libsrtp status), `SRTPError.tooLarge` above 65 536 bytes.
    public func protectRTP(_ packet: inout [UInt8]) throws {
        guard let aeadSender else { return try protectInPlace(&packet, srtp_protect) }
        guard packet.count <= SRTPContext.maxPacketSize else { throw SRTPError.tooLarge(packet.count) }
        let plainCount = packet.count
        packet.append(contentsOf: repeatElement(0, count: SRTPAEADSender.tagLength))
        do {
            let length = try packet.withUnsafeMutableBytes { bytes in
                try aeadSender.protect(UnsafeRawBufferPointer(rebasing: bytes[0..<plainCount]), into: bytes)
            }
            packet.removeLast(packet.count - length)
        } catch {
            packet.removeLast(SRTPAEADSender.tagLength)
            throw error
        }
    }
    /// Verifies and decrypts an SRTP packet in place (it shrinks by the tag).
    /// - Throws: `SRTPError.unprotect` (7 = auth failure, 9/10 = replay), `SRTPError.tooLarge`.
    public func unprotectRTP(_ packet: inout [UInt8]) throws { try unprotectInPlace(&packet, srtp_unprotect) }
    /// Encrypts an RTCP compound in place (adds the SRTCP index and tag).
    public func protectRTCP(_ packet: inout [UInt8]) throws { try protectInPlace(&packet, srtp_protect_rtcp) }
    /// Verifies and decrypts an SRTCP compound in place.
    public func unprotectRTCP(_ packet: inout [UInt8]) throws { try unprotectInPlace(&packet, srtp_unprotect_rtcp) }

    /// Protects `packet` (RTP, or an RTCP compound when `rtcp`) straight into the writable bytes of
    /// `buffer`: one copy of the plaintext, encryption in the outgoing datagram's memory, no
    /// intermediate array. On success the writer index moves past the SRTP/SRTCP packet; on error
    /// nothing is written.
    /// - Throws: `SRTPError.protect` (libsrtp status), `SRTPError.tooLarge` above 65 536 bytes.
    public func protect(_ packet: [UInt8], rtcp: Bool, into buffer: inout ByteBuffer) throws {
        guard packet.count <= SRTPContext.maxPacketSize else { throw SRTPError.tooLarge(packet.count) }
        if !rtcp, let aeadSender {
            try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: packet.count + SRTPAEADSender.tagLength) { out in
                try packet.withUnsafeBytes { try aeadSender.protect($0, into: out) }
            }
            return
        }
        let fn = rtcp ? srtp_protect_rtcp : srtp_protect
        var status = srtp_err_status_ok
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: packet.count + SRTPContext.maxTrailer) { out in
            guard let base = out.baseAddress, out.count >= packet.count + SRTPContext.maxTrailer else {
                throw SRTPError.tooLarge(packet.count)
            }
            packet.withUnsafeBytes { plain in
                if let source = plain.baseAddress { base.copyMemory(from: source, byteCount: plain.count) }
            }
            var length = Int32(packet.count)
            status = fn(session, base, &length)
            guard status == srtp_err_status_ok, length >= 0, Int(length) <= out.count else { return 0 }
            return Int(length)
        }
        guard status == srtp_err_status_ok else { throw SRTPError.protect(Int32(status.rawValue)) }
    }

    /// Verifies and decrypts the SRTP packet (or SRTCP compound when `rtcp`) in `datagram` into a
    /// new array of exactly the plaintext's size: one allocation, one copy, no trailer room (a
    /// packet only shrinks when unprotected).
    /// - Throws: `SRTPError.unprotect` (7 = auth failure, 9/10 = replay, 2 = malformed),
    ///   `SRTPError.tooLarge` above 65 536 bytes.
    public func unprotect(_ datagram: UnsafeRawBufferPointer, rtcp: Bool) throws -> [UInt8] {
        guard datagram.count <= SRTPContext.maxPacketSize else { throw SRTPError.tooLarge(datagram.count) }
        let fn = rtcp ? srtp_unprotect_rtcp : srtp_unprotect
        var status = srtp_err_status_ok
        let plain = [UInt8](unsafeUninitializedCapacity: datagram.count) { out, initialized in
            initialized = 0
            guard let base = out.baseAddress, let source = datagram.baseAddress else {
                status = srtp_err_status_bad_param
                return
            }
            UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: datagram.count)
            var length = Int32(datagram.count)
            status = fn(session, base, &length)
            // On failure the bytes are still initialized (copied), but none are handed out.
            guard status == srtp_err_status_ok, length >= 0, Int(length) <= datagram.count else { return }
            initialized = Int(length)
        }
        guard status == srtp_err_status_ok else { throw SRTPError.unprotect(Int32(status.rawValue)) }
        return plain
    }

    /// Largest packet accepted by protect/unprotect (bytes): a UDP payload cannot be larger.
    public static let maxPacketSize = 1 << 16

    private typealias Transform = (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t

    private func protectInPlace(_ packet: inout [UInt8], _ fn: Transform) throws {
        guard packet.count <= SRTPContext.maxPacketSize else { throw SRTPError.tooLarge(packet.count) }
        let originalCount = packet.count
        packet.append(contentsOf: repeatElement(0, count: SRTPContext.maxTrailer))
        var length = Int32(originalCount)
        let status = packet.withUnsafeMutableBytes { fn(session, $0.baseAddress, &length) }
        guard status == srtp_err_status_ok, length >= 0, Int(length) <= packet.count else {
            packet.removeLast(SRTPContext.maxTrailer)
            throw SRTPError.protect(Int32(status.rawValue))
        }
        packet.removeLast(packet.count - Int(length))
    }

    /// Unprotecting only shrinks a packet: no trailer room, so no reallocation of `packet`.
    private func unprotectInPlace(_ packet: inout [UInt8], _ fn: Transform) throws {
        guard packet.count <= SRTPContext.maxPacketSize else { throw SRTPError.tooLarge(packet.count) }
        var length = Int32(packet.count)
        let originalCount = packet.count
        let status = packet.withUnsafeMutableBytes { fn(session, $0.baseAddress, &length) }
        guard status == srtp_err_status_ok, length >= 0, Int(length) <= originalCount else {
            throw SRTPError.unprotect(Int32(status.rawValue))
        }
        packet.removeLast(originalCount - Int(length))
    }
}
