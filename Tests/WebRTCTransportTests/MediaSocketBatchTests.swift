import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest
@testable import WebRTCTransport

/// The batched hot path: vector reads without truncation (the NIO trap in shared/notes/SWIFT.md),
/// one flush per read batch or loop tick, fan-out through the SFU-style delegate.
final class MediaSocketBatchTests: MediaSocketTestCase {
    private func onLoop<T>(_ body: @escaping () throws -> T) throws -> T {
        try socket.eventLoop.submit { try body() }.wait()
    }

    func testBurstOfFullSizeSRTPArrivesIntactThroughVectorReads() throws {
        let vectorCount = try socket.channel.getOption(ChannelOptions.datagramVectorReadMessageCount).wait()
        XCTAssertEqual(vectorCount, MediaSocket.receiveBatchSize)
        let peer = try LoopbackPeer(socket: socket, serverContext: serverContext, group: group)
        try peer.connect()
        let plains = (0..<100).map { LoopbackPeer.rtp(sequence: UInt16(10 + $0), payload: 1188, fill: UInt8($0)) }
        var datagrams: [[UInt8]] = []
        for plain in plains {
            var packet = plain
            try peer.srtpOut.protectRTP(&packet)
            datagrams.append(packet)
        }
        try peer.client.sendBurst(datagrams, to: peer.server)
        let received = peer.delegate.waitForRTP(count: plains.count)
        XCTAssertEqual(received.count, plains.count)
        XCTAssertEqual(received, plains, "every 1200-byte datagram intact, in order")
        let (failures, drops) = try onLoop { (peer.transport.counters.srtpFailures, self.socket.drops) }
        XCTAssertEqual(failures, 0)
        XCTAssertEqual(drops, [:])
    }

    func testDatagramFillingItsReceiveSlotIsDroppedAsOversized() throws {
        let peer = try LoopbackPeer(socket: socket, serverContext: serverContext, group: group)
        try peer.connect()
        let slot = MediaSocket.receiveSlotSize
        try peer.client.send([0x80] + Array(repeating: 1, count: slot + 1000), to: peer.server)
        try peer.client.send([0x80] + Array(repeating: 2, count: slot - 1), to: peer.server)
        try peer.client.send([0x80] + Array(repeating: 3, count: slot - 2), to: peer.server)
        let deadline = Date().addingTimeInterval(2)
        var drops: [MediaDropReason: Int] = [:]
        while drops.values.reduce(0, +) < 3 && Date() < deadline {
            drops = try onLoop { self.socket.drops }
            usleep(2_000)
        }
        XCTAssertEqual(drops[.oversizedDatagram], 2, "a datagram of ≥ \(slot) bytes may have been cut")
        XCTAssertEqual(drops[.srtpUnprotectFailed], 1, "\(slot - 1) bytes is routed (and fails SRTP)")
    }

    func testFanOutInOneReadBatchIsFlushedOnce() throws {
        let publisher = try LoopbackPeer(socket: socket, serverContext: serverContext, group: group)
        try publisher.connect()
        let subscribers = try (0..<3).map { _ in try LoopbackPeer(socket: socket, serverContext: serverContext, group: group) }
        for s in subscribers { try s.connect() }
        let forwarder = Forwarder(to: subscribers.map(\.transport))
        try onLoop { publisher.transport.delegate = forwarder }
        let (batchesBefore, flushesBefore) = try onLoop { (self.socket.readBatches, self.socket.flushes) }

        let plain = LoopbackPeer.rtp(sequence: 500, payload: 900, fill: 0x77)
        var packet = plain
        try publisher.srtpOut.protectRTP(&packet)
        try publisher.client.send(packet, to: publisher.server)
        for s in subscribers {
            var got = try XCTUnwrap(s.client.take().first, "every subscriber receives the packet")
            try s.srtpIn.unprotectRTP(&got)
            XCTAssertEqual(got, plain)
        }
        let (batches, flushes, sent) = try onLoop {
            (self.socket.readBatches - batchesBefore, self.socket.flushes - flushesBefore,
             subscribers.map { $0.transport.counters.rtpSent })
        }
        XCTAssertEqual(batches, 1)
        XCTAssertEqual(flushes, 1, "three sends in one read batch, one flush")
        XCTAssertEqual(sent, [1, 1, 1])
    }

    func testSendsFromOneLoopTaskAreFlushedOnceAfterIt() throws {
        let peer = try LoopbackPeer(socket: socket, serverContext: serverContext, group: group)
        try peer.connect()
        let plains = (0..<20).map { LoopbackPeer.rtp(sequence: UInt16($0), payload: 100, fill: UInt8($0)) }
        let (flushesBefore, flushesInside) = try onLoop { () -> (Int, Int) in
            let before = self.socket.flushes
            for p in plains { peer.transport.sendRTP(p) }
            return (before, self.socket.flushes)
        }
        XCTAssertEqual(flushesInside, flushesBefore, "nothing is flushed inside the task")
        var received: [[UInt8]] = []
        let deadline = Date().addingTimeInterval(2)
        while received.count < plains.count && Date() < deadline { received += peer.client.take(timeout: 0.1) }
        let decrypted = try received.map { d -> [UInt8] in var p = d; try peer.srtpIn.unprotectRTP(&p); return p }
        XCTAssertEqual(decrypted, plains)
        XCTAssertEqual(try onLoop { self.socket.flushes } - flushesBefore, 1, "one flush at the end of the tick")
    }
}

/// Forwards every RTP packet of a publisher to subscriber transports, as the SFU does.
private final class Forwarder: PeerTransportDelegate, @unchecked Sendable {
    let targets: [PeerTransport]
    init(to targets: [PeerTransport]) { self.targets = targets }
    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) {
        for t in targets { t.sendRTP(packet) }
    }
}
