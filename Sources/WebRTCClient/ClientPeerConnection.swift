import NIOCore
import NIOPosix
import SDP
import STUN
import WebRTCTransport

/// Receives what a `ClientPeerConnection` decrypts and its state changes, on its event loop.
public protocol ClientPeerConnectionDelegate: AnyObject {
    /// ICE and DTLS are up and SRTP keys are installed.
    func peerConnectionDidConnect(_ connection: ClientPeerConnection)
    /// A decrypted RTP packet; `arrival` in seconds on the monotonic clock (`ClientClock.now()`).
    func peerConnection(_ connection: ClientPeerConnection, didReceiveRTP packet: [UInt8], arrival: Double)
    /// A decrypted RTCP compound packet.
    func peerConnection(_ connection: ClientPeerConnection, didReceiveRTCP packet: [UInt8])
    /// ICE, DTLS or the socket failed; nothing more is sent.
    func peerConnection(_ connection: ClientPeerConnection, didFail reason: String)
}

/// Monotonic clock shared by the client pieces (seconds since an arbitrary origin).
public enum ClientClock {
    public static func now() -> Double { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }
}

/// Counters of one peer connection (read them on its event loop, or via `snapshot`).
public struct PeerConnectionCounters: Sendable, Equatable {
    public var rtpPacketsSent = 0
    public var rtpBytesSent = 0
    public var rtcpPacketsSent = 0
    public var rtpPacketsReceived = 0
    public var rtpBytesReceived = 0
    public var rtcpPacketsReceived = 0
    /// Packets that failed SRTP/SRTCP unprotect (auth/replay) — dropped.
    public var srtpFailures = 0
    /// Datagrams from an address other than the selected remote candidate — dropped.
    public var strangerDatagrams = 0
    /// Media the caller asked to send before the connection was up — dropped.
    public var sendsBeforeConnected = 0
    public init() {}
}

/// The client side of one WebRTC peer connection over its own UDP socket: a controlling ICE
/// agent for one candidate pair (`ICEControllingAgent`), a DTLS 1.2 client or server
/// (`DTLSEndpoint`, role from the remote `a=setup`, RFC 8842), and SRTP (`SRTPContext`).
/// Datagrams are told apart by their first byte (RFC 7983). Every method must be called on
/// `eventLoop`; delegate callbacks run there too. Bounded: ICE gives up after 10 s, DTLS after
/// `dtlsTimeout`, consent after 30 s without a response.
public final class ClientPeerConnection: @unchecked Sendable {
    public enum State: Equatable, Sendable {
        case new, checking, handshaking, connected, closed
        case failed(String)
    }

    public let eventLoop: EventLoop
    public let local: LocalPeerParameters
    public weak var delegate: ClientPeerConnectionDelegate?
    public private(set) var state: State = .new
    public private(set) var counters = PeerConnectionCounters()
    /// Seconds from `start` to ICE success / to DTLS connected.
    public private(set) var iceConnectedAfter: Double?
    public private(set) var dtlsConnectedAfter: Double?
    public var dtlsTimeout: Double = 15
    public var remote: RemoteTransportParameters? { remoteParameters }

    private let channel: Channel
    private let dtlsContext: DTLSContext
    private var remoteParameters: RemoteTransportParameters?
    private var remoteAddress: SocketAddress?
    private var ice: ICEControllingAgent?
    private var dtls: DTLSEndpoint?
    private var srtpOut: SRTPContext?
    private var srtpIn: SRTPContext?
    /// `ClientClock` time `start` was called (0 before).
    public private(set) var startedAt: Double = 0
    private var timer: Scheduled<Void>?

