import XCTest
@testable import ParleyServer

final class MediaConfigTests: XCTestCase {
    func testAudioSampleRateAndRoomBitrateFromYAML() throws {
        let config = try ParleyConfig.parse(yaml: "media:\n  audioSampleRate: 16000\n  roomBitrate: 409600\n")
        XCTAssertEqual(config.audioSampleRate, 16_000)
        XCTAssertEqual(config.roomBitrate, 409_600)
        XCTAssertEqual(try ParleyConfig.parse(yaml: "").audioSampleRate, 48_000)
        XCTAssertEqual(try ParleyConfig.parse(yaml: "").roomBitrate, 400_000)
    }

    func testUnsupportedAudioSampleRateOrBitrateIsRefused() {
        XCTAssertThrowsError(try ParleyConfig.parse(yaml: "media:\n  audioSampleRate: 44100\n"))
        XCTAssertThrowsError(try ParleyConfig.parse(yaml: "media:\n  roomBitrate: 0\n"))
    }

    func testShippedConfigurationParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = try ParleyConfig.load(path: root.appendingPathComponent("config/parley.yaml").path, environment: [:])
        XCTAssertEqual(config.audioSampleRate, 48_000)
        XCTAssertEqual(config.mediaPort, 20_000)
        XCTAssertEqual(config.httpPort, 10_000)
    }
}
