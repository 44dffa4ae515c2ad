import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import STUN
import WebRTCTransport
import XCTest

/// A minimal client-side WebRTC peer for tests: sends an ICE connectivity check with
/// USE-CANDIDATE, runs the DTLS client handshake and protects/unprotects SRTP, over a UDP socket
/// on 127.0.0.1.
final class TestPeer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let inbox = NIOLockedValueBox<[[UInt8]]>([])
    private var channel: Channel!
    let certificate: DTLSCertificate
    let ufrag = "cli" + String(Int.random(in: 1000...9999))
    let password = "clientpassword0123456789"
    private var srtpOut: SRTPContext?
    private var srtpIn: SRTPContext?
    private var server: SocketAddress!

    init(group: EventLoopGroup) throws {
        certificate = try DTLSCertificate()
        channel = try DatagramBootstrap(group: group)
            .channelInitializer { $0.pipeline.addHandler(self) }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    var fingerprint: String { certificate.sha256Fingerprint }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        inbox.withLockedValue { $0.append(bytes) }
    }

    func close() { try? channel.close().wait() }

    func send(_ bytes: [UInt8]) throws {
        var buf = channel.allocator.buffer(capacity: bytes.count)
        buf.writeBytes(bytes)
        try channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buf)).wait()
    }

    /// Takes what arrived within `timeout` seconds (returns as soon as something is there).
    func receive(timeout: TimeInterval = 2) -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let got = inbox.withLockedValue { box -> [[UInt8]] in defer { box.removeAll() }; return box }
            if !got.isEmpty { return got }
            usleep(1_000)
        } while Date() < deadline
        return []
    }

    /// ICE check + DTLS client handshake against the server's answer/offer credentials.
    func connect(to port: Int, serverUfrag: String, serverPassword: String, serverFingerprint: String) throws {
        server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let request = STUNMessage.bindingRequest(transactionID: STUNMessage.randomTransactionID(),
                                                 username: "\(serverUfrag):\(ufrag)",
                                                 integrityKey: Array(serverPassword.utf8), priority: 100,
                                                 iceControlling: 7, useCandidate: true)
        try send(request)
        let reply = receive()
        XCTAssertEqual(reply.first.map { Array($0.prefix(2)) }, [0x01, 0x01], "binding success expected")
        let dtls = try DTLSEndpoint(context: DTLSContext(certificate: certificate), role: .client,
                                    expectedPeerFingerprint: serverFingerprint)
        for d in dtls.start() { try send(d) }
        for _ in 0..<20 where !dtls.isConnected && dtls.failure == nil {
            for d in receive(timeout: 1.5) { for out in dtls.receive(d) { try send(out) } }
        }
        guard dtls.isConnected, let keys = dtls.keyingMaterial else {
            throw DTLSError.handshake("test peer: \(String(describing: dtls.failure))")
        }
        srtpOut = try SRTPContext(profile: keys.profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        srtpIn = try SRTPContext(profile: keys.profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
        self.keys = keys
    }

    private var keys: SRTPKeyingMaterial?

    /// One ICE connectivity check with `serverUfrag`/`serverPassword` on the connected 5-tuple;
    /// returns the STUN message type of the reply (0x0101 success) or nil when none came.
    func check(serverUfrag: String, serverPassword: String) throws -> UInt16? {
        let request = STUNMessage.bindingRequest(transactionID: STUNMessage.randomTransactionID(),
                                                 username: "\(serverUfrag):\(ufrag)",
                                                 integrityKey: Array(serverPassword.utf8), priority: 100,
                                                 iceControlling: 7, useCandidate: true)
        try send(request)
        let deadline = Date().addingTimeInterval(0.5)
        while Date() < deadline {
            for reply in receive(timeout: 0.1) where reply.count >= 20 && reply[0] < 4 {
                return UInt16(reply[0]) << 8 | UInt16(reply[1])
            }
        }
        return nil
    }

    /// Forgets the SRTP replay window, as if earlier packets had been lost (for NACK tests).
    func forgetReceivedPackets() throws {
        guard let keys else { return }
        srtpIn = try SRTPContext(profile: keys.profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
    }

    func sendRTP(_ packet: [UInt8]) throws {
        var p = packet
        try srtpOut!.protectRTP(&p)
        try send(p)
    }

    func sendRTCP(_ packet: [UInt8]) throws {
        var p = packet
        try srtpOut!.protectRTCP(&p)
        try send(p)
    }

    /// Decrypted RTP and RTCP received within `timeout`.
    func receiveMedia(timeout: TimeInterval = 2, until: ([[UInt8]], [[UInt8]]) -> Bool) -> (rtp: [[UInt8]], rtcp: [[UInt8]]) {
        var rtp: [[UInt8]] = [], rtcp: [[UInt8]] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !until(rtp, rtcp) {
            for var d in receive(timeout: 0.05) {
                guard d.count >= 2, d[0] >= 128 else { continue }
                if (192...223).contains(d[1]) {
                    if (try? srtpIn!.unprotectRTCP(&d)) != nil { rtcp.append(d) }
                } else if (try? srtpIn!.unprotectRTP(&d)) != nil {
                    rtp.append(d)
                }
            }
        }
        return (rtp, rtcp)
    }
}

/// Reads a/ lines from an SDP text.
func sdpValues(_ sdp: String, _ attribute: String) -> [String] {
    sdp.split(whereSeparator: \.isNewline).compactMap { line in
        line.hasPrefix("a=\(attribute):") ? String(line.dropFirst(attribute.count + 3)) : nil
    }
}