    private init(channel: Channel, dtlsContext: DTLSContext, local: LocalPeerParameters) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.dtlsContext = dtlsContext
        self.local = local
    }

    /// Binds a UDP socket on `bindAddress` (port 0 = any) and returns the connection, not started.
    /// - Throws: the socket error when binding fails.
    public static func make(on eventLoop: EventLoop, dtlsContext: DTLSContext, bindAddress: String = "127.0.0.1",
                            cname: String) async throws -> ClientPeerConnection {
        let handler = InboundHandler()
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelInitializer { $0.pipeline.addHandler(handler) }
            .bind(host: bindAddress, port: 0).get()
        let (ufrag, password) = ICECredentialPair.randomLocal()
        let port = UInt16(clamping: channel.localAddress?.port ?? 0)
        let local = LocalPeerParameters(iceUfrag: ufrag, icePassword: password,
                                        fingerprint: dtlsContext.certificate.sha256Fingerprint,
                                        address: bindAddress, port: port, cname: cname)
        let connection = ClientPeerConnection(channel: channel, dtlsContext: dtlsContext, local: local)
        handler.connection = connection
        return connection
    }

    /// Starts ICE towards the remote candidate, then DTLS. `remote.setup` decides the DTLS role:
    /// `active` → we are the server; `passive`/`actpass` → we are the client.
    /// - Throws: `DTLSError.context` if OpenSSL cannot create the session; socket address errors.
    public func start(remote: RemoteTransportParameters) throws {
        eventLoop.preconditionInEventLoop()
        guard state == .new else { return }
        remoteParameters = remote
        remoteAddress = try SocketAddress(ipAddress: remote.candidateAddress, port: Int(remote.candidatePort))
        let role: WebRTCTransport.DTLSRole = remote.setup == .active ? .server : .client
        dtls = try DTLSEndpoint(context: dtlsContext, role: role,
                                expectedPeerFingerprint: remote.fingerprintAlgorithm == "sha-256" ? remote.fingerprint : nil)
        var agent = ICEControllingAgent(credentials: ICECredentialPair(
            localUfrag: local.iceUfrag, localPassword: local.icePassword,
            remoteUfrag: remote.iceUfrag, remotePassword: remote.icePassword))
        startedAt = ClientClock.now()
        state = .checking
        let first = agent.start(now: startedAt)
        ice = agent
        send([first])
        schedule()
    }

    /// Protects and sends RTP packets (one flush for the batch). Dropped (and counted) unless connected.
    public func sendRTP(_ packets: [[UInt8]]) {
        guard state == .connected, let srtpOut else {
            counters.sendsBeforeConnected += packets.count
            return
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(packets.count)
        for var packet in packets {
            let size = packet.count
            guard (try? srtpOut.protectRTP(&packet)) != nil else { continue }
            counters.rtpPacketsSent += 1
            counters.rtpBytesSent += size
            out.append(packet)
        }
        send(out)
    }

    /// Protects and sends one RTCP compound. Dropped unless connected.
    public func sendRTCP(_ packet: [UInt8]) {
        guard state == .connected, let srtpOut else { return }
        var p = packet
        guard (try? srtpOut.protectRTCP(&p)) != nil else { return }
        counters.rtcpPacketsSent += 1
        send([p])
    }

    /// Sends DTLS close_notify, closes the socket. Idempotent.
    public func close() {
        guard state != .closed else { return }
        if let dtls { send(dtls.close()) }
        timer?.cancel()
        timer = nil
        state = .closed
        channel.close(promise: nil)
    }

    // MARK: - Receive path

    fileprivate func receive(_ bytes: [UInt8], from address: SocketAddress) {
        guard state != .closed, let first = bytes.first else { return }
        if let remoteAddress, address != remoteAddress {
            counters.strangerDatagrams += 1
            return
        }
        let now = ClientClock.now()
        switch first {
        case 0...3:
            handleSTUN(bytes, from: address, now: now)
        case 20...63:
            guard let dtls else { return }
            send(dtls.receive(bytes))
            checkDTLS(now: now)
        case 128...191:
            guard state == .connected, let srtpIn else { return }
            var packet = bytes
            if bytes.count >= 2, (192...223).contains(bytes[1]) {
                guard (try? srtpIn.unprotectRTCP(&packet)) != nil else { counters.srtpFailures += 1; return }
                counters.rtcpPacketsReceived += 1
                delegate?.peerConnection(self, didReceiveRTCP: packet)
            } else {
                guard (try? srtpIn.unprotectRTP(&packet)) != nil else { counters.srtpFailures += 1; return }
                counters.rtpPacketsReceived += 1
                counters.rtpBytesReceived += packet.count
                delegate?.peerConnection(self, didReceiveRTP: packet, arrival: now)
            }
        default:
            return
        }
    }

    private func handleSTUN(_ bytes: [UInt8], from address: SocketAddress, now: Double) {
        guard var agent = ice else { return }
        if bytes.count >= 2, bytes[0] & 0x01 == 0x01 {
            // Class bit C1 set: a success (0x0101) or error (0x0111) response (RFC 8489 §5).
            let wasChecking = agent.state == .checking
            _ = agent.handleResponse(bytes, now: now)
            ice = agent
            if wasChecking, agent.state == .connected {
                iceConnectedAfter = now - startedAt
                state = .handshaking
                if let dtls, dtls.role == .client { send(dtls.start()) }
                schedule()
            }
        } else if let source = stunAddress(address), let reply = agent.handleRequest(bytes, from: source) {
            send([reply])
        }
    }

    private func checkDTLS(now: Double) {
        guard let dtls else { return }
        if let failure = dtls.failure {
            fail("DTLS: \(failure)")
            return
        }
        if dtls.isConnected, srtpOut == nil, let keys = dtls.keyingMaterial {
            do {
                srtpOut = try SRTPContext(profile: keys.profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
                srtpIn = try SRTPContext(profile: keys.profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
            } catch {
                fail("SRTP: \(error)")
                return
            }
            dtlsConnectedAfter = now - startedAt
            state = .connected
            delegate?.peerConnectionDidConnect(self)
        }
    }

    // MARK: - Timers

    private func schedule() {
        timer?.cancel()
        guard state == .checking || state == .handshaking || state == .connected else { return }
        let delay: Int64 = state == .connected ? 500 : 50
        timer = eventLoop.scheduleTask(in: .milliseconds(delay)) { [weak self] in self?.tick() }
    }

    private func tick() {
        let now = ClientClock.now()
        if var agent = ice {
            if let request = agent.poll(now: now) { send([request]) }
            ice = agent
            if case .failed(let reason) = agent.state {
                fail(reason)
                return
            }
        }
        if state == .handshaking, let dtls {
            if now - startedAt > dtlsTimeout {
                fail("DTLS: handshake not finished \(Int(dtlsTimeout)) s after start")
                return
            }
            if let ms = dtls.timeoutMilliseconds(), ms == 0 { send(dtls.handleTimeout()) }
            checkDTLS(now: now)
        }
        schedule()
    }

    private func fail(_ reason: String) {
        guard state != .closed else { return }
        if case .failed = state { return }
        state = .failed(reason)
        timer?.cancel()
        timer = nil
        delegate?.peerConnection(self, didFail: reason)
    }

    // MARK: - Socket

    private func send(_ datagrams: [[UInt8]]) {
        guard !datagrams.isEmpty, let remoteAddress, channel.isActive else { return }
        for datagram in datagrams {
            var buffer = channel.allocator.buffer(capacity: datagram.count)
            buffer.writeBytes(datagram)
            channel.write(AddressedEnvelope(remoteAddress: remoteAddress, data: buffer), promise: nil)
        }
        channel.flush()
    }

    private func stunAddress(_ address: SocketAddress) -> STUNTransportAddress? {
        guard let port = address.port else { return nil }
        switch address {
        case .v4(let v4):
            let raw = v4.address.sin_addr.s_addr.bigEndian
            return STUNTransportAddress(ip: [UInt8(raw >> 24), UInt8((raw >> 16) & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8(raw & 0xFF)],
                                        port: UInt16(clamping: port))
        default:
            return nil
        }
    }

    private final class InboundHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        weak var connection: ClientPeerConnection?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            connection?.receive(Array(envelope.data.readableBytesView), from: envelope.remoteAddress)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            // ICMP port unreachable and similar surface here; ICE/DTLS timeouts report the failure.
        }
    }
}
