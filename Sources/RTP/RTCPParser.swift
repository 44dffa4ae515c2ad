extension RTCPPacket {
    /// Parses an RTCP compound packet (RFC 3550 §6.1, A.2; reduced-size RTCP per RFC 5506 allowed, so the
    /// first packet need not be SR/RR). Strict: the WHOLE compound is rejected when any packet is invalid —
    /// bad version, a length that overruns the datagram, a report/chunk/FCI count that needs more bytes than
    /// that packet's own length (never read from the next packet), padding on a non-last packet, a
    /// truncated SDES/BYE/XR structure. Unknown packet types, feedback formats and XR block types are
    /// accepted (`unknown`, or kept as XR blocks).
    ///
    /// BH-21 (SR + SDES + XR BT=42) is accepted whole; BH-23's three compounds are all rejected: trailing
    /// zero words → `badVersion`, RR count overrun → `countOverrun`, length 1024 in a 32-byte datagram →
    /// `lengthOverrun` (nothing past the datagram is read). Use `parseCompoundLenient` to salvage the
    /// valid packets (e.g. BH-23's BYE).
    /// - Throws: the first `RTCPParseError`.
    public static func parseCompound(_ bytes: [UInt8]) throws -> [RTCPPacket] {
        var packets: [RTCPPacket] = []
        try walk(bytes) { result in
            switch result {
            case .success(let packet): packets.append(packet)
            case .failure(let error): throw error
            }
        }
        return packets
    }

    /// Best-effort parse: returns every valid packet plus the errors met. A packet whose framing is intact
    /// (version 2, length within the datagram) but whose content is invalid is skipped and parsing goes
    /// on with the next one; a framing error stops parsing (the rest cannot be delimited).
    /// BH-23: packet 1 yields the BYE for SSRC 12345 + `badVersion`; packet 2 yields the SDES only +
    /// `countOverrun` for the RR; packet 3 yields nothing + `lengthOverrun`.
    public static func parseCompoundLenient(_ bytes: [UInt8]) -> (packets: [RTCPPacket], errors: [RTCPParseError]) {
        var packets: [RTCPPacket] = []
        var errors: [RTCPParseError] = []
        do {
            try walk(bytes) { result in
                switch result {
                case .success(let packet): packets.append(packet)
                case .failure(let error): errors.append(error)
                }
            }
        } catch let error as RTCPParseError {
            errors.append(error)
        } catch {}
        return (packets, errors)
    }

    /// Delimits packets; framing errors are thrown, per-packet results handed to `body`.
    private static func walk(_ bytes: [UInt8],
                             _ body: (Result<RTCPPacket, RTCPParseError>) throws -> Void) throws {
        guard !bytes.isEmpty else { throw RTCPParseError.tooShort(offset: 0, available: 0) }
        var offset = 0
        while offset < bytes.count {
            let available = bytes.count - offset
            guard available >= 4 else { throw RTCPParseError.tooShort(offset: offset, available: available) }
            let version = bytes[offset] >> 6
            guard version == 2 else { throw RTCPParseError.badVersion(offset: offset, version: version) }
            let length = ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            guard length <= available else {
                throw RTCPParseError.lengthOverrun(offset: offset, declared: length, available: available)
            }
            let isLast = offset + length == bytes.count
            do {
                try body(.success(parsePacket(bytes, offset: offset, length: length, isLast: isLast)))
            } catch let error as RTCPParseError {
                try body(.failure(error))
            }
            offset += length
        }
    }

    /// Parses one framed packet `bytes[offset ..< offset + length]` (length ≥ 4, within bounds).
    static func parsePacket(_ bytes: [UInt8], offset: Int, length: Int, isLast: Bool) throws -> RTCPPacket {
        let first = bytes[offset]
        let count = Int(first & 0x1F)
        let packetType = bytes[offset + 1]
        var end = offset + length
        if first & 0x20 != 0 {
            guard isLast else { throw RTCPParseError.paddingNotLast(offset: offset) }
            let padding = Int(bytes[end - 1])
            guard padding >= 1, padding <= length - 4 else {
                throw RTCPParseError.badPadding(offset: offset, paddingLength: padding)
            }
            end -= padding
        }
        let body = offset + 4
        let bodyLength = end - body
        let reader = Reader(bytes: bytes, offset: offset, packetType: packetType, body: body, end: end)

        switch packetType {
        case typeSR:
            try reader.require(24)
            try reader.requireCount(count, size: 24, fixed: 24)
            var report = RTCPSenderReport(
                ssrc: reader.u32(body), ntpTimestamp: UInt64(reader.u32(body + 4)) << 32 | UInt64(reader.u32(body + 8)),
                rtpTimestamp: reader.u32(body + 12), packetCount: reader.u32(body + 16), octetCount: reader.u32(body + 20))
            report.reports = reader.reportBlocks(at: body + 24, count: count)
            report.profileExtension = Array(bytes[(body + 24 + 24 * count)..<end])
            return .senderReport(report)
        case typeRR:
            try reader.require(4)
            try reader.requireCount(count, size: 24, fixed: 4)
            return .receiverReport(RTCPReceiverReport(
                ssrc: reader.u32(body), reports: reader.reportBlocks(at: body + 4, count: count),
                profileExtension: Array(bytes[(body + 4 + 24 * count)..<end])))
        case typeSDES:
            return .sourceDescription(try reader.sdesChunks(count: count))
        case typeBYE:
            try reader.requireCount(count, size: 4, fixed: 0)
            let ssrcs = (0..<count).map { reader.u32(body + 4 * $0) }
            var reason: String?
            let reasonStart = body + 4 * count
            if reasonStart < end {
                let reasonLength = Int(bytes[reasonStart])
                guard reasonLength <= end - reasonStart - 1 else { throw RTCPParseError.badByeReason(offset: offset) }
                if reasonLength > 0 {
                    reason = String(decoding: bytes[(reasonStart + 1)..<(reasonStart + 1 + reasonLength)], as: UTF8.self)
                }
            }
            return .bye(ssrcs: ssrcs, reason: reason)
        case typeAPP:
            try reader.require(8)
            return .app(subtype: UInt8(count), ssrc: reader.u32(body),
                        name: String(decoding: bytes[(body + 4)..<(body + 8)], as: UTF8.self),
                        data: Array(bytes[(body + 8)..<end]))
        case typeXR:
            try reader.require(4)
            var blocks: [(type: UInt8, bytes: [UInt8])] = []
            var position = body + 4
            while position < end {
                guard end - position >= 4 else { throw RTCPParseError.badXRBlock(offset: offset, blockOffset: position) }
                let blockLength = 4 + 4 * (Int(bytes[position + 2]) << 8 | Int(bytes[position + 3]))
                guard blockLength <= end - position else {
                    throw RTCPParseError.badXRBlock(offset: offset, blockOffset: position)
                }
                blocks.append((type: bytes[position], bytes: Array(bytes[position..<(position + blockLength)])))
                position += blockLength
            }
            return .extendedReport(ssrc: reader.u32(body), blocks: blocks)
        case typeRTPFB, typePSFB:
            try reader.require(8)
            let sender = reader.u32(body)
            let media = reader.u32(body + 4)
            let fci = body + 8
            let fciLength = bodyLength - 8
            switch (packetType, count) {
            case (typePSFB, 1):
                return .pli(senderSSRC: sender, mediaSSRC: media)
            case (typePSFB, 4):
                guard fciLength >= 8 else { throw reader.truncated(needed: 16) }
                let entries = (0..<(fciLength / 8)).map { index in
                    (ssrc: reader.u32(fci + 8 * index), sequence: bytes[fci + 8 * index + 4])
                }
                return .fir(senderSSRC: sender, entries: entries)
            case (typePSFB, 15) where fciLength >= 4 && Array(bytes[fci..<(fci + 4)]) == Array("REMB".utf8):
                guard fciLength >= 8 else { throw reader.truncated(needed: 16) }
                let ssrcCount = Int(bytes[fci + 4])
                guard 8 + 4 * ssrcCount <= fciLength else {
                    throw RTCPParseError.countOverrun(offset: offset, packetType: packetType, count: ssrcCount,
                                                      needed: 16 + 4 * ssrcCount, available: length)
                }
                let exponent = UInt64(bytes[fci + 5] >> 2)
                let mantissa = UInt64(bytes[fci + 5] & 0x03) << 16 | UInt64(bytes[fci + 6]) << 8 | UInt64(bytes[fci + 7])
                let bitrate = exponent > 46 && mantissa >> (64 - exponent) != 0 ? UInt64.max : mantissa << exponent
                return .remb(senderSSRC: sender, bitrate: bitrate,
                             ssrcs: (0..<ssrcCount).map { reader.u32(fci + 8 + 4 * $0) })
            case (typeRTPFB, 1):
                guard fciLength >= 4 else { throw reader.truncated(needed: 16) }
                var lost: [UInt16] = []
                for index in 0..<(fciLength / 4) {
                    let pid = UInt16(bytes[fci + 4 * index]) << 8 | UInt16(bytes[fci + 4 * index + 1])
                    let blp = UInt16(bytes[fci + 4 * index + 2]) << 8 | UInt16(bytes[fci + 4 * index + 3])
                    lost.append(pid)
                    for bit in 0..<16 where blp & (1 << bit) != 0 { lost.append(pid &+ UInt16(bit + 1)) }
                }
                return .nack(senderSSRC: sender, mediaSSRC: media, lost: lost)
            case (typeRTPFB, 15):
                guard fciLength >= 8 else { throw reader.truncated(needed: 20) }
                return .transportCC(senderSSRC: sender, mediaSSRC: media, raw: Array(bytes[fci..<end]))
            default:
                return .unknown(packetType: packetType, raw: Array(bytes[offset..<(offset + length)]))
            }
        default:
            return .unknown(packetType: packetType, raw: Array(bytes[offset..<(offset + length)]))
        }
    }

    /// Bounds-checked field access inside one packet's body `[body, end)`.
    private struct Reader {
        let bytes: [UInt8]
        let offset: Int
        let packetType: UInt8
        let body: Int
        let end: Int

        func truncated(needed: Int) -> RTCPParseError {
            .truncatedBody(offset: offset, packetType: packetType, needed: needed, available: end - offset)
        }

        /// The body holds at least `size` bytes.
        func require(_ size: Int) throws {
            guard end - body >= size else { throw truncated(needed: 4 + size) }
        }

        /// `fixed` + `count` × `size` bytes fit in the body.
        func requireCount(_ count: Int, size: Int, fixed: Int) throws {
            guard fixed + count * size <= end - body else {
                throw RTCPParseError.countOverrun(offset: offset, packetType: packetType, count: count,
                                                  needed: 4 + fixed + count * size, available: end - offset)
            }
        }

        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }

        /// `count` report blocks at `start` (already bounds-checked by `requireCount`).
        func reportBlocks(at start: Int, count: Int) -> [RTCPReportBlock] {
            (0..<count).map { index in
                let at = start + 24 * index
                let lostField = u32(at + 4) & 0x00FF_FFFF
                let cumulativeLost = Int32(bitPattern: lostField << 8) >> 8
                return RTCPReportBlock(ssrc: u32(at), fractionLost: bytes[at + 4], cumulativeLost: cumulativeLost,
                                       highestSeq: u32(at + 8), jitter: u32(at + 12), lsr: u32(at + 16),
                                       dlsr: u32(at + 20))
            }
        }

        /// SDES chunks (RFC 3550 §6.5): SSRC, items, a null octet, zero padding to the next 32-bit boundary.
        func sdesChunks(count: Int) throws -> [RTCPSDESChunk] {
            var chunks: [RTCPSDESChunk] = []
            var position = body
            for chunkIndex in 0..<count {
                guard end - position >= 4 else {
                    throw RTCPParseError.countOverrun(offset: offset, packetType: packetType, count: count,
                                                      needed: position - offset + 4, available: end - offset)
                }
                var chunk = RTCPSDESChunk(ssrc: u32(position), items: [])
                position += 4
                while true {
                    guard position < end else { throw RTCPParseError.badSDES(offset: offset, chunk: chunkIndex) }
                    let itemType = bytes[position]
                    if itemType == 0 {
                        position += 1
                        position = min((position + 3) & ~3, end)
                        break
                    }
                    guard end - position >= 2 else { throw RTCPParseError.badSDES(offset: offset, chunk: chunkIndex) }
                    let itemLength = Int(bytes[position + 1])
                    guard itemLength <= end - position - 2 else {
                        throw RTCPParseError.badSDES(offset: offset, chunk: chunkIndex)
                    }
                    chunk.items.append(RTCPSDESItem(type: itemType,
                                                    value: Array(bytes[(position + 2)..<(position + 2 + itemLength)])))
                    position += 2 + itemLength
                }
                chunks.append(chunk)
            }
            return chunks
        }
    }
}
