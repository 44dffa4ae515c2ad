import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import STUN
import XCTest
@testable import WebRTCTransport

/// Records everything a `PeerTransport` reports, from the media event loop.
final class CountingDelegate: PeerTransportDelegate, @unchecked Sendable {
    let rtp = NIOLockedValueBox<[[UInt8]]>([])
    let rtcp = NIOLockedValueBox<[[UInt8]]>([])
    let connects = NIOLockedValueBox(0)
    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) { rtp.withLockedValue { $0.append(packet) } }
    func transport(_ transport: PeerTransport, didReceiveRTCP packet: [UInt8]) { rtcp.withLockedValue { $0.append(packet) } }
    func transportDidConnect(_ transport: PeerTransport) { connects.withLockedValue { $0 += 1 } }

    /// Waits until at least `count` RTP packets arrived (or `timeout` passed); returns them all.
    func waitForRTP(count: Int, timeout: TimeInterval = 3) -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        while rtp.withLockedValue({ $0.count }) < count && Date() < deadline { usleep(2_000) }
        return rtp.withLockedValue { $0 }
    }
}

/// A browser stand-in on 127.0.0.1: a raw UDP client that runs the controlling side of one
/// `PeerTransport` (STUN check with USE-CANDIDATE, DTLS client, SRTP both ways).
final class LoopbackPeer {
    let client: LoopbackUDPClient
    let transport: PeerTransport
    let delegate = CountingDelegate()
    let server: SocketAddress
    let socket: MediaSocket
    let dtls: DTLSEndpoint
    /// Client → server (protect) and server → client (unprotect) SRTP, after `connect()`.
    var srtpOut: SRTPContext!
    var srtpIn: SRTPContext!
    let remoteUfrag = "cli1"

    /// Creates and registers a server transport on `socket` (server DTLS role) and a client for it.
    init(socket: MediaSocket, serverContext: DTLSContext, group: EventLoopGroup) throws {
        let clientCert = try DTLSCertificate()
        let delegate = self.delegate
        transport = try socket.eventLoop.submit { () -> PeerTransport in
            let t = PeerTransport(dtlsContext: serverContext)
            t.delegate = delegate
            socket.register(t)
            try t.setRemoteDTLS(role: .server, fingerprint: clientCert.sha256Fingerprint)
            return t
        }.wait()
        client = try LoopbackUDPClient(group: group)
        server = socket.localAddress
        self.socket = socket
        dtls = try DTLSEndpoint(context: DTLSContext(certificate: clientCert), role: .client,
                                expectedPeerFingerprint: serverContext.certificate.sha256Fingerprint)
    }

    /// Runs `body` with the transport on the media event loop (the transport is loop-confined).
    func onLoop<T>(_ body: @escaping (PeerTransport) throws -> T) throws -> T {
        let transport = self.transport
        return try socket.eventLoop.submit { try body(transport) }.wait()
    }

    /// A binding request as a controlling browser sends it (RFC 8445 §7.2.2), with FINGERPRINT.
    func bindingRequest(ufrag: String, password: String, transactionID: [UInt8] = STUNMessage.randomTransactionID(),
                        useCandidate: Bool = true) -> [UInt8] {
        STUNMessage.bindingRequest(transactionID: transactionID, username: "\(ufrag):\(remoteUfrag)",
                                   integrityKey: Array(password.utf8), priority: 1_845_501_695,
                                   iceControlling: 42, useCandidate: useCandidate)
    }

    /// ICE check with the transport's current credentials, DTLS handshake, SRTP contexts.
    func connect() throws {
        let credentials = try onLoop { $0.localCredentials }
        try client.send(bindingRequest(ufrag: credentials.ufrag, password: credentials.password), to: server)
        let responses = client.take()
        XCTAssertEqual(responses.count, 1, "one binding success response")
        for d in dtls.start() { try client.send(d, to: server) }
        for _ in 0..<10 where !dtls.isConnected {
            for d in client.take() { for reply in dtls.receive(d) { try client.send(reply, to: server) } }
        }
        XCTAssertTrue(dtls.isConnected, "client DTLS must connect: \(String(describing: dtls.failure))")
        let deadline = Date().addingTimeInterval(2)
        while delegate.connects.withLockedValue({ $0 }) == 0 && Date() < deadline { usleep(2_000) }
        XCTAssertEqual(delegate.connects.withLockedValue { $0 }, 1)
        let keys = try XCTUnwrap(dtls.keyingMaterial)
        srtpOut = try SRTPContext(profile: keys.profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        srtpIn = try SRTPContext(profile: keys.profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
    }

    /// An RTP packet (RFC 3550 §5.1) with SSRC 0x1234, `payload` bytes of `fill`.
    static func rtp(sequence: UInt16, payload: Int = 50, fill: UInt8 = 0x42) -> [UInt8] {
        [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 0, 100, 0, 0, 0x12, 0x34]
            + Array(repeating: fill, count: payload)
    }
}


extension LoopbackUDPClient {
    /// Queues all `datagrams` and flushes once: NIO sends them with one `sendmmsg`, so they reach
    /// the server back to back (a burst for the batched read path).
    func sendBurst(_ datagrams: [[UInt8]], to address: SocketAddress) throws {
        let channel = self.channel!
        try channel.eventLoop.submit {
            for bytes in datagrams {
                var buf = channel.allocator.buffer(capacity: bytes.count)
                buf.writeBytes(bytes)
                channel.write(AddressedEnvelope(remoteAddress: address, data: buf), promise: nil)
            }
            channel.flush()
        }.wait()
    }
}
