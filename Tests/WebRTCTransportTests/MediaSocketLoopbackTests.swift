import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Logging
import STUN
import XCTest
@testable import WebRTCTransport

/// A raw UDP client on 127.0.0.1 that collects what it receives.
final class LoopbackUDPClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let received = NIOLockedValueBox<[[UInt8]]>([])
    var channel: Channel!

    init(group: EventLoopGroup) throws {
        channel = try DatagramBootstrap(group: group)
            .channelInitializer { $0.pipeline.addHandler(self) }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        received.withLockedValue { $0.append(bytes) }
    }

    func send(_ bytes: [UInt8], to address: SocketAddress) throws {
        var buf = channel.allocator.buffer(capacity: bytes.count)
        buf.writeBytes(bytes)
        try channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buf)).wait()
    }

    /// Waits up to `timeout` for at least one datagram and takes everything received.
    func take(timeout: TimeInterval = 2) -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let got = received.withLockedValue { r -> [[UInt8]] in defer { r.removeAll() }; return r }
            if !got.isEmpty { return got }
            usleep(2_000)
        }
        return []
    }
}

final class RecordingDelegate: PeerTransportDelegate, @unchecked Sendable {
    let rtp = NIOLockedValueBox<[[UInt8]]>([])
    let connected = NIOLockedValueBox(false)
    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) { rtp.withLockedValue { $0.append(packet) } }
    func transportDidConnect(_ transport: PeerTransport) { connected.withLockedValue { $0 = true } }
}

final class MediaSocketLoopbackTests: MediaSocketTestCase {
    func testICEDTLSAndSRTPBothWaysOverLoopback() throws {
        let clientCert = try DTLSCertificate()
        let delegate = RecordingDelegate()
        let transport = try socket.eventLoop.submit { () -> PeerTransport in
            let t = PeerTransport(dtlsContext: self.serverContext)
            t.delegate = delegate
            self.socket.register(t)
            try t.setRemoteDTLS(role: .server, fingerprint: clientCert.sha256Fingerprint)
            return t
        }.wait()
        let client = try LoopbackUDPClient(group: group)
        let server = socket.localAddress

        // 1. STUN binding request with USE-CANDIDATE → success with our address, valid MI.
        let tid = STUNMessage.randomTransactionID()
        let request = STUNMessage.bindingRequest(transactionID: tid, username: "\(transport.localUfrag):cli1",
                                                 integrityKey: Array(transport.localPassword.utf8),
                                                 priority: 1_845_501_695, iceControlling: 42, useCandidate: true)
        try client.send(request, to: server)
        let responses = client.take()
        XCTAssertEqual(responses.count, 1)
        let response = try STUNMessage.parse(responses[0])
        XCTAssertEqual(response.messageType, 0x0101)
        XCTAssertEqual(response.transactionID, tid)
        XCTAssertEqual(response.xorMappedAddress?.port, UInt16(client.channel.localAddress!.port!))
        XCTAssertTrue(STUNMessage.verifyMessageIntegrity(responses[0], key: Array(transport.localPassword.utf8)))

        // 2. DTLS handshake (client role on our side of the test).
        let dtlsClient = try DTLSEndpoint(context: DTLSContext(certificate: clientCert), role: .client,
                                          expectedPeerFingerprint: serverContext.certificate.sha256Fingerprint)
        for d in dtlsClient.start() { try client.send(d, to: server) }
        for _ in 0..<10 where !dtlsClient.isConnected {
            for d in client.take() { for reply in dtlsClient.receive(d) { try client.send(reply, to: server) } }
        }
        XCTAssertTrue(dtlsClient.isConnected, "client side of DTLS must connect: \(String(describing: dtlsClient.failure))")
        let deadline = Date().addingTimeInterval(2)
        while !delegate.connected.withLockedValue({ $0 }) && Date() < deadline { usleep(2_000) }
        XCTAssertTrue(delegate.connected.withLockedValue { $0 })

        // 3. SRTP client → server: the delegate sees the plaintext packet.
        let keys = try XCTUnwrap(dtlsClient.keyingMaterial)
        let out = try SRTPContext(profile: keys.profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        let inb = try SRTPContext(profile: keys.profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
        let plain: [UInt8] = [0x80, 96, 0, 7, 0, 0, 0, 100, 0, 0, 0, 5] + Array(repeating: 0x42, count: 50)
        var protected = plain
        try out.protectRTP(&protected)
        try client.send(protected, to: server)
        let deadline2 = Date().addingTimeInterval(2)
        while delegate.rtp.withLockedValue({ $0.isEmpty }) && Date() < deadline2 { usleep(2_000) }
        XCTAssertEqual(delegate.rtp.withLockedValue { $0 }, [plain])

        // 4. Server → client.
        let reply: [UInt8] = [0x80, 97, 1, 0, 0, 0, 1, 0, 0, 0, 0, 9, 1, 2, 3]
        try socket.eventLoop.submit { transport.sendRTP(reply) }.wait()
        var got = try XCTUnwrap(client.take().first)
        try inb.unprotectRTP(&got)
        XCTAssertEqual(got, reply)
    }

    func testConsentExpiryClosesSilentTransports() throws {
        final class CloseRecorder: PeerTransportDelegate {
            var reason: String?
            func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) {}
            func transportDidClose(_ transport: PeerTransport, reason: String) { self.reason = reason }
        }
        let (closed, reason, state, remaining) = try socket.eventLoop.submit { () -> (Int, String?, PeerTransport.State, Int) in
            let recorder = CloseRecorder()
            let silent = PeerTransport(dtlsContext: self.serverContext)
            silent.delegate = recorder
            self.socket.register(silent)
            XCTAssertEqual(self.socket.expireConsent(now: .now() + .seconds(29)), 0, "29 s is still within consent")
            let n = self.socket.expireConsent(now: .now() + .seconds(31))
            return (n, recorder.reason, silent.state, self.socket.transportCount)
        }.wait()
        XCTAssertEqual(closed, 1)
        XCTAssertEqual(reason, "ICE consent expired")
        XCTAssertEqual(state, .closed)
        XCTAssertEqual(remaining, 0)
    }

    func testHostileDatagramsAreDroppedAndCounted() throws {
        let client = try LoopbackUDPClient(group: group)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<300 {
            let n = Int(rng.next(upperBound: UInt64(200)))
            var d = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !d.isEmpty { d[0] = [0, 1, 22, 128, 200, 70][i % 6] }
            try client.send(d, to: socket.localAddress)
        }
        // A valid-looking request for a ufrag nobody owns.
        let unknown = STUNMessage.bindingRequest(transactionID: STUNMessage.randomTransactionID(), username: "nobody:x",
                                                 integrityKey: Array("pw".utf8), priority: 1, iceControlling: 1,
                                                 useCandidate: true)
        try client.send(unknown, to: socket.localAddress)
        usleep(300_000)
        let (drops, received) = try socket.eventLoop.submit { (self.socket.drops, self.socket.datagramsReceived) }.wait()
        XCTAssertEqual(received, 301)
        XCTAssertEqual(drops.values.reduce(0, +), 301, "every datagram is dropped and counted")
        XCTAssertGreaterThanOrEqual(drops[.stunUnknownUfrag, default: 0], 1)
        XCTAssertGreaterThan(drops[.unknownSourceAddress, default: 0], 0)
        XCTAssertTrue(client.take(timeout: 0.2).isEmpty, "nothing may be answered")
    }
}
