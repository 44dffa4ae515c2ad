import Logging
import NIOCore
import NIOPosix
import STUN

/// Why a datagram received on the media port was dropped. Counted per reason.
public enum MediaDropReason: String, CaseIterable, Sendable {
    case unknownFirstByte          // not STUN/DTLS/RTP per RFC 7983
    case unknownSourceAddress      // DTLS or SRTP from an address no connectivity check validated
    case srtpUnprotectFailed       // authentication, replay or malformed SRTP/SRTCP
    case stunNotSTUN, stunMalformed, stunBadFingerprint, stunIndication, stunNotBindingRequest
    case stunNoUsername, stunMalformedUsername, stunNoIntegrity, stunUnknownUfrag, stunBadIntegrity, stunResponse
    /// A binding request for a local ufrag that an ICE restart replaced (`PeerTransport.restartICE()`).
    case stunRetiredUfrag
    /// The datagram filled its whole receive slot (≥ `MediaSocket.receiveSlotSize` bytes, or the
    /// whole slice NIO read it into): the batched read may have cut it, so it is not routed.
    case oversizedDatagram

    init(_ reason: STUNDropReason) {
        switch reason {
        case .notSTUN: self = .stunNotSTUN
        case .malformed: self = .stunMalformed
        case .badFingerprint: self = .stunBadFingerprint
        case .indication: self = .stunIndication
        case .notBindingRequest: self = .stunNotBindingRequest
        case .noUsername: self = .stunNoUsername
        case .malformedUsername: self = .stunMalformedUsername
        case .noIntegrity: self = .stunNoIntegrity
        case .unknownUfrag: self = .stunUnknownUfrag
        case .badIntegrity: self = .stunBadIntegrity
        case .response: self = .stunResponse
        }
    }
}

/// The single UDP port every peer connection shares (RFC 7983 demultiplexing, RFC 8445 ICE-lite).
///
/// A datagram is classified by its first byte: 0–3 STUN, 20–63 DTLS, 128–191 RTP/RTCP; anything
/// else is dropped and counted. STUN binding requests are routed by the local ufrag in USERNAME
/// and, once answered with a success, bind the source address to that transport; DTLS and SRTP
/// are routed by source address. All state lives on `eventLoop`; call every method there.
///
/// Hot path: the kernel hands over up to `receiveBatchSize` datagrams per `recvmmsg`; each SRTP
/// datagram is decrypted into the array given to the delegate (one copy); every packet sent while
/// handling a read batch (or a task on the loop) is encrypted straight into its outgoing buffer and
/// queued, and the queue is flushed once at the end of the batch (or of the loop tick), which NIO
/// turns into one `sendmmsg` for the lot. UDP GSO is not used: it batches datagrams to ONE
/// destination, while an SFU sends each packet to many.
public final class MediaSocket {
    public let eventLoop: EventLoop
    public let localAddress: SocketAddress
    let channel: Channel
    /// Allocates outgoing datagrams.
    let allocator: ByteBufferAllocator
    private let responder = ICELiteResponder()
    private var transportsByUfrag: [String: PeerTransport] = [:]
    private var transportsByAddress: [SocketAddress: PeerTransport] = [:]
    /// Local ufrags replaced by an ICE restart → the transport that used them (for the drop reason).
    private var retiredUfrags: [String: ObjectIdentifier] = [:]
    private var inReadBatch = false
    /// Writes are queued but not flushed; a flush is due at the end of the read batch, or was
    /// scheduled on the loop when the write happened outside one.
    private var flushPending = false
    let logger: Logger

    /// Datagrams dropped, per reason.
    public private(set) var drops: [MediaDropReason: Int] = [:]
    /// Datagrams received and sent on the port (all kinds).
    public private(set) var datagramsReceived = 0
    public private(set) var datagramsSent = 0
    /// Read batches handled (one per `channelReadComplete`) and flushes issued: with batching,
    /// fewer than datagrams received / sent.
    public private(set) var readBatches = 0
    public private(set) var flushes = 0

