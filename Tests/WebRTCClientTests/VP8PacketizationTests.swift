import RTP
import XCTest
@testable import WebRTCClient

final class VP8PacketizationTests: XCTestCase {
    private func frame(_ size: Int, keyframe: Bool = true) -> [UInt8] {
        // VP8 payload header: P bit (bit 0 of byte 0) is 0 for keyframes.
        var data = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        if !data.isEmpty { data[0] = keyframe ? 0x10 : 0x11 }
        return data
    }

    func testPacketizeSplitsAndDescriptorsParse() throws {
        var packetizer = VP8Packetizer(maxPayloadSize: 100, initialPictureID: 0x7FFE)
        let data = frame(250)
        let payloads = packetizer.packetize(frame: data[...])
        XCTAssertEqual(payloads.count, 3)                      // 96 + 96 + 58 bytes of frame data
        XCTAssertEqual(payloads.map(\.count), [100, 100, 62])
        let first = try VP8PayloadDescriptor.parse(payloads[0])
        XCTAssertTrue(first.startOfPartition)
        XCTAssertEqual(first.partitionIndex, 0)
        XCTAssertEqual(first.pictureID, 0x7FFE)
        XCTAssertTrue(first.pictureIDIs15Bit)
        XCTAssertEqual(first.payloadHeaderOffset, 4)
        XCTAssertFalse(try VP8PayloadDescriptor.parse(payloads[1]).startOfPartition)
        XCTAssertTrue(VP8PayloadDescriptor.isKeyframe(payload: payloads[0]))
        XCTAssertEqual(Array(payloads.map { $0.dropFirst(4) }.joined()), data)
        // PictureID wraps at 15 bits.
        XCTAssertEqual(try VP8PayloadDescriptor.parse(packetizer.packetize(frame: data[...])[0]).pictureID, 0x7FFF)
        XCTAssertEqual(try VP8PayloadDescriptor.parse(packetizer.packetize(frame: data[...])[0]).pictureID, 0)
        XCTAssertEqual(packetizer.packetize(frame: [][...]), [])
    }

    private func packets(_ data: [UInt8], seq: UInt16, ts: UInt32, maxPayload: Int = 100) -> [(UInt16, Bool, [UInt8])] {
        var p = VP8Packetizer(maxPayloadSize: maxPayload)
        let payloads = p.packetize(frame: data[...])
        return payloads.enumerated().map { (seq &+ UInt16($0.offset), $0.offset == payloads.count - 1, $0.element) }
    }

