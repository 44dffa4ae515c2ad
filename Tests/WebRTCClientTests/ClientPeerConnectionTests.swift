import NIOCore
import NIOPosix
import RTP
import WebRTCTransport
import XCTest
@testable import WebRTCClient

/// Two client peer connections on 127.0.0.1 against each other: both run checks and answer the
/// other's, one is DTLS client (remote setup passive) and one server (remote setup active); RTP
/// and RTCP then cross SRTP both ways.
final class ClientPeerConnectionTests: XCTestCase {
    final class Recorder: ClientPeerConnectionDelegate, @unchecked Sendable {
        var connected = false
        var rtp: [[UInt8]] = []
        var rtcp: [[UInt8]] = []
        var failure: String?
        func peerConnectionDidConnect(_ connection: ClientPeerConnection) { connected = true }
        func peerConnection(_ connection: ClientPeerConnection, didReceiveRTP packet: [UInt8], arrival: Double) { rtp.append(packet) }
        func peerConnection(_ connection: ClientPeerConnection, didReceiveRTCP packet: [UInt8]) { rtcp.append(packet) }
        func peerConnection(_ connection: ClientPeerConnection, didFail reason: String) { failure = reason }
    }

    private func remote(_ pc: ClientPeerConnection, setup: SDPSetupRoleAlias) -> RemoteTransportParameters {
        RemoteTransportParameters(iceUfrag: pc.local.iceUfrag, icePassword: pc.local.icePassword, fingerprint: pc.local.fingerprint,
                                  fingerprintAlgorithm: "sha-256", setup: setup, candidateAddress: "127.0.0.1",
                                  candidatePort: pc.local.port, iceLite: false)
    }

    func testLoopbackICEDTLSAndSRTPBothWays() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let contextA = try DTLSContext(certificate: DTLSCertificate())
        let contextB = try DTLSContext(certificate: DTLSCertificate())
        let a = try await ClientPeerConnection.make(on: loop, dtlsContext: contextA, cname: "a")
        let b = try await ClientPeerConnection.make(on: loop, dtlsContext: contextB, cname: "b")
        let ra = Recorder(), rb = Recorder()
        try await loop.submit {
            a.delegate = ra
            b.delegate = rb
            try a.start(remote: self.remote(b, setup: .passive))   // a is the DTLS client
            try b.start(remote: self.remote(a, setup: .active))    // b is the DTLS server
        }.get()
        for _ in 0..<100 {
            if try await loop.submit({ ra.connected && rb.connected }).get() { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let states = try await loop.submit { (a.state, b.state, ra.failure, rb.failure) }.get()
        XCTAssertEqual(states.0, .connected, "a: \(String(describing: states.2))")
        XCTAssertEqual(states.1, .connected, "b: \(String(describing: states.3))")
        let packet = RTPPacketBuilder.packet(payloadType: 96, sequenceNumber: 7, timestamp: 90, ssrc: 5, marker: true, payload: [1, 2, 3][...])
        let pli = RTCPBuilder.pli(senderSSRC: 1, mediaSSRC: 5)
        try await loop.submit {
            a.sendRTP([packet, packet.enumerated().map { $0.offset == 3 ? 8 : $0.element }])
            b.sendRTCP(pli)
        }.get()
        for _ in 0..<40 {
            if try await loop.submit({ rb.rtp.count == 2 && ra.rtcp.count == 1 }).get() { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let result = try await loop.submit { (rb.rtp, ra.rtcp, a.counters, b.counters) }.get()
        XCTAssertEqual(result.0.first, packet)
        XCTAssertEqual(result.0.count, 2)
        XCTAssertEqual(result.1.first, pli)
        XCTAssertEqual(result.2.rtpPacketsSent, 2)
        XCTAssertEqual(result.3.rtpPacketsReceived, 2)
        XCTAssertEqual(result.3.srtpFailures, 0)
        try await loop.submit { a.close(); b.close() }.get()
        try await group.shutdownGracefully()
    }

    func testUnreachableRemoteFailsICEWithinTimeout() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let pc = try await ClientPeerConnection.make(on: loop, dtlsContext: try DTLSContext(certificate: DTLSCertificate()), cname: "x")
        let recorder = Recorder()
        // A bound socket that never answers.
        let silent = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        var params = remote(pc, setup: .passive)
        params.candidatePort = UInt16(silent.localAddress?.port ?? 9)
        try await loop.submit {
            pc.delegate = recorder
            try pc.start(remote: params)
        }.get()
        // Speed the test up: ICE gives up after 10 s by default; wait for it.
        var failure: String?
        for _ in 0..<240 {
            failure = try await loop.submit { recorder.failure }.get()
            if failure != nil { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTAssertTrue(failure?.contains("ICE") == true, String(describing: failure))
        try await loop.submit { pc.close() }.get()
        try await silent.close()
        try await group.shutdownGracefully()
    }

    func testSendBeforeConnectedIsCountedNotSent() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pc = try await ClientPeerConnection.make(on: group.next(), dtlsContext: try DTLSContext(certificate: DTLSCertificate()), cname: "x")
        let counters = try await group.next().submit { () -> PeerConnectionCounters in
            pc.sendRTP([[0x80, 96, 0, 1]])
            return pc.counters
        }.get()
        XCTAssertEqual(counters.sendsBeforeConnected, 1)
        XCTAssertEqual(counters.rtpPacketsSent, 0)
        try await group.next().submit { pc.close() }.get()
        try await group.shutdownGracefully()
    }
}

typealias SDPSetupRoleAlias = SDP.SDPSetupRole
import SDP