    /// Datagrams read per `recvmmsg` (NIO vector reads).
    public static let receiveBatchSize = 32
    /// Bytes of receive buffer per datagram of a batch. NIO splits ONE buffer evenly over the batch
    /// and cuts longer datagrams silently, so a datagram that fills its slot is dropped and counted
    /// (`oversizedDatagram`): the largest datagram accepted is `receiveSlotSize - 1` bytes, far
    /// above WebRTC's ~1200-byte packets.
    public static let receiveSlotSize = 4096

    /// Kernel socket buffer asked for, bytes (capped by net.core.rmem_max / wmem_max): room for
    /// ~3000 full-size datagrams, so a loop delayed by tens of ms does not lose media.
    public static let socketBufferSize = 4 << 20

    /// Binds `host:port` (port 0 picks a free one) on one event loop of `group`.
    /// - Throws: the bind error (address in use, bad address).
    public static func bind(host: String, port: Int, group: EventLoopGroup, logger: Logger) throws -> MediaSocket {
        let handler = MediaDatagramHandler()
        let channel = try DatagramBootstrap(group: group)
            // No SO_REUSEADDR: a second server on the same media port must fail to start, not
            // silently share the port (the kernel would hand each datagram to only one of them).
            .channelOption(.socketOption(.so_rcvbuf), value: socketBufferSize)
            .channelOption(.socketOption(.so_sndbuf), value: socketBufferSize)
            .channelOption(.datagramVectorReadMessageCount, value: receiveBatchSize)
            .channelOption(.recvAllocator,
                           value: FixedSizeRecvByteBufferAllocator(capacity: receiveBatchSize * receiveSlotSize))
            .channelInitializer { $0.pipeline.addHandler(handler) }
            .bind(host: host, port: port).wait()
        guard let local = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        let socket = MediaSocket(channel: channel, localAddress: local, logger: logger)
        handler.socket = socket
        return socket
    }

    private init(channel: Channel, localAddress: SocketAddress, logger: Logger) {
        self.channel = channel
        self.allocator = channel.allocator
        self.eventLoop = channel.eventLoop
        self.localAddress = localAddress
        self.logger = logger
    }

    /// Makes `transport` reachable by its local ufrag.
    public func register(_ transport: PeerTransport) {
        eventLoop.preconditionInEventLoop()
        transport.socket = self
        transportsByUfrag[transport.localUfrag] = transport
    }

    /// Forgets `transport`, its retired ufrags and every address bound to it.
    public func unregister(_ transport: PeerTransport) {
        if transportsByUfrag[transport.localUfrag] === transport {
            transportsByUfrag.removeValue(forKey: transport.localUfrag)
        }
        for ufrag in transport.retiredUfrags where retiredUfrags[ufrag] == ObjectIdentifier(transport) {
            retiredUfrags.removeValue(forKey: ufrag)
        }
        for address in transport.validatedAddresses where transportsByAddress[address] === transport {
            transportsByAddress.removeValue(forKey: address)
        }
    }

    /// `PeerTransport.restartICE()` replaced `oldUfrag`: route checks by the new one, remember the
    /// old one as retired (and forget the ones the transport no longer remembers).
    func transportChangedUfrag(_ transport: PeerTransport, from oldUfrag: String, forgetting forgotten: [String]) {
        guard transportsByUfrag[oldUfrag] === transport else { return }
        transportsByUfrag.removeValue(forKey: oldUfrag)
        transportsByUfrag[transport.localUfrag] = transport
        retiredUfrags[oldUfrag] = ObjectIdentifier(transport)
        for ufrag in forgotten where retiredUfrags[ufrag] == ObjectIdentifier(transport) {
            retiredUfrags.removeValue(forKey: ufrag)
        }
    }

    /// Closes every transport whose consent expired (RFC 7675: 30 s without an authenticated
    /// binding request) with reason "ICE consent expired". Returns how many were closed.
    @discardableResult
    public func expireConsent(now: NIODeadline = .now(), timeout: TimeAmount = .seconds(30)) -> Int {
        let expired = transportsByUfrag.values.filter { $0.consentExpired(now: now, timeout: timeout) }
        for transport in expired { transport.close(reason: "ICE consent expired") }
        return expired.count
    }

    /// Number of registered transports.
    public var transportCount: Int { transportsByUfrag.count }

