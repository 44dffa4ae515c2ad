import Logging
import NIOCore
import NIOPosix
import RTP
import SDP
import WebRTCTransport
import XCTest
@testable import WebRTCClient

/// The client peer connection against Parley's own server side (MediaSocket + PeerTransport:
/// ICE-lite responder, DTLS server), as parley-load uses it against a running server.
final class ServerTransportInteropTests: XCTestCase {
    final class ServerSide: PeerTransportDelegate {
        var rtp: [[UInt8]] = []
        var connected = false
        func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) { rtp.append(packet) }
        func transportDidConnect(_ transport: PeerTransport) { connected = true }
    }

    final class ClientSide: ClientPeerConnectionDelegate, @unchecked Sendable {
        var rtp: [[UInt8]] = []
        var failure: String?
        func peerConnectionDidConnect(_ connection: ClientPeerConnection) {}
        func peerConnection(_ connection: ClientPeerConnection, didReceiveRTP packet: [UInt8], arrival: Double) { rtp.append(packet) }
        func peerConnection(_ connection: ClientPeerConnection, didReceiveRTCP packet: [UInt8]) {}
        func peerConnection(_ connection: ClientPeerConnection, didFail reason: String) { failure = reason }
    }

    func testClientConnectsToParleysICELiteDTLSServerAndMediaFlowsBothWays() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let serverContext = try DTLSContext(certificate: DTLSCertificate())
        // bind() waits for the channel: call it off the event loop.
        let socket = try await Task.detached {
            try MediaSocket.bind(host: "127.0.0.1", port: 0, group: group, logger: Logger(label: "test"))
        }.value
        let client = try await ClientPeerConnection.make(on: loop, dtlsContext: try DTLSContext(certificate: DTLSCertificate()),
                                                         cname: "c")
        let serverSide = ServerSide(), clientSide = ClientSide()
        let transport = try await loop.submit { () -> PeerTransport in
            let t = PeerTransport(dtlsContext: serverContext)
            t.delegate = serverSide
            socket.register(t)
            try t.setRemoteDTLS(role: .server, fingerprint: client.local.fingerprint)
            return t
        }.get()
        let remote = RemoteTransportParameters(iceUfrag: transport.localUfrag, icePassword: transport.localPassword,
                                               fingerprint: serverContext.certificate.sha256Fingerprint, fingerprintAlgorithm: "sha-256",
                                               setup: .passive, candidateAddress: "127.0.0.1",
                                               candidatePort: UInt16(socket.localAddress.port ?? 0), iceLite: true)
        try await loop.submit {
            client.delegate = clientSide
            try client.start(remote: remote)
        }.get()
        for _ in 0..<100 {
            if try await loop.submit({ client.state == .connected && serverSide.connected }).get() { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let state = try await loop.submit { (client.state, clientSide.failure, client.iceConnectedAfter) }.get()
        XCTAssertEqual(state.0, .connected, String(describing: state.1))
        XCTAssertNotNil(state.2)
        let up = RTPPacketBuilder.packet(payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 10, marker: true, payload: [7, 7][...])
        let down = RTPPacketBuilder.packet(payloadType: 97, sequenceNumber: 2, timestamp: 2, ssrc: 20, marker: false, payload: [8][...])
        try await loop.submit {
            client.sendRTP([up])
            transport.sendRTP(down)
        }.get()
        for _ in 0..<40 {
            if try await loop.submit({ serverSide.rtp.count == 1 && clientSide.rtp.count == 1 }).get() { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let got = try await loop.submit { (serverSide.rtp, clientSide.rtp) }.get()
        XCTAssertEqual(got.0, [up])
        XCTAssertEqual(got.1, [down])
        try await loop.submit {
            client.close()
            transport.close()
        }.get()
        try await socket.close().get()
        try await group.shutdownGracefully()
    }
}
