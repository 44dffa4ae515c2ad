// libFuzzer target: RTCP compound packets (RFC 3550 §6, RFC 4585 feedback, RFC 5104 FIR, REMB,
// transport-cc, XR) through the strict and lenient parsers, and the builders fed back what was parsed.
//
// Checked besides "never traps": strict success ⇔ lenient without errors (same packet count), and
// every packet parsed is rebuilt with `RTCPBuilder` into a compound that must parse strictly with
// the same values (BH-21, BH-23).
import FuzzSupport
import RTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTCP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let strict = Result { try RTCPPacket.parseCompound(bytes) }
    let lenient = RTCPPacket.parseCompoundLenient(bytes)
    switch strict {
    case .success(let packets):
        fuzzCheck(lenient.errors.isEmpty, "strict parse succeeded, lenient reported \(lenient.errors)")
        fuzzCheck(lenient.packets.count == packets.count, "strict \(packets.count) vs lenient \(lenient.packets.count) packets")
    case .failure(let error):
        fuzzCheck(error is RTCPParseError, "parseCompound threw a non-RTCPParseError: \(error)")
        fuzzCheck(!lenient.errors.isEmpty, "strict parse failed (\(error)), lenient reported no error")
    }
    roundTrip(lenient.packets)
    return 0
}

/// Rebuilds what the builders can express and checks the rebuilt compound parses back the same.
func roundTrip(_ packets: [RTCPPacket]) {
    var compound: [UInt8] = []
    var expected: [(RTCPPacket) -> Bool] = []
    for packet in packets {
        switch packet {
        case .pli(let sender, let media):
            compound += RTCPBuilder.pli(senderSSRC: sender, mediaSSRC: media)
            expected.append { if case .pli(sender, media) = $0 { return true }; return false }
        case .fir(let sender, let entries):
            guard let entry = entries.first else { continue }
            compound += RTCPBuilder.fir(senderSSRC: sender, mediaSSRC: entry.ssrc, sequence: entry.sequence)
            expected.append {
                guard case .fir(sender, let again) = $0, again.count == 1 else { return false }
                return again[0].ssrc == entry.ssrc && again[0].sequence == entry.sequence
            }
        case .nack(let sender, let media, let lost):
            let built = RTCPBuilder.nack(senderSSRC: sender, mediaSSRC: media, lost: lost)
            fuzzCheck(!built.isEmpty || lost.isEmpty, "NACK builder dropped \(lost.count) lost packets")
            guard !built.isEmpty else { continue }
            compound += built
            expected.append {
                guard case .nack(sender, media, let again) = $0 else { return false }
                return Set(again) == Set(lost)
            }
        case .remb(let sender, let bitrate, let ssrcs):
            compound += RTCPBuilder.remb(senderSSRC: sender, bitrate: bitrate, ssrcs: ssrcs)
            expected.append {
                guard case .remb(sender, let again, let targets) = $0 else { return false }
                // The builder rounds down to an 18-bit mantissa: within a factor of 2^-17.
                return targets == Array(ssrcs.prefix(255)) && again <= bitrate && bitrate - again <= bitrate >> 17
            }
        case .receiverReport(let report):
            compound += RTCPBuilder.receiverReport(ssrc: report.ssrc, reports: report.reports)
            expected.append {
                guard case .receiverReport(let again) = $0 else { return false }
                return again.ssrc == report.ssrc && again.reports == report.reports
            }
        case .senderReport(let report):
            compound += RTCPBuilder.senderReport(ssrc: report.ssrc, ntp: report.ntpTimestamp,
                                                 rtpTimestamp: report.rtpTimestamp, packetCount: report.packetCount,
                                                 octetCount: report.octetCount, reports: report.reports)
            expected.append {
                guard case .senderReport(let again) = $0 else { return false }
                return again.ssrc == report.ssrc && again.ntpTimestamp == report.ntpTimestamp
                    && again.rtpTimestamp == report.rtpTimestamp && again.packetCount == report.packetCount
                    && again.octetCount == report.octetCount && again.reports == report.reports
            }
        case .sourceDescription(let chunks):
            for chunk in chunks {
                guard let cname = chunk.items.first(where: { $0.type == 1 }) else { continue }
                compound += RTCPBuilder.sdes(ssrc: chunk.ssrc, cname: String(decoding: cname.value, as: UTF8.self))
                expected.append {
                    guard case .sourceDescription(let again) = $0, again.count == 1 else { return false }
                    return again[0].ssrc == chunk.ssrc && again[0].items.first?.type == 1
                }
            }
        case .bye(let ssrcs, let reason):
            compound += RTCPBuilder.bye(ssrcs: ssrcs, reason: reason)
            expected.append {
                guard case .bye(let again, _) = $0 else { return false }
                return again == Array(ssrcs.prefix(31))
            }
        case .app, .extendedReport, .transportCC, .unknown:
            continue
        }
    }
    guard !compound.isEmpty else { return }
    do {
        let again = try RTCPPacket.parseCompound(compound)
        fuzzCheck(again.count == expected.count, "rebuilt compound has \(again.count) packets, expected \(expected.count)")
        for (packet, matches) in zip(again, expected) {
            fuzzCheck(matches(packet), "rebuilt packet parses differently: \(packet)")
        }
    } catch {
        fuzzCheck(false, "RTCPBuilder output does not parse: \(error)")
    }
}

runLibFuzzer(fuzzRTCP) { seeds in
    let block = RTCPReportBlock(ssrc: 0x5EED_0301, fractionLost: 12, cumulativeLost: -3, highestSeq: 70_000,
                                jitter: 90, lsr: 0x1234_5678, dlsr: 65_536)
    seeds.write("sr-sdes-bye", RTCPBuilder.senderReport(ssrc: 1, ntp: 0xE000_0000_8000_0000, rtpTimestamp: 90_000,
                                                       packetCount: 10, octetCount: 12_000, reports: [block])
                + RTCPBuilder.sdes(ssrc: 1, cname: "c4ddd3c9") + RTCPBuilder.bye(ssrcs: [1, 2], reason: "bye"))
    seeds.write("rr-pli-fir", RTCPBuilder.receiverReport(ssrc: 2, reports: [block, block])
                + RTCPBuilder.pli(senderSSRC: 2, mediaSSRC: 3) + RTCPBuilder.fir(senderSSRC: 2, mediaSSRC: 3, sequence: 7))
    seeds.write("rr-nack-remb", RTCPBuilder.receiverReport(ssrc: 2, reports: [])
                + RTCPBuilder.nack(senderSSRC: 2, mediaSSRC: 3, lost: [65_534, 65_535, 0, 5, 40])
                + RTCPBuilder.remb(senderSSRC: 2, bitrate: 400_000, ssrcs: [3, 4]))
    // transport-cc (RTPFB 15), APP and XR (BT=4 receiver reference time), padded last packet.
    seeds.write("twcc-app-xr", [0x8F, 205, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 0, 2, 0, 0, 1, 0, 0x20, 2, 0, 0]
                + [0x81, 204, 0, 3, 0, 0, 0, 2, 0x71, 0x77, 0x65, 0x72, 1, 2, 3, 4]
                + [0xA0, 207, 0, 5, 0, 0, 0, 2, 4, 0, 0, 2, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4])
}
