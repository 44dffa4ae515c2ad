import XCTest
@testable import SDP

/// BH-03: profile-level-id is matched on profile_idc + profile_iop, never on level or string.
final class H264ProfileTests: XCTestCase {
    func testProfileClassificationTable() throws {
        let expectations: [(String, H264Profile, UInt8)] = [
            ("42e01f", .constrainedBaseline, 31),
            ("42E034", .constrainedBaseline, 52),
            ("42c02a", .constrainedBaseline, 42),
            ("4de01f", .constrainedBaseline, 31),
            ("640c1f", .constrainedHigh, 31),
            ("640c34", .constrainedHigh, 52),
            ("42001f", .baseline, 31),
            ("4d001f", .main, 31),
            ("64001f", .high, 31),
            ("f4001f", .predictiveHigh444, 31),
        ]
        for (hex, profile, level) in expectations {
            let parsed = try XCTUnwrap(H264ProfileLevelID(hex: hex), hex)
            XCTAssertEqual(parsed.profile, profile, hex)
            XCTAssertEqual(parsed.levelIDC, level, hex)
            XCTAssertEqual(parsed.hex, hex.lowercased())
        }
        XCTAssertNil(H264ProfileLevelID(hex: "640d1f")?.profile, "iop outside every pattern")
        XCTAssertNil(H264ProfileLevelID(hex: "7a001f")?.profile, "High 4:2:2 is not classified")
        XCTAssertTrue(try XCTUnwrap(H264ProfileLevelID(hex: "42f00b")).isLevel1b)
        XCTAssertFalse(try XCTUnwrap(H264ProfileLevelID(hex: "42e00b")).isLevel1b)
    }

    func testMalformedProfileLevelIdIsNil() {
        for bad in ["", "42e0", "42e01f0", "zz0000", "42 01f", "４２e01f"] {
            XCTAssertNil(H264ProfileLevelID(hex: bad), bad)
        }
        XCTAssertEqual(H264ProfileLevelID.rfcDefault.profile, .baseline)
    }

    func testCodecAcceptanceIgnoresLevelButRequiresPacketizationMode1() {
        func h264(_ fmtp: String) -> RTPCodec {
            RTPCodec(payloadType: 100, name: "H264", clockRate: 90000,
                     parameters: SDPParameter.parseList(fmtp[...]))
        }
        let capabilities = ServerCapabilities.default
        for accepted in ["packetization-mode=1;profile-level-id=42e00a", "packetization-mode=1;profile-level-id=42e034",
                         "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
                         "packetization-mode=1"] {
            XCTAssertNil(CodecNegotiation.rejectionReason(h264(accepted), kind: .video, capabilities: capabilities), accepted)
        }
        XCTAssertEqual(CodecNegotiation.rejectionReason(h264("profile-level-id=42e01f"), kind: .video,
                                                        capabilities: capabilities), "H264 packetization-mode must be 1")
        XCTAssertEqual(CodecNegotiation.rejectionReason(h264("packetization-mode=1;profile-level-id=4d001f"), kind: .video,
                                                        capabilities: capabilities), "H264 profile not supported")
        XCTAssertEqual(CodecNegotiation.rejectionReason(h264("packetization-mode=1;profile-level-id=nothex"), kind: .video,
                                                        capabilities: capabilities), "H264 profile not supported")
        XCTAssertEqual(CodecNegotiation.rejectionReason(h264("packetization-mode=1"), kind: .audio,
                                                        capabilities: capabilities), "unsupported audio codec")
    }
}
