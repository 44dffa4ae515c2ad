import Logging
import NIOCore
import NIOPosix
import XCTest
@testable import ParleyServer

/// Datagrams the media port drops are counted per reason and show up in `/metrics`.
final class MediaMetricsTests: XCTestCase {
    func testDroppedDatagramsAppearPerReasonInMetrics() async throws {
        let plane = try SFUMediaPlane(host: "127.0.0.1", port: 0, announcedAddress: "127.0.0.1",
                                      logger: Logger(label: "media-metrics"))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: plane.mediaPort)
        // 3 datagrams with an unknown first byte, 2 SRTP-looking ones from an unknown address.
        for first: UInt8 in [70, 70, 70, 128, 128] {
            var buffer = client.allocator.buffer(capacity: 20)
            buffer.writeBytes([first] + Array(repeating: 0, count: 19))
            try await client.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer))
        }
        let metrics = ParleyMetrics()
        var text = ""
        for _ in 0..<50 {
            try await Task.sleep(nanoseconds: 20_000_000)
            await plane.exportMetrics(to: metrics)
            text = metrics.registry.emitToString()
            if text.contains("reason=\"unknown_source_address\"} 2") { break }
        }
        XCTAssertTrue(text.contains("parley_media_packets_dropped_total{reason=\"unknown_first_byte\"} 3"), text)
        XCTAssertTrue(text.contains("parley_media_packets_dropped_total{reason=\"unknown_source_address\"} 2"), text)
        // A second export adds only what is new.
        await plane.exportMetrics(to: metrics)
        XCTAssertTrue(metrics.registry.emitToString().contains("reason=\"unknown_first_byte\"} 3"))
        try await client.close()
        await plane.shutdown()
        try await group.shutdownGracefully()
    }

    func testMetricLabelsAreSnakeCase() {
        XCTAssertEqual(SFUMediaPlane.metricLabel("stunBadIntegrity"), "stun_bad_integrity")
        XCTAssertEqual(SFUMediaPlane.metricLabel("rtp_malformed"), "rtp_malformed")
    }
}
