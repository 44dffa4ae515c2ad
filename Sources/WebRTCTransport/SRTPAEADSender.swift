import COpenSSL

/// Outbound SRTP for SRTP_AEAD_AES_128_GCM (RFC 7714) over OpenSSL EVP: the forwarding hot path.
///
/// Debian's libsrtp2 runs AES-GCM through NSS (≈1.3 µs per 1200-byte packet here); OpenSSL EVP
/// does the same transform in ≈0.6 µs and can encrypt from the plaintext straight into the
/// outgoing datagram. Output is byte-identical to libsrtp's `srtp_protect` with the policy
/// `SRTPContext` uses (ssrc_any_outbound, replay window, allow_repeat_tx), which the tests
/// check packet by packet, including sequence wrap, reordering, retransmission and too-old packets:
///
/// - Session key and salt from the master key‖salt with the AES-CM PRF (RFC 3711 §4.3.1/§4.3.3,
///   labels 0x00 and 0x02, key derivation rate 0; the 12-byte master salt is zero-padded to 14
///   bytes as libsrtp does).
/// - Per SSRC, the packet index (ROC‖SEQ) is estimated from the highest index sent
///   (libsrtp `srtp_rdbx_estimate_index` / `srtp_index_guess`, RFC 3711 Appendix A). A packet
///   `replayWindow` or more behind the highest is refused (libsrtp `replay_old`); anything newer,
///   a repeated index included, is sent (retransmission).
/// - IV = (0x0000‖SSRC‖ROC‖SEQ) XOR session salt (RFC 7714 §8.1); AAD = the RTP header with CSRCs
///   and header extension (§8.2 without RFC 6904); 16-byte tag appended.
///
/// RTCP stays with libsrtp (its SRTCP index is separate state). Not thread-safe.
final class SRTPAEADSender {
    /// Tag bytes appended to every packet.
    static let tagLength = 16
    /// Indices remembered below the highest one sent (a multiple of 64; libsrtp `window_size`).
    let replayWindow: Int

    private let context: OpaquePointer
    private let sessionSalt: [UInt8]
    /// Highest 48-bit packet index (ROC << 16 | SEQ) sent per SSRC. libsrtp also keeps a bitmap of
    /// the indices sent below it, but with allow_repeat_tx a repeat is sent anyway, so for a
    /// sender only the distance to the highest index matters.
    private var highestIndex: [UInt32: UInt64] = [:]

    /// - Parameters:
    ///   - keyAndSalt: master key (16 bytes) ‖ master salt (12 bytes).
    ///   - replayWindow: a multiple of 64 from 64 to 32 768.
    /// - Throws: `SRTPError.initialization` for another length or window, or when OpenSSL fails.
    init(keyAndSalt: [UInt8], replayWindow: Int = 1024) throws {
        guard keyAndSalt.count == 28, replayWindow % 64 == 0, (64...0x8000).contains(replayWindow) else {
            throw SRTPError.initialization(2)
        }
        self.replayWindow = replayWindow
        let masterKey = Array(keyAndSalt[0..<16])
        let masterSalt = Array(keyAndSalt[16..<28]) + [0, 0]
        guard let sessionKey = SRTPAEADSender.prf(masterKey: masterKey, masterSalt: masterSalt, label: 0x00, length: 16),
              let salt = SRTPAEADSender.prf(masterKey: masterKey, masterSalt: masterSalt, label: 0x02, length: 12),
              let context = EVP_CIPHER_CTX_new() else { throw SRTPError.initialization(-2) }
        self.context = context
        self.sessionSalt = salt
        guard EVP_EncryptInit_ex(context, EVP_aes_128_gcm(), nil, sessionKey, nil) == 1 else {
            throw SRTPError.initialization(-3)
        }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// AES-CM PRF (RFC 3711 §4.3.3): `length` bytes of AES-128-CTR keystream under the master key,
    /// counter block = (masterSalt(14) XOR label at byte 7) ‖ 0x0000.
    static func prf(masterKey: [UInt8], masterSalt: [UInt8], label: UInt8, length: Int) -> [UInt8]? {
        guard masterKey.count == 16, masterSalt.count == 14, let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var iv = masterSalt + [0, 0]
        iv[7] ^= label
        var out = [UInt8](repeating: 0, count: length + 16)
        let zeros = [UInt8](repeating: 0, count: length)
        var outLength: Int32 = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nil, masterKey, iv) == 1,
              EVP_EncryptUpdate(ctx, &out, &outLength, zeros, Int32(length)) == 1, Int(outLength) == length else {
            return nil
        }
        return Array(out.prefix(length))
    }

