/// Builds RTCP packets as wire bytes (RFC 3550 §6.4–6.6, RFC 4585 §6, RFC 5104 §4.3.1, REMB).
/// Each function returns one packet (or, past 31 report blocks, a compound of SR/RR packets); concatenate
/// results to form a compound. Reduced-size RTCP (RFC 5506: a lone PLI/NACK/REMB) is fine to send when
/// negotiated with a=rtcp-rsize.
public enum RTCPBuilder {
    /// PSFB FMT 1 Picture Loss Indication (12 bytes).
    public static func pli(senderSSRC: UInt32, mediaSSRC: UInt32) -> [UInt8] {
        var out = header(count: 1, packetType: RTCPPacket.typePSFB, words: 2)
        append32(&out, senderSSRC)
        append32(&out, mediaSSRC)
        return out
    }

    /// PSFB FMT 4 Full Intra Request for `mediaSSRC` with command sequence number `sequence`
    /// (RFC 5104 §4.3.1: increment it per new request, keep it for retransmissions). 20 bytes; the
    /// header's media SSRC is 0 as the RFC requires, the target is in the FCI.
    public static func fir(senderSSRC: UInt32, mediaSSRC: UInt32, sequence: UInt8) -> [UInt8] {
        var out = header(count: 4, packetType: RTCPPacket.typePSFB, words: 4)
        append32(&out, senderSSRC)
        append32(&out, 0)
        append32(&out, mediaSSRC)
        out.append(contentsOf: [sequence, 0, 0, 0])
        return out
    }

    /// RTPFB FMT 1 generic NACK. `lost` is packed into PID + 16-bit BLP pairs (each PID covers PID+1 …
    /// PID+16, wrap-around aware); duplicates are ignored and the first occurrence order kept. Returns an
    /// empty array when `lost` is empty (a NACK must carry at least one FCI).
    public static func nack(senderSSRC: UInt32, mediaSSRC: UInt32, lost: [UInt16]) -> [UInt8] {
        var pairs: [(pid: UInt16, blp: UInt16)] = []
        var seen = Set<UInt16>()
        for seq in lost where seen.insert(seq).inserted {
            if let index = pairs.firstIndex(where: { (1...16).contains(seq &- $0.pid) }) {
                pairs[index].blp |= 1 << (seq &- pairs[index].pid - 1)
            } else {
                pairs.append((seq, 0))
            }
        }
        guard !pairs.isEmpty, pairs.count <= 0xFFFF - 2 else { return [] }
        var out = header(count: 1, packetType: RTCPPacket.typeRTPFB, words: 2 + pairs.count)
        append32(&out, senderSSRC)
        append32(&out, mediaSSRC)
        for pair in pairs { append32(&out, UInt32(pair.pid) << 16 | UInt32(pair.blp)) }
        return out
    }

    /// RR (PT 201). More than 31 report blocks are split over several RR packets (returned concatenated).
    public static func receiverReport(ssrc: UInt32, reports: [RTCPReportBlock]) -> [UInt8] {
        var out: [UInt8] = []
        var remaining = reports[...]
        repeat {
            let batch = remaining.prefix(31)
            remaining = remaining.dropFirst(batch.count)
            out += header(count: batch.count, packetType: RTCPPacket.typeRR, words: 1 + 6 * batch.count)
            append32(&out, ssrc)
            for block in batch { appendReportBlock(&out, block) }
        } while !remaining.isEmpty
        return out
    }

