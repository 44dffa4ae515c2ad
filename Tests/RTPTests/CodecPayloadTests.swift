import XCTest
@testable import RTP

final class CodecPayloadTests: XCTestCase {
    func testVP8MinimalDescriptor() throws {
        let descriptor = try VP8PayloadDescriptor.parse([0x10, 0x9d])
        XCTAssertTrue(descriptor.startOfPartition)
        XCTAssertEqual(descriptor.partitionIndex, 0)
        XCTAssertFalse(descriptor.nonReference)
        XCTAssertNil(descriptor.pictureID)
        XCTAssertEqual(descriptor.payloadHeaderOffset, 1)
        XCTAssertFalse(VP8PayloadDescriptor.isKeyframe(payload: [0x10, 0x9d]), "P bit set: interframe")
        XCTAssertTrue(VP8PayloadDescriptor.isKeyframe(payload: [0x10, 0x9c, 0x01, 0x2a]))
        XCTAssertFalse(VP8PayloadDescriptor.isKeyframe(payload: [0x00, 0x9c]), "not start of partition")
        XCTAssertFalse(VP8PayloadDescriptor.isKeyframe(payload: [0x11, 0x9c]), "partition 1")
        XCTAssertFalse(VP8PayloadDescriptor.isKeyframe(payload: [0x10]), "no VP8 payload header byte")
    }

    func testVP8FullDescriptor() throws {
        // X=1 N=1 S=1 PID=2 | I L T K | M=1 PictureID 0x1234 | TL0PICIDX 5 | TID=2 Y=1 KEYIDX=3
        let payload: [UInt8] = [0xb2, 0xf0, 0x92, 0x34, 0x05, 0b1010_0011, 0xab]
        let descriptor = try VP8PayloadDescriptor.parse(payload)
        XCTAssertTrue(descriptor.nonReference)
        XCTAssertTrue(descriptor.startOfPartition)
        XCTAssertEqual(descriptor.partitionIndex, 2)
        XCTAssertEqual(descriptor.pictureID, 0x1234)
        XCTAssertTrue(descriptor.pictureIDIs15Bit)
        XCTAssertEqual(descriptor.tl0PicIdx, 5)
        XCTAssertEqual(descriptor.temporalLayerID, 2)
        XCTAssertTrue(descriptor.layerSync)
        XCTAssertEqual(descriptor.keyIdx, 3)
        XCTAssertEqual(descriptor.payloadHeaderOffset, 6)
        for length in 0..<6 {
            XCTAssertThrowsError(try VP8PayloadDescriptor.parse(Array(payload.prefix(length)))) { error in
                XCTAssertEqual(error as? CodecPayloadError,
                               length == 0 ? .empty : .truncatedDescriptor(needed: length + 1, available: length))
            }
        }
        // 7-bit PictureID, K only.
        let short = try VP8PayloadDescriptor.parse([0x90, 0x90, 0x7f, 0x1f, 0x00])
        XCTAssertEqual(short.pictureID, 0x7f)
        XCTAssertFalse(short.pictureIDIs15Bit)
        XCTAssertNil(short.temporalLayerID)
        XCTAssertEqual(short.keyIdx, 0x1f)
        XCTAssertEqual(short.payloadHeaderOffset, 4)
        XCTAssertTrue(VP8PayloadDescriptor.isKeyframe(payload: [0x90, 0x90, 0x7f, 0x1f, 0x00]))
        // Slices keep working when the payload does not start at index 0.
        let packet: [UInt8] = [0xff, 0xff, 0x90, 0x80, 0x05, 0x10]
        XCTAssertEqual(try VP8PayloadDescriptor.parse(packet[2...]).pictureID, 5)
        XCTAssertTrue(VP8PayloadDescriptor.isKeyframe(payload: packet[2...]))
    }

    func testH264Keyframes() throws {
        XCTAssertTrue(H264Payload.isKeyframe(payload: [0x65, 0x88]), "IDR slice")
        XCTAssertTrue(H264Payload.isKeyframe(payload: [0x67, 0x42, 0xe0, 0x1f]), "SPS")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x68, 0xce]), "PPS alone")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x41, 0x9a]), "non-IDR slice")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [UInt8]()))
        // STAP-A: SPS + PPS + IDR
        XCTAssertTrue(H264Payload.isKeyframe(payload: [0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce, 0, 2, 0x65, 0x88]))
        XCTAssertTrue(H264Payload.isKeyframe(payload: [0x78, 0, 2, 0x68, 0xce, 0, 2, 0x65, 0x88]), "IDR second")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x78, 0, 2, 0x41, 0x9a, 0, 1, 0x01]))
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x78, 0, 2, 0x41, 0x9a, 0, 9, 0x65]), "size overruns: stop")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x78, 0, 0, 0x65]), "zero-size entry")
        // FU-A
        XCTAssertTrue(H264Payload.isKeyframe(payload: [0x7c, 0x85, 0x00]), "start of IDR")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x7c, 0x05, 0x00]), "middle of IDR")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x7c, 0x81, 0x00]), "start of non-IDR")
        XCTAssertFalse(H264Payload.isKeyframe(payload: [0x7c]))
        XCTAssertEqual(H264Payload.nalUnitType(payload: [0x7c][...]), 28)

        // BH-17's H.264 payload is the FU-A start of an IDR.
        let packet = try CaseFiles.packet("BH-17-rtp-padded-media.hex")
        let header = try RTPHeader.parse(packet)
        XCTAssertTrue(H264Payload.isKeyframe(payload: packet[header.payloadRange]))
    }
}
