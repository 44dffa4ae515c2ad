import RTP
import XCTest
@testable import WebRTCClient

final class VP8EncoderTests: XCTestCase {
    func testEncodesKeyframeThenInterFrames() throws {
        let encoder = try VP8Encoder(width: 160, height: 120, bitrate: 200_000)
        var frames: [EncodedVP8Frame] = []
        for i in 0..<10 {
            frames += try encoder.encode(forceKeyframe: i == 0) { y, ys, u, v, uvs in
                for row in 0..<120 { for col in 0..<160 { y[row * ys + col] = UInt8(truncatingIfNeeded: col + i * 4) } }
                for row in 0..<60 { for col in 0..<80 { u[row * uvs + col] = 128; v[row * uvs + col] = 128 } }
            }
        }
        XCTAssertEqual(frames.count, 10)
        XCTAssertTrue(frames[0].isKeyframe)
        XCTAssertFalse(frames[1].isKeyframe)
        // The VP8 frame tag agrees (RFC 6386 §9.1: bit 0 = 0 for keyframes, start code 9d 01 2a).
        XCTAssertEqual(frames[0].data[0] & 1, 0)
        XCTAssertEqual(Array(frames[0].data[3..<6]), [0x9D, 0x01, 0x2A])
        XCTAssertEqual(frames[1].data[0] & 1, 1)
    }

    func testRejectsBadConfiguration() {
        XCTAssertThrowsError(try VP8Encoder(width: 161, height: 120, bitrate: 200_000))
        XCTAssertThrowsError(try VP8Encoder(width: 160, height: 120, bitrate: 10))
        XCTAssertThrowsError(try VP8Encoder(width: 160, height: 120, bitrate: 200_000, framesPerSecond: 0))
    }
}