    func testAssemblerRoundTripWithReordering() {
        var assembler = VP8FrameAssembler()
        let data = frame(1000)
        var list = packets(data, seq: 10, ts: 9000)
        list.swapAt(1, 4)
        list.swapAt(0, 7)
        var frames: [AssembledVP8Frame] = []
        for (seq, marker, payload) in list {
            if let f = assembler.insert(sequenceNumber: seq, timestamp: 9000, marker: marker, payload: payload[...]) { frames.append(f) }
        }
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames.first?.data, data)
        XCTAssertEqual(frames.first?.isKeyframe, true)
        XCTAssertEqual(frames.first?.packetCount, 11)
        XCTAssertEqual(assembler.pendingCount, 0)
    }

    /// BH-19 third pattern: a frame spanning 65534, 65535, 0 with the marker on 0 is complete.
    func testAssemblerFrameAcrossSequenceWrap() {
        var assembler = VP8FrameAssembler()
        let data = frame(250, keyframe: false)
        var out: AssembledVP8Frame?
        for (seq, marker, payload) in packets(data, seq: 65534, ts: 1) {
            out = assembler.insert(sequenceNumber: seq, timestamp: 1, marker: marker, payload: payload[...]) ?? out
        }
        XCTAssertEqual(out?.packetCount, 3)
        XCTAssertEqual(out?.data, data)
        XCTAssertEqual(out?.isKeyframe, false)
    }

    func testLostPacketMakesFrameIncompleteAndLatePacketsDrop() {
        var assembler = VP8FrameAssembler()
        var a = packets(frame(300), seq: 100, ts: 3000)
        a.remove(at: 1)
        for (seq, marker, payload) in a { XCTAssertNil(assembler.insert(sequenceNumber: seq, timestamp: 3000, marker: marker, payload: payload[...])) }
        let b = packets(frame(50), seq: 104, ts: 6000)
        XCTAssertNotNil(assembler.insert(sequenceNumber: b[0].0, timestamp: 6000, marker: true, payload: b[0].2[...]))
        XCTAssertEqual(assembler.incompleteFrames, 1)
        XCTAssertEqual(assembler.completedFrames, 1)
        // A packet of the abandoned frame arriving now is late.
        XCTAssertNil(assembler.insert(sequenceNumber: 101, timestamp: 3000, marker: false, payload: a[0].2[...]))
        XCTAssertEqual(assembler.drops[.late], 1)
    }

    func testPendingFramesAreBounded() {
        var assembler = VP8FrameAssembler(maxPendingFrames: 4)
        for i in 0..<50 {
            // start packets only, never a marker: nothing completes
            var p = VP8Packetizer()
            let payload = p.packetize(frame: frame(10)[...])[0]
            _ = assembler.insert(sequenceNumber: UInt16(i * 2), timestamp: UInt32(i * 3000), marker: false, payload: payload[...])
        }
        XCTAssertLessThanOrEqual(assembler.pendingCount, 4)
        XCTAssertEqual(assembler.incompleteFrames, 46)
    }

    func testHostilePayloadsNeverCrash() {
        var assembler = VP8FrameAssembler()
        var rng = SeededRandom(42)
        for i in 0..<5_000 {
            let n = Int.random(in: 0...40, using: &rng)
            let payload = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = assembler.insert(sequenceNumber: UInt16.random(in: 0...UInt16.max, using: &rng),
                                 timestamp: UInt32(i / 3), marker: Bool.random(using: &rng), payload: payload[...])
        }
        // Truncations of a valid descriptor at every length.
        var p = VP8Packetizer()
        let valid = p.packetize(frame: frame(20)[...])[0]
        for length in 0..<valid.count {
            _ = assembler.insert(sequenceNumber: 1, timestamp: 999_999, marker: true, payload: valid.prefix(length))
        }
        XCTAssertGreaterThan(assembler.drops[.badDescriptor] ?? 0, 0)
    }

    func testRTPPacketBuilderRoundTrip() throws {
        let payload: [UInt8] = [1, 2, 3, 4, 5]
        let packet = RTPPacketBuilder.packet(payloadType: 96, sequenceNumber: 65535, timestamp: 0xDEADBEEF, ssrc: 0x01020304,
                                             marker: true, extensions: [.init(id: 4, value: Array("0".utf8)),
                                                                        .init(id: 15, value: [1]), .init(id: 3, value: [])],
                                             payload: payload[...])
        let header = try RTPHeader.parse(packet)
        XCTAssertEqual(header.payloadType, 96)
        XCTAssertTrue(header.marker)
        XCTAssertEqual(header.sequenceNumber, 65535)
        XCTAssertEqual(header.timestamp, 0xDEADBEEF)
        XCTAssertEqual(header.ssrc, 0x01020304)
        XCTAssertEqual(header.extensionProfile, 0xBEDE)
        XCTAssertEqual(header.extensions.map(\.id), [4])   // ids 15 and empty values are skipped
        XCTAssertEqual(header.extensionValue(id: 4, in: packet).map(Array.init), Array("0".utf8))
        XCTAssertEqual(Array(packet[header.payloadRange]), payload)
        let plain = RTPPacketBuilder.packet(payloadType: 200, sequenceNumber: 1, timestamp: 2, ssrc: 3, marker: false, payload: payload[...])
        XCTAssertEqual(plain.count, 12 + 5)
        XCTAssertEqual(plain[1], 200 & 0x7F)
    }
}
