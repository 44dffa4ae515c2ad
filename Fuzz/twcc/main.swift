// libFuzzer target: transport-wide congestion control feedback (RTPFB FMT 15,
// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) and the receive-side recorder.
//
// Input: one datagram, used three ways.
// 1. `TransportFeedback.parse` of the whole packet. When it parses, the compound parser must agree
//    (one `.transportCC` packet whose FCI parses to the same feedback), and `serialize` must give a
//    32-bit aligned packet that parses back to the same value.
// 2. The bytes as an FCI (`parse(senderSSRC:mediaSSRC:fci:)`), with the same round trip.
// 3. A record stream for `TransportFeedbackRecorder`: 4 bytes per record (16-bit transport-wide
//    sequence number, 16-bit signed arrival step in 50 µs units); a record whose step is 0x7FFF asks for
//    feedback instead. Every feedback packet must parse, fit the size limit, carry consecutive feedback
//    packet counts, and in the end every recorded arrival is reported received exactly once unless it
//    was dropped (`droppedArrivals`).
import FuzzSupport
import RTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTWCC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    wholePacket(bytes)
    if bytes.count >= 8 {
        switch Result(catching: { try TransportFeedback.parse(senderSSRC: 1, mediaSSRC: 2, fci: bytes) }) {
        case .success(let feedback): roundTrip(feedback)
        case .failure(let error): fuzzCheck(error is TransportFeedbackParseError, "FCI parse threw \(error)")
        }
    }
    recorder(bytes)
    return 0
}

func wholePacket(_ bytes: [UInt8]) {
    let feedback: TransportFeedback
    do {
        feedback = try TransportFeedback.parse(bytes)
    } catch {
        fuzzCheck(error is TransportFeedbackParseError, "parse threw \(error)")
        fuzzCheck(!String(describing: error).isEmpty, "empty error description")
        return
    }
    roundTrip(feedback)
    do {
        let packets = try RTCPPacket.parseCompound(bytes)
        guard packets.count == 1, case .transportCC(let sender, let media, let raw) = packets[0] else {
            return fuzzCheck(false, "compound parser saw \(packets) for a transport feedback packet")
        }
        let again = try TransportFeedback.parse(senderSSRC: sender, mediaSSRC: media, fci: raw)
        fuzzCheck(again == feedback, "FCI from the compound parser parses differently")
    } catch {
        fuzzCheck(false, "compound parser rejected a transport feedback packet: \(error)")
    }
}

func roundTrip(_ feedback: TransportFeedback) {
    let wire = feedback.serialize()
    fuzzCheck(wire.count % 4 == 0 && wire.count >= TransportFeedback.fixedLength, "serialized \(wire.count) bytes")
    fuzzCheck(((Int(wire[2]) << 8 | Int(wire[3])) + 1) * 4 == wire.count, "length field does not match")
    do {
        let again = try TransportFeedback.parse(wire)
        fuzzCheck(again == feedback, "serialize/parse round trip changed the feedback")
    } catch {
        fuzzCheck(false, "serialized feedback does not parse: \(error)")
    }
    let results = feedback.packetResults
    fuzzCheck(results.count == feedback.statuses.count, "packetResults count")
    fuzzCheck(results.first.map { $0.sequence == feedback.baseSequence } ?? true, "first result is not the base")
}

func recorder(_ bytes: [UInt8]) {
    var reader = FuzzReader(bytes)
    let maxPacketSize = 64 + Int(reader.byte()) * 8
    var recorder = TransportFeedbackRecorder(maxPendingPackets: 16 + Int(reader.byte()), maxGap: 1 + Int(reader.byte()) * 16)
    var time: Int64 = Int64(Int16(bitPattern: reader.uint16())) * 1_000_000
    var recorded = 0
    var reported = 0
    var nextCount: UInt8 = 0
    func flush() {
        for packet in recorder.makeFeedback(senderSSRC: 3, mediaSSRC: 4, maxPacketSize: maxPacketSize) {
            fuzzCheck(packet.count <= maxPacketSize, "feedback of \(packet.count) bytes over \(maxPacketSize)")
            guard let feedback = try? TransportFeedback.parse(packet) else {
                return fuzzCheck(false, "recorder feedback does not parse")
            }
            fuzzCheck(feedback.feedbackPacketCount == nextCount, "feedback count \(feedback.feedbackPacketCount), expected \(nextCount)")
            fuzzCheck(feedback.statuses.contains { $0 != .notReceived }, "feedback without a received packet")
            nextCount &+= 1
            reported += feedback.statuses.filter { $0 != .notReceived }.count
        }
    }
    while !reader.isAtEnd {
        let sequence = reader.uint16()
        let step = Int16(bitPattern: reader.uint16())
        if step == 0x7FFF {
            flush()
            continue
        }
        time += Int64(step) * 50
        if recorder.record(wideSequence: sequence, arrivalMicros: time) != .duplicate { recorded += 1 }
        fuzzCheck(recorder.pendingCount <= 2 * recorder.maxPendingPackets, "pending \(recorder.pendingCount)")
    }
    flush()
    fuzzCheck(reported == recorded - recorder.droppedArrivals,
              "reported \(reported) received, recorded \(recorded), dropped \(recorder.droppedArrivals)")
}

runLibFuzzer(fuzzTWCC) { seeds in
    let example = TransportFeedback(
        senderSSRC: 0x0102_0304, mediaSSRC: 0x0A0B_0C0D, baseSequence: 65_534, referenceTime: -1, feedbackPacketCount: 7,
        statuses: [.notReceived, .smallDelta(16), .smallDelta(1), .notReceived, .largeDelta(-4)]
            + Array(repeating: .notReceived, count: 221) + [.largeDelta(1000), .smallDelta(255)])
    seeds.write("example", example.serialize())
    seeds.write("example-fci", Array(example.serialize().dropFirst(12).dropLast(Int(example.serialize().last ?? 0))))
    seeds.write("vectors", TransportFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequence: 10, referenceTime: 5, feedbackPacketCount: 0,
                                             statuses: (0..<40).map { $0 % 3 == 0 ? .notReceived : .smallDelta(UInt8($0)) })
        .serialize())
    // Record stream: wrap, loss, reordering, a duplicate, a flush, a jump, a long pause.
    var records: [UInt8] = [8, 40, 30, 0, 0]
    for (sequence, step) in [(65_534, 20), (65_535, 20), (1, 40), (0, 10), (0, 10), (2, 0x7FFF), (3, 20),
                             (30_000, 20), (30_001, -300), (30_002, 0x7000)] as [(UInt16, Int16)] {
        records += [UInt8(sequence >> 8), UInt8(sequence & 0xFF),
                    UInt8(UInt16(bitPattern: step) >> 8), UInt8(UInt16(bitPattern: step) & 0xFF)]
    }
    seeds.write("records", records)
}