    /// SR (PT 200): `ntp` is the 64-bit NTP timestamp, `rtpTimestamp` the same instant in media clock ticks,
    /// `octetCount` payload octets. Blocks beyond 31 go into RR packets appended after the SR.
    public static func senderReport(ssrc: UInt32, ntp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32,
                                    octetCount: UInt32, reports: [RTCPReportBlock] = []) -> [UInt8] {
        let batch = reports.prefix(31)
        var out = header(count: batch.count, packetType: RTCPPacket.typeSR, words: 6 + 6 * batch.count)
        append32(&out, ssrc)
        append32(&out, UInt32(ntp >> 32))
        append32(&out, UInt32(ntp & 0xFFFF_FFFF))
        append32(&out, rtpTimestamp)
        append32(&out, packetCount)
        append32(&out, octetCount)
        for block in batch { appendReportBlock(&out, block) }
        if reports.count > 31 { out += receiverReport(ssrc: ssrc, reports: Array(reports.dropFirst(31))) }
        return out
    }

    /// PSFB FMT 15 REMB: `bitrate` in bits/s as an 18-bit mantissa and 6-bit exponent (rounded down), for
    /// up to 255 `ssrcs` (more are ignored).
    public static func remb(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32]) -> [UInt8] {
        let targets = ssrcs.prefix(255)
        var exponent: UInt64 = 0
        while bitrate >> exponent > 0x3FFFF { exponent += 1 }
        let mantissa = bitrate >> exponent
        var out = header(count: 15, packetType: RTCPPacket.typePSFB, words: 4 + targets.count)
        append32(&out, senderSSRC)
        append32(&out, 0)
        out.append(contentsOf: Array("REMB".utf8))
        out.append(UInt8(targets.count))
        out.append(UInt8(exponent << 2) | UInt8((mantissa >> 16) & 0x03))
        out.append(UInt8((mantissa >> 8) & 0xFF))
        out.append(UInt8(mantissa & 0xFF))
        for target in targets { append32(&out, target) }
        return out
    }

    /// SDES (PT 202) with one chunk carrying a CNAME (truncated to 255 bytes), null-terminated and padded.
    public static func sdes(ssrc: UInt32, cname: String) -> [UInt8] {
        let text = Array(Array(cname.utf8).prefix(255))
        var chunk: [UInt8] = []
        append32(&chunk, ssrc)
        chunk.append(1)
        chunk.append(UInt8(text.count))
        chunk.append(contentsOf: text)
        chunk.append(0)
        chunk.append(contentsOf: repeatElement(0, count: (4 - chunk.count % 4) % 4))
        return header(count: 1, packetType: RTCPPacket.typeSDES, words: chunk.count / 4) + chunk
    }

    /// BYE (PT 203) for up to 31 SSRCs with an optional reason (truncated to 255 bytes).
    public static func bye(ssrcs: [UInt32], reason: String? = nil) -> [UInt8] {
        let sources = ssrcs.prefix(31)
        var body: [UInt8] = []
        for ssrc in sources { append32(&body, ssrc) }
        if let reason {
            let text = Array(Array(reason.utf8).prefix(255))
            body.append(UInt8(text.count))
            body.append(contentsOf: text)
            body.append(contentsOf: repeatElement(0, count: (4 - body.count % 4) % 4))
        }
        return header(count: sources.count, packetType: RTCPPacket.typeBYE, words: body.count / 4) + body
    }

    // MARK: - Helpers

    /// V=2, P=0, count, packet type, length = `words` (32-bit words after the header).
    static func header(count: Int, packetType: UInt8, words: Int) -> [UInt8] {
        [0x80 | UInt8(count & 0x1F), packetType, UInt8((words >> 8) & 0xFF), UInt8(words & 0xFF)]
    }

    static func append32(_ out: inout [UInt8], _ value: UInt32) {
        out.append(UInt8(value >> 24))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8(value & 0xFF))
    }

    static func appendReportBlock(_ out: inout [UInt8], _ block: RTCPReportBlock) {
        append32(&out, block.ssrc)
        let lost = min(max(block.cumulativeLost, -0x80_0000), 0x7F_FFFF)
        append32(&out, UInt32(block.fractionLost) << 24 | (UInt32(bitPattern: lost) & 0x00FF_FFFF))
        append32(&out, block.highestSeq)
        append32(&out, block.jitter)
        append32(&out, block.lsr)
        append32(&out, block.dlsr)
    }
}
