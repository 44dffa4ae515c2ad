import Logging
import NIOCore
import NIOPosix
import XCTest
@testable import WebRTCTransport

/// Base of the media-socket suites: a fresh `MediaSocket` on 127.0.0.1 (own event loop,
/// ephemeral port) and a server DTLS context per test.
class MediaSocketTestCase: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var socket: MediaSocket!
    var serverContext: DTLSContext!

    override func setUpWithError() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        socket = try MediaSocket.bind(host: "127.0.0.1", port: 0, group: group, logger: Logger(label: "test"))
        serverContext = try DTLSContext(certificate: DTLSCertificate())
    }

    override func tearDownWithError() throws {
        try socket.close().wait()
        try group.syncShutdownGracefully()
    }
}
