// libFuzzer target: RTP packets (RFC 3550 §5.1, RFC 8285 header extensions, RFC 7741 VP8 and
// RFC 6184 H.264 payload headers) and the forwarding rewrites applied to them.
//
// Input: one datagram. Parsed with `RTPHeader.parse`; when it parses, the payload goes through the
// VP8/H.264 helpers and the packet through every `RTPRewriter` operation, whose results must parse
// again with the same payload. When it does not parse, the raw bytes go to the codec parsers. The
// 16-bit words of the input also drive the sequence-number unwrapper, NACK tracker and rewriter.
import FuzzSupport
import RTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let packet = fuzzBytes(data, size)
    sequenceMachinery(packet)
    guard let header = try? RTPHeader.parse(packet) else {
        codecPayload(packet[...])
        return 0
    }
    let viaBuffer = try? packet.withUnsafeBytes { try RTPHeader.parse($0) }
    fuzzCheck(viaBuffer == header, "array and raw-buffer parses differ")
    fuzzCheck(header.packetLength == packet.count, "packetLength \(header.packetLength) != \(packet.count)")
    let payload = packet[header.payloadRange]
    codecPayload(payload)
    for element in header.extensions {
        fuzzCheck(header.extensionValue(id: element.id, in: packet) != nil, "element \(element.id) has no value")
    }
    _ = header.extensionValue(id: 0, in: packet)
    _ = header.extensionValue(id: 15, in: packet[...])
    _ = header.isPaddingOnly

    remap(packet, header)

    var stripped = packet
    fuzzCheck(RTPRewriter.stripPadding(&stripped, header: header), "stripPadding refused its own header")
    if let after = expectParse(stripped, "stripPadding") {
        fuzzCheck(!after.padding && after.paddingLength == 0, "padding left after stripPadding")
        fuzzCheck(stripped[after.payloadRange] == payload, "stripPadding changed the payload")
    }

    var rewritten = packet
    RTPRewriter.rewrite(&rewritten, header: header, ssrc: ~header.ssrc, payloadType: header.payloadType &+ 1,
                        sequenceNumber: header.sequenceNumber &+ 1, timestamp: header.timestamp &+ 960)
    RTPRewriter.setMarker(&rewritten, !header.marker)
    if let after = expectParse(rewritten, "rewrite") {
        fuzzCheck(after.ssrc == ~header.ssrc && after.sequenceNumber == header.sequenceNumber &+ 1
                  && after.timestamp == header.timestamp &+ 960 && after.marker == !header.marker
                  && after.payloadType == (header.payloadType &+ 1) & 0x7F, "rewrite fields not applied")
        fuzzCheck(rewritten[after.payloadRange] == payload, "rewrite changed the payload")
    }
    // A header that does not describe the packet must be refused, never trusted.
    var shorter = Array(packet.dropLast())
    _ = RTPRewriter.remapExtensionIDs(&shorter, header: header) { $0 }
    _ = RTPRewriter.stripPadding(&shorter, header: header)
    RTPRewriter.rewrite(&shorter, header: header, ssrc: 1, payloadType: 96, sequenceNumber: 1, timestamp: 1)
    return 0
}

/// Re-parses a rewritten packet; a rewrite of a valid packet must stay valid.
func expectParse(_ packet: [UInt8], _ operation: String) -> RTPHeader? {
    do {
        return try RTPHeader.parse(packet)
    } catch {
        fuzzCheck(false, "\(operation) produced an unparsable packet: \(error)")
        return nil
    }
}