    /// Length of the RTP header (fixed part, CSRCs, header extension) of a `count`-byte packet,
    /// or nil when the packet is shorter than the header claims (libsrtp: `bad_param`).
    static func headerLength(_ p: UnsafeRawBufferPointer) -> Int? {
        guard p.count >= 12 else { return nil }
        var length = 12 + 4 * Int(p[0] & 0x0f)
        if p[0] & 0x10 != 0 {
            guard p.count >= length + 4 else { return nil }
            length += 4 + 4 * (Int(p[length + 2]) << 8 | Int(p[length + 3]))
        }
        return p.count >= length ? length : nil
    }

    /// Encrypts `plain` (a whole RTP packet) into `out`, which must have room for
    /// `plain.count + tagLength` bytes (`out` may be `plain`'s own memory). Returns the SRTP length.
    /// - Throws: `SRTPError.protect` with libsrtp's status: 2 (bad_param) for a header longer than
    ///   the packet, 10 (replay_old) for a packet `replayWindow` or more behind, 8 when OpenSSL fails.
    func protect(_ plain: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let header = SRTPAEADSender.headerLength(plain), let source = plain.baseAddress,
              let target = out.baseAddress, out.count >= plain.count + SRTPAEADSender.tagLength else {
            throw SRTPError.protect(2)
        }
        let ssrc = UInt32(plain[8]) << 24 | UInt32(plain[9]) << 16 | UInt32(plain[10]) << 8 | UInt32(plain[11])
        let sequence = UInt16(plain[2]) << 8 | UInt16(plain[3])
        let index = try nextIndex(ssrc: ssrc, sequence: sequence)
        let roc = UInt32(truncatingIfNeeded: index >> 16)

        if target != UnsafeMutableRawPointer(mutating: source) {
            target.copyMemory(from: source, byteCount: header)
        }
        let payloadLength = plain.count - header
        var written: Int32 = 0, final: Int32 = 0
        let ok = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { iv -> Bool in
            iv.initialize(repeating: 0)
            for i in 0..<4 {
                iv[2 + i] = UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * UInt32(i)))
                iv[6 + i] = UInt8(truncatingIfNeeded: roc >> (24 - 8 * UInt32(i)))
            }
            iv[10] = UInt8(sequence >> 8)
            iv[11] = UInt8(sequence & 0xff)
            for i in 0..<12 { iv[i] ^= sessionSalt[i] }
            let input = source.assumingMemoryBound(to: UInt8.self)
            let output = target.assumingMemoryBound(to: UInt8.self)
            return EVP_EncryptInit_ex(context, nil, nil, nil, iv.baseAddress) == 1
                && EVP_EncryptUpdate(context, nil, &written, input, Int32(header)) == 1
                && EVP_EncryptUpdate(context, output + header, &written, input + header, Int32(payloadLength)) == 1
                && EVP_EncryptFinal_ex(context, output + header + Int(written), &final) == 1
                && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(SRTPAEADSender.tagLength),
                                       output + plain.count) == 1
        }
        guard ok, Int(written) + Int(final) == payloadLength else { throw SRTPError.protect(8) }
        return plain.count + SRTPAEADSender.tagLength
    }

    /// The packet index for `sequence` on `ssrc`; advances the highest index when it is newer.
    private func nextIndex(ssrc: UInt32, sequence: UInt16) throws -> UInt64 {
        let highest = highestIndex[ssrc] ?? 0
        let (guess, delta) = SRTPAEADSender.estimate(index: highest, sequence: sequence)
        if delta > 0 {
            highestIndex[ssrc] = highest &+ UInt64(delta)
        } else {
            // libsrtp `srtp_rdbx_check`: `replay_old` when outside the window; a repeated index is a
            // retransmission (allow_repeat_tx) and goes out again.
            guard -delta < replayWindow else { throw SRTPError.protect(10) }
        }
        return guess
    }

    /// libsrtp `srtp_rdbx_estimate_index`: (estimated 48-bit index, its distance from `index`).
    static func estimate(index: UInt64, sequence: UInt16) -> (UInt64, Int) {
        let median = 1 << 15, max = 1 << 16
        guard index > UInt64(median) else {
            return (UInt64(sequence), Int(sequence) - Int(index))
        }
        let localROC = UInt32(truncatingIfNeeded: index >> 16)
        let localSeq = Int(index & 0xffff)
        let s = Int(sequence)
        var roc = localROC
        let difference: Int
        if localSeq < median {
            if s - localSeq > median {
                roc = localROC &- 1
                difference = s - localSeq - max
            } else {
                difference = s - localSeq
            }
        } else if localSeq - median > s {
            roc = localROC &+ 1
            difference = s - localSeq + max
        } else {
            difference = s - localSeq
        }
        return (UInt64(roc) << 16 | UInt64(sequence), difference)
    }
}