    /// Closes the UDP channel.
    public func close() -> EventLoopFuture<Void> { channel.close() }

    func countDrop(_ reason: MediaDropReason) { drops[reason, default: 0] += 1 }

    /// Queues a datagram (STUN, DTLS) for `address`.
    func send(_ bytes: [UInt8], to address: SocketAddress) {
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        send(buffer, to: address)
    }

    /// Queues a datagram for `address`; it leaves at the next flush (end of the read batch, or a
    /// task scheduled on the loop when no read batch is running).
    func send(_ buffer: ByteBuffer, to address: SocketAddress) {
        datagramsSent += 1
        channel.write(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
        guard !flushPending else { return }
        flushPending = true
        if !inReadBatch {
            eventLoop.execute { [weak self] in self?.flushIfPending() }
        }
    }

    private func flushIfPending() {
        guard flushPending else { return }
        flushPending = false
        flushes += 1
        channel.flush()
    }

    func readBatchEnded() {
        inReadBatch = false
        readBatches += 1
        flushIfPending()
    }

    /// Classifies and routes one datagram (RFC 7983 §7). `datagram` is a slice of the batch's
    /// receive buffer; nothing here keeps it past the call, so NIO can reuse that buffer.
    func receive(_ datagram: ByteBuffer, from source: SocketAddress) {
        inReadBatch = true
        datagramsReceived += 1
        // A datagram that fills its slice of the receive buffer may have been cut by the read.
        guard datagram.readableBytes < MediaSocket.receiveSlotSize, datagram.writerIndex < datagram.capacity else {
            return countDrop(.oversizedDatagram)
        }
        guard let first = datagram.getInteger(at: datagram.readerIndex, as: UInt8.self) else {
            return countDrop(.unknownFirstByte)
        }
        switch first {
        case 0...3:
            handleSTUN(Array(datagram.readableBytesView), from: source)
        case 20...63:
            guard let transport = transportsByAddress[source] else { return countDrop(.unknownSourceAddress) }
            transport.receiveDTLS(Array(datagram.readableBytesView))
        case 128...191:
            guard let transport = transportsByAddress[source] else { return countDrop(.unknownSourceAddress) }
            transport.receiveSRTPorSRTCP(datagram)
        default:
            countDrop(.unknownFirstByte)
        }
    }

    private func handleSTUN(_ bytes: [UInt8], from source: SocketAddress) {
        guard let stunSource = source.stunAddress else { return countDrop(.stunMalformed) }
        var retired = false
        let decision = responder.handle(bytes, from: stunSource) { ufrag in
            if let transport = transportsByUfrag[ufrag] { return transport.localPassword }
            retired = retiredUfrags[ufrag] != nil
            return nil
        }
        switch decision {
        case .drop(.unknownUfrag) where retired:
            countDrop(.stunRetiredUfrag)
        case .drop(let reason):
            countDrop(MediaDropReason(reason))
        case .respond(let response, let localUfrag, _, let nominated):
            send(response, to: source)
            guard decision.isSuccessResponse, let transport = transportsByUfrag[localUfrag] else { return }
            if let previous = transportsByAddress[source], previous !== transport {
                previous.forgetAddress(source)
            }
            transportsByAddress[source] = transport
            transport.bindingSucceeded(from: source, nominated: nominated)
        }
    }
}

/// NIO handler feeding datagrams to the `MediaSocket` (on its event loop).
final class MediaDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    weak var socket: MediaSocket?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        socket?.receive(envelope.data, from: envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        socket?.readBatchEnded()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable etc. surface here on UDP; they must not close the port.
        socket?.logger.debug("media socket error: \(error)")
    }
}

extension SocketAddress {
    /// The address as STUN sees it (raw IP bytes + port).
    var stunAddress: STUNTransportAddress? {
        guard let port = self.port else { return nil }
        switch self {
        case .v4(let a):
            let raw = withUnsafeBytes(of: a.address.sin_addr) { Array($0) }
            return STUNTransportAddress(ip: raw, port: UInt16(port))
        case .v6(let a):
            let raw = withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
            return STUNTransportAddress(ip: raw, port: UInt16(port))
        default:
            return nil
        }
    }
}