/// `remapExtensionIDs` with an ID map chosen by the SSRC's low byte: identity, shift (IDs > 14 force
/// the two-byte form), drop odd IDs, or a scramble that drops some and renumbers the rest.
func remap(_ packet: [UInt8], _ header: RTPHeader) {
    let key = UInt8(truncatingIfNeeded: header.ssrc)
    let map: (UInt8) -> UInt8? = { id in
        switch key & 3 {
        case 0: return id
        case 1: return id &+ 1
        case 2: return id & 1 == 1 ? nil : id
        default:
            let scrambled = (id &* 7 &+ (key >> 2)) % 32
            return scrambled == 0 ? nil : scrambled
        }
    }
    var copy = packet
    let result = RTPRewriter.remapExtensionIDs(&copy, header: header, map: map)
    fuzzCheck(result != nil, "remapExtensionIDs refused the header parsed from the same packet")
    fuzzCheck(result.map { $0 == copy } ?? true, "returned packet differs from the inout packet")
    guard let after = expectParse(copy, "remapExtensionIDs") else { return }
    fuzzCheck(copy[after.payloadRange] == packet[header.payloadRange], "remap changed the payload")
    fuzzCheck(after.paddingLength == header.paddingLength && after.csrcs == header.csrcs
              && after.ssrc == header.ssrc && after.sequenceNumber == header.sequenceNumber
              && after.timestamp == header.timestamp && after.payloadType == header.payloadType
              && after.marker == header.marker, "remap changed a fixed-header field, CSRCs or padding")
    guard let profile = header.extensionProfile,
          RTPHeaderExtensionElement.isOneByte(profile) || RTPHeaderExtensionElement.isTwoByte(profile) else {
        fuzzCheck(copy == packet, "remap touched a packet without an RFC 8285 extension")
        return
    }
    let expected: [(UInt8, ArraySlice<UInt8>)] = header.extensions.compactMap { element in
        guard let id = map(element.id), id != 0 else { return nil }
        return (id, packet[element.offset..<(element.offset + element.length)])
    }
    let actual = after.extensions.map { ($0.id, copy[$0.offset..<($0.offset + $0.length)]) }
    fuzzCheck(expected.count == actual.count && zip(expected, actual).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 },
              "remapped elements \(actual.map(\.0)) differ from the expected \(expected.map(\.0))")
}

/// VP8 descriptor and H.264 NAL helpers on a payload (or on raw bytes).
func codecPayload(_ payload: ArraySlice<UInt8>) {
    if let descriptor = try? VP8PayloadDescriptor.parse(payload) {
        fuzzCheck(descriptor.payloadHeaderOffset >= 1 && descriptor.payloadHeaderOffset <= max(1, payload.count),
                  "VP8 descriptor size \(descriptor.payloadHeaderOffset) beyond a \(payload.count)-byte payload")
    }
    _ = VP8PayloadDescriptor.isKeyframe(payload: payload)
    _ = H264Payload.nalUnitType(payload: payload)
    _ = H264Payload.isKeyframe(payload: payload)
    // The same through the array overloads (slices with a zero start index).
    let array = Array(payload)
    _ = try? VP8PayloadDescriptor.parse(array)
    _ = VP8PayloadDescriptor.isKeyframe(payload: array)
    _ = H264Payload.isKeyframe(payload: array)
}

/// The input's 16-bit words as a received sequence-number stream (BH-19) for the unwrapper, the NACK
/// tracker and the forwarding rewriter (BH-18: every third packet dropped, a layer switch every 64).
func sequenceMachinery(_ bytes: [UInt8]) {
    var unwrapper = SequenceNumberUnwrapper()
    var tracker = NACKTracker(maxGap: 100, maxAge: 300)
    var rewriter = RTPSequenceRewriter(lastOutput: 7000)
    var index = 0
    var count = 0
    while index + 1 < bytes.count {
        let seq = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
        index += 2
        count += 1
        let extended = unwrapper.unwrap(seq)
        let newlyMissing = tracker.record(extended)
        fuzzCheck(newlyMissing.count <= 100, "NACK burst of \(newlyMissing.count) above maxGap")
        fuzzCheck(tracker.missing.count <= 300, "NACK list of \(tracker.missing.count) above maxAge")
        if count % 3 == 0 { rewriter.drop(seq) } else { _ = rewriter.forward(seq) }
        if count % 64 == 0 { rewriter.switchInput() }
        if count % 5 == 0, let first = tracker.missing.first { tracker.forget(first) }
    }
    _ = tracker.missingSequenceNumbers
}

runLibFuzzer(fuzzRTP) { seeds in
    // A VP8 keyframe start with a two-byte extension block, a CSRC and padding.
    var packet: [UInt8] = [0xB1, 0x60, 0x12, 0x34, 0, 0, 0x0F, 0xA0, 0x5E, 0xED, 0x03, 0x01, 0, 0, 0, 9]
    packet += [0x10, 0x00, 0x00, 0x02, 0x01, 0x01, 0x07, 0x03, 0x02, 0x00, 0x00, 0x00]
    packet += [0x90, 0xE0, 0x80, 0x01, 0x10, 0x9D, 0x01, 0x2A, 0, 0, 0, 3]
    seeds.write("vp8-two-byte-ext-csrc-padding", packet)
    // An H.264 STAP-A carrying SPS + PPS + IDR, no extension.
    seeds.write("h264-stap-a", [0x80, 0x66, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2,
                                24, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xCE, 0, 2, 0x65, 0x88])
    // An H.264 FU-A start of an IDR with a one-byte extension (mid = "0").
    seeds.write("h264-fu-a", [0x90, 0x66, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1, 0x30, 0x30, 0, 0,
                              28, 0x85, 0xB8, 0x00])
}
