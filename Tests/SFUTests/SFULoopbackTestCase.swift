import Logging
import NIOCore
import NIOPosix
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// Base of the SFU loopback suites: a fresh SFU on 127.0.0.1 (own event loop, ephemeral media
/// port) per test, and the publish / subscribe steps every suite repeats.
class SFULoopbackTestCase: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var sfu: SFU!
    /// Log level of the SFU's logger (`.debug` shows layer choices).
    var sfuLogLevel: Logger.Level { .info }

    var port: Int { sfu.socket.localAddress.port ?? 0 }
    var serverFingerprint: String { sfu.dtlsContext.certificate.sha256Fingerprint }

    override func setUpWithError() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let socket = try MediaSocket.bind(host: "127.0.0.1", port: 0, group: group, logger: Logger(label: "t"))
        var logger = Logger(label: "sfu")
        logger.logLevel = sfuLogLevel
        sfu = SFU(socket: socket, dtlsContext: try DTLSContext(certificate: DTLSCertificate()),
                  announcedAddress: "127.0.0.1", logger: logger)
    }

    override func tearDownWithError() throws {
        try sfu.eventLoop.submit { self.sfu.shutdown() }.wait()
        try sfu.socket.close().wait()
        try group.syncShutdownGracefully()
    }

    /// Publishes `offer` as `key` in `room`, connects `peer` (ICE + DTLS) with the answer's
    /// credentials and returns the answer.
    @discardableResult
    func publishAndConnect(_ peer: TestPeer, key: StreamKey, offer: String, room: String = "m1") throws -> String {
        let answer = try sfu.eventLoop.submit { try self.sfu.publish(roomID: room, key: key, offer: offer) }.wait()
        try peer.connect(to: port, serverUfrag: sdpValues(answer, "ice-ufrag")[0],
                         serverPassword: sdpValues(answer, "ice-pwd")[0], serverFingerprint: serverFingerprint)
        return answer
    }

    /// Subscribes `participant` to `keys`, returns the server's offer.
    func subscribe(_ participant: String = "bob", to keys: [StreamKey], unsubscribe: [StreamKey] = [],
                   room: String = "m1") throws -> String {
        try sfu.eventLoop.submit {
            self.sfu.updateSubscriptions(roomID: room, participantID: participant, subscribe: keys,
                                         unsubscribe: unsubscribe).offer
        }.wait()
    }

    func applyAnswer(_ answer: String, participant: String = "bob", room: String = "m1") throws {
        try sfu.eventLoop.submit {
            try self.sfu.applySubscriberAnswer(roomID: room, participantID: participant, answer: answer)
        }.wait()
    }

    /// Applies `answer` to `offer` and connects `peer` with the offer's credentials.
    func answerAndConnect(_ peer: TestPeer, offer: String, answer: String, participant: String = "bob",
                          room: String = "m1") throws {
        try applyAnswer(answer, participant: participant, room: room)
        try peer.connect(to: port, serverUfrag: sdpValues(offer, "ice-ufrag")[0],
                         serverPassword: sdpValues(offer, "ice-pwd")[0], serverFingerprint: serverFingerprint)
    }
}
