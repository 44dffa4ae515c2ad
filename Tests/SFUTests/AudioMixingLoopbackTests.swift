import AudioMixer
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RTP
import XCTest
@testable import SFU
@testable import WebRTCTransport

/// Three participants over real ICE/DTLS/SRTP: A speaks 440 Hz, B 880 Hz, C listens.
final class AudioMixingLoopbackTests: SFULoopbackTestCase {
    let events = NIOLockedValueBox<[SFUEvent]>([])

    override func setUpWithError() throws {
        try super.setUpWithError()
        let box = events
        try sfu.eventLoop.submit { self.sfu.onEvent = { e in box.withLockedValue { $0.append(e) } } }.wait()
    }

    static func audioOffer(peer: TestPeer, ssrc: UInt32) -> String {
        [
            "v=0", "o=- 77 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0", "a=msid-semantic:WMS *",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 0", "c=IN IP4 0.0.0.0", "a=mid:0",
            "a=ice-ufrag:\(peer.ufrag)", "a=ice-pwd:\(peer.password)",
            "a=fingerprint:sha-256 \(peer.fingerprint)", "a=setup:actpass", "a=sendrecv", "a=rtcp-mux",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:0 PCMU/8000",
            "a=ssrc:\(ssrc) cname:c\(ssrc)", "a=msid:s t",
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// Amplitude of `frequency` in `samples` (48 kHz), Goertzel.
    static func amplitude(_ samples: [Int16], frequency: Double) -> Double {
        let w = 2 * Double.pi * frequency / 48_000
        let coeff = 2 * cos(w)
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + coeff * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        return 2 * sqrt(max(power, 0)) / Double(samples.count)
    }

    func testEachListenerHearsTheOthersAndTalkingIsReported() throws {
        let port = sfu.socket.localAddress.port!
        let fp = sfu.dtlsContext.certificate.sha256Fingerprint
        var peers: [String: TestPeer] = [:]
        for (name, ssrc) in [("a", UInt32(1001)), ("b", 1002), ("c", 1003)] {
            let peer = try TestPeer(group: group)
            peers[name] = peer
            let answer = try sfu.eventLoop.submit {
                try self.sfu.audioOffer(roomID: "m", participantID: name, offer: Self.audioOffer(peer: peer, ssrc: ssrc))
            }.wait()
            XCTAssertTrue(answer.contains("a=sendrecv"), answer)
            XCTAssertTrue(answer.contains("m=audio \(port) UDP/TLS/RTP/SAVPF 111\r\n"), answer)
            try peer.connect(to: port, serverUfrag: sdpValues(answer, "ice-ufrag")[0],
                             serverPassword: sdpValues(answer, "ice-pwd")[0], serverFingerprint: fp)
            if name != "c" {
                try sfu.eventLoop.submit { self.sfu.setAudioEnabled(roomID: "m", participantID: name, enabled: true) }.wait()
            }
        }
        defer { peers.values.forEach { $0.close() } }

        // 2.4 s of tones at real-time pace, 20 ms Opus frames with the audio level extension.
        let encoderA = try OpusEncoder(.init()), encoderB = try OpusEncoder(.init())
        var phase = 0
        for n in 0..<120 {
            for (peer, encoder, freq, ssrc) in [(peers["a"]!, encoderA, 440.0, UInt32(1001)),
                                                (peers["b"]!, encoderB, 880.0, UInt32(1002))] {
                let pcm = (0..<960).map { i in Int16(8000 * sin(2 * Double.pi * freq * Double(phase + i) / 48_000)) }
                let payload = try encoder.encode(pcm)
                var packet: [UInt8] = [0x90, 111, 0, UInt8(n)]
                packet += withUnsafeBytes(of: UInt32(n * 960).bigEndian, Array.init)
                packet[2] = UInt8(n >> 8)
                packet += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
                packet += [0xBE, 0xDE, 0x00, 0x01, 0x10, 0x80 | 12, 0x00, 0x00]   // audio level -12 dBov, voice
                try peer.sendRTP(packet + payload)
            }
            phase += 960
            usleep(20_000)
        }
        func decoded(_ peer: TestPeer) throws -> [Int16] {
            let rtp = peer.receiveMedia(timeout: 0.3) { _, _ in false }.rtp
            let decoder = try OpusDecoder()
            var pcm: [Int16] = []
            for packet in rtp {
                let header = try RTPHeader.parse(packet)
                pcm += try decoder.decode(Array(packet[header.payloadRange]))
            }
            return pcm
        }
        // The mixer runs on its own clock: measure each frequency's strongest 0.2 s window.
        func peak(_ pcm: [Int16], _ frequency: Double) -> Double {
            stride(from: 0, to: max(pcm.count - 9600, 1), by: 2400).map {
                Self.amplitude(Array(pcm[$0..<min($0 + 9600, pcm.count)]), frequency: frequency)
            }.max() ?? 0
        }
        let c = try decoded(peers["c"]!), a = try decoded(peers["a"]!), b = try decoded(peers["b"]!)
        XCTAssertGreaterThan(c.count, 48_000, "C must receive over a second of mixed audio")
        XCTAssertGreaterThan(peak(c, 440), 1000)
        XCTAssertGreaterThan(peak(c, 880), 1000)
        XCTAssertGreaterThan(peak(a, 880), 1000)
        XCTAssertLessThan(peak(a, 440), 300, "A must not hear itself")
        XCTAssertGreaterThan(peak(b, 440), 1000)
        XCTAssertLessThan(peak(b, 880), 300, "B must not hear itself")

        let talking = events.withLockedValue { $0 }.compactMap { e -> String? in
            if case .talking(_, let p, true) = e { return p }
            return nil
        }
        // Talking detection needs ~10 packets on time in a row; on a starved machine (this test paces
        // packets with usleep) a talker can miss it, so here only "silent C is never reported" is
        // asserted, and that reports reach `onEvent`. The mixer's own tests assert the detector
        // frame by frame; the aiortc e2e test asserts A and B talking, in order, and the mute.
        XCTAssertTrue(Set(talking).isSubset(of: ["a", "b"]), "\(talking)")
        if let talker = talking.first {
            try sfu.eventLoop.submit { self.sfu.setAudioEnabled(roomID: "m", participantID: talker, enabled: false) }.wait()
            usleep(200_000)
            XCTAssertTrue(events.withLockedValue { $0 }.contains(.talking(roomID: "m", participantID: talker, isTalking: false)),
                          "muting a talker reports it stopped talking")
        }
    }

    func testAudioOfferWithoutOpusIsRejected() throws {
        let peer = try TestPeer(group: group)
        defer { peer.close() }
        let offer = Self.audioOffer(peer: peer, ssrc: 5).replacingOccurrences(of: "111 0", with: "0")
            .replacingOccurrences(of: "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n", with: "")
        XCTAssertThrowsError(try sfu.eventLoop.submit {
            try self.sfu.audioOffer(roomID: "m", participantID: "x", offer: offer)
        }.wait()) { error in
            guard case SFUError.invalidSDP(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(reason.isEmpty)
        }
    }
}
