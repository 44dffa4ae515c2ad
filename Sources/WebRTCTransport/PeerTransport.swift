import NIOCore
import STUN

/// Receives what a `PeerTransport` decrypts, on the media event loop.
public protocol PeerTransportDelegate: AnyObject {
    /// A decrypted RTP packet (RFC 3550), header intact.
    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8])
    /// A decrypted RTCP compound packet (RFC 3550 §6, RFC 4585).
    func transport(_ transport: PeerTransport, didReceiveRTCP packet: [UInt8])
    /// DTLS finished and SRTP keys are installed: media can flow both ways.
    func transportDidConnect(_ transport: PeerTransport)
    /// The transport ended (DTLS failure, close_notify or local close); it sends nothing more.
    func transportDidClose(_ transport: PeerTransport, reason: String)
}

/// Default no-op implementations so delegates implement only what they use.
public extension PeerTransportDelegate {
    func transport(_ transport: PeerTransport, didReceiveRTCP packet: [UInt8]) {}
    func transportDidConnect(_ transport: PeerTransport) {}
    func transportDidClose(_ transport: PeerTransport, reason: String) {}
}

/// Local ICE credentials of one ICE generation (RFC 8839 §5.4 `a=ice-ufrag` / `a=ice-pwd`).
public struct ICECredentials: Equatable, Sendable {
    /// `a=ice-ufrag`: the first half of USERNAME in checks sent to us (`<ufrag>:<remote ufrag>`).
    public let ufrag: String
    /// `a=ice-pwd`: its UTF-8 bytes key MESSAGE-INTEGRITY (RFC 8489 §14.5, short-term credential).
    public let password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }
}

/// One peer connection's transport on the shared UDP port (mediasoup's WebRtcTransport):
/// ICE-lite credentials, the selected remote address, a DTLS association and two SRTP contexts.
///
/// Lifecycle: created with local ICE credentials → registered on a `MediaSocket` → the remote
/// DTLS parameters arrive with the SDP (`setRemoteDTLS`) — possibly after the first STUN checks
/// and even after the first DTLS datagram, which is buffered (up to 16) instead of dropped →
/// first successful binding request selects a remote address → DTLS handshake → `connected`.
/// An ICE restart (`restartICE()`, RFC 8445 §9) replaces the local credentials at any point and
/// keeps the DTLS association and the SRTP contexts.
/// Confined to the media event loop (not thread-safe).
public final class PeerTransport {
    public enum State: Equatable, Sendable { case new, checking, connecting, connected, closed }

    /// Process-unique identifier, used in logs and maps.
    public let id: UInt64
    /// Our `a=ice-ufrag` (RFC 8839 §5.4): 8 random alphanumerics. Replaced by `restartICE()`.
    public private(set) var localUfrag: String
    /// Our `a=ice-pwd`: 24 random alphanumerics (≥ 128 bits of entropy). Replaced by `restartICE()`.
    public private(set) var localPassword: String
    /// Our current ICE credentials (`localUfrag`, `localPassword`) as one value.
    public var localCredentials: ICECredentials { ICECredentials(ufrag: localUfrag, password: localPassword) }
    /// ICE generation: 0 at creation, +1 per `restartICE()`.
    public private(set) var iceGeneration = 0
    /// Local ufrags of earlier generations (oldest first, at most `retiredUfragLimit`): checks that
    /// still use one are dropped and counted as `MediaDropReason.stunRetiredUfrag`.
    public private(set) var retiredUfrags: [String] = []
    /// How many earlier ufrags a transport remembers for the retired-ufrag drop counter.
    public static let retiredUfragLimit = 4
    public private(set) var state: State = .new
    /// The 5-tuple's remote side: the last nominated (or first validated) source address.
    public private(set) var remoteAddress: SocketAddress?
    /// Every source address that passed a connectivity check (RFC 8445 valid list).
    public private(set) var validatedAddresses: Set<SocketAddress> = []
    /// When the transport was created (start of the consent clock before the first check).
    public let createdAt: NIODeadline = .now()
    /// Last authenticated binding request (RFC 7675 consent freshness: a peer keeps consent
    /// only by sending checks; browsers send one every ~5 s, aiortc every 5 s).
    public private(set) var lastConsentAt: NIODeadline?
    public weak var delegate: PeerTransportDelegate?

    let dtlsContext: DTLSContext
    var dtls: DTLSEndpoint?
    var srtpInbound: SRTPContext?
    var srtpOutbound: SRTPContext?
    weak var socket: MediaSocket?
    private var pendingDTLS: [[UInt8]] = []
    private var retransmitTask: Scheduled<Void>?
    /// Counters of this transport (packets in/out after SRTP, failures).
    public private(set) var counters = Counters()

    public struct Counters: Sendable, Equatable {
        public var rtpReceived = 0, rtcpReceived = 0, rtpSent = 0, rtcpSent = 0
        public var srtpFailures = 0, sendsBeforeConnected = 0
    }

    private static var nextID: UInt64 = 1

    /// - Parameter dtlsContext: the process-wide DTLS context (certificate + use_srtp).
    public init(dtlsContext: DTLSContext) {
        PeerTransport.nextID &+= 1
        self.id = PeerTransport.nextID
        self.localUfrag = PeerTransport.randomToken(length: 8)
        self.localPassword = PeerTransport.randomToken(length: 24)
        self.dtlsContext = dtlsContext
    }

    /// Installs the remote DTLS parameters from the SDP: our role (from `a=setup`) and the peer's
    /// SHA-256 fingerprint. Replays DTLS datagrams that arrived before. Idempotent for equal values.
    /// - Throws: `DTLSError.context` when OpenSSL cannot allocate the session.
    public func setRemoteDTLS(role: DTLSRole, fingerprint: String?) throws {
        guard dtls == nil, state != .closed else { return }
        let endpoint = try DTLSEndpoint(context: dtlsContext, role: role, expectedPeerFingerprint: fingerprint)
        dtls = endpoint
        if role == .client, remoteAddress != nil {
            send(datagrams: endpoint.start())
            armRetransmit()
        }
        let buffered = pendingDTLS
        pendingDTLS.removeAll()
        for datagram in buffered { receiveDTLS(datagram) }
    }

    /// Protects and sends one RTP packet (RFC 3550, header intact) to the selected address. Dropped
    /// (and counted in `sendsBeforeConnected`) before the transport is connected. The packet is
    /// encrypted directly into the outgoing datagram; the datagram leaves when the media socket
    /// flushes (end of the current read batch or event-loop tick).
    public func sendRTP(_ packet: [UInt8]) { sendProtected(packet, rtcp: false) }

    /// Protects and sends one RTCP compound packet (RFC 3550 §6) to the selected address; as `sendRTP`.
    public func sendRTCP(_ packet: [UInt8]) { sendProtected(packet, rtcp: true) }

    private func sendProtected(_ packet: [UInt8], rtcp: Bool) {
        guard state == .connected, let out = srtpOutbound, let address = remoteAddress, let socket else {
            counters.sendsBeforeConnected += 1
            return
        }
        var buffer = socket.allocator.buffer(capacity: packet.count + SRTPContext.maxTrailer)
        do { try out.protect(packet, rtcp: rtcp, into: &buffer) } catch { counters.srtpFailures += 1; return }
        if rtcp { counters.rtcpSent += 1 } else { counters.rtpSent += 1 }
        socket.send(buffer, to: address)
    }

    /// ICE restart at the transport (RFC 8445 §9; RFC 8839 §4.4.1.1.1 / RFC 5245 §9.2.1.1: the answer
    /// to an offer with a new `a=ice-ufrag`/`a=ice-pwd` MUST carry new local ones too; BH-11).
    ///
    /// Draws a new local ufrag (8 alphanumerics) and password (24), moves the transport's
    /// registration on its `MediaSocket` to the new ufrag and increments `iceGeneration`. From then
    /// on a binding request whose USERNAME starts with an old ufrag is dropped without an answer
    /// (counted as `MediaDropReason.stunRetiredUfrag`); requests with `<new ufrag>:<remote ufrag>`
    /// and MESSAGE-INTEGRITY keyed with the new password get a success response.
    ///
    /// Everything else survives: the DTLS association (no new handshake: the fingerprint and
    /// `a=setup` of an ICE restart offer are unchanged), both SRTP contexts (sequence numbers and
    /// ROC continue), `state`, the selected `remoteAddress` and the validated addresses, so media
    /// keeps flowing on the previous pair until the peer's checks of the new generation select one
    /// (RFC 8445 §9: media continues on the previously selected pair). The remote ufrag is not
    /// checked here: an ICE-lite agent answers any remote ufrag that knows the local password.
    ///
    /// Call on the media event loop. On a closed transport nothing changes and the current
    /// credentials are returned.
    /// - Returns: the new local credentials, to be written in the SDP answer.
    @discardableResult
    public func restartICE() -> ICECredentials {
        guard state != .closed else { return localCredentials }
        let oldUfrag = localUfrag
        var ufrag = PeerTransport.randomToken(length: 8)
        while ufrag == oldUfrag || retiredUfrags.contains(ufrag) { ufrag = PeerTransport.randomToken(length: 8) }
        var password = PeerTransport.randomToken(length: 24)
        while password == localPassword { password = PeerTransport.randomToken(length: 24) }
        retiredUfrags.append(oldUfrag)
        var forgotten: [String] = []
        if retiredUfrags.count > PeerTransport.retiredUfragLimit {
            forgotten = Array(retiredUfrags.prefix(retiredUfrags.count - PeerTransport.retiredUfragLimit))
            retiredUfrags.removeFirst(forgotten.count)
        }
        localUfrag = ufrag
        localPassword = password
        iceGeneration += 1
        socket?.transportChangedUfrag(self, from: oldUfrag, forgetting: forgotten)
        return localCredentials
    }

    /// Sends close_notify (when connected), unregisters and reports `transportDidClose`.
    public func close(reason: String = "closed") {
        guard state != .closed else { return }
        if let dtls, let address = remoteAddress {
            for d in dtls.close() { socket?.send(d, to: address) }
        }
        finish(reason: reason)
    }

    /// True when no authenticated check arrived for `timeout` (counted from creation before the
    /// first check): RFC 7675 §5.1 says to stop sending; the SFU closes the transport.
    public func consentExpired(now: NIODeadline, timeout: TimeAmount) -> Bool {
        guard state != .closed else { return false }
        return now - (lastConsentAt ?? createdAt) > timeout
    }

    // MARK: - Called by MediaSocket

    func bindingSucceeded(from address: SocketAddress, nominated: Bool) {
        guard state != .closed else { return }
        validatedAddresses.insert(address)
        lastConsentAt = .now()
        if remoteAddress == nil || nominated { remoteAddress = address }
        if state == .new { state = .checking }
        if state == .checking, let dtls {
            state = .connecting
            if dtls.role == .client {
                send(datagrams: dtls.start())
                armRetransmit()
            }
        }
    }

    func forgetAddress(_ address: SocketAddress) {
        validatedAddresses.remove(address)
        if remoteAddress == address { remoteAddress = validatedAddresses.first }
    }

    func receiveDTLS(_ datagram: [UInt8]) {
        guard state != .closed else { return }
        guard let dtls else {
            if pendingDTLS.count < 16 { pendingDTLS.append(datagram) }
            return
        }
        if state == .checking || state == .new { state = .connecting }
        let wasConnected = dtls.isConnected
        send(datagrams: dtls.receive(datagram))
        if let failure = dtls.failure {
            finish(reason: failure.description)
            return
        }
        if dtls.isClosed {
            finish(reason: "DTLS close_notify")
            return
        }
        if !wasConnected, dtls.isConnected { installSRTP(dtls) } else { armRetransmit() }
    }

    /// One SRTP or SRTCP datagram (RFC 5761 §4: payload type 192–223 in the second byte is RTCP).
    func receiveSRTPorSRTCP(_ datagram: ByteBuffer) {
        guard state == .connected, let inbound = srtpInbound else { return }
        let secondByte = datagram.getInteger(at: datagram.readerIndex + 1, as: UInt8.self)
        let isRTCP = secondByte.map { (192...223).contains($0) } ?? false
        do {
            let packet = try datagram.withUnsafeReadableBytes { try inbound.unprotect($0, rtcp: isRTCP) }
            if isRTCP {
                counters.rtcpReceived += 1
                delegate?.transport(self, didReceiveRTCP: packet)
            } else {
                counters.rtpReceived += 1
                delegate?.transport(self, didReceiveRTP: packet)
            }
        } catch {
            counters.srtpFailures += 1
            socket?.countDrop(.srtpUnprotectFailed)
        }
    }

    // MARK: - Private

    private func installSRTP(_ dtls: DTLSEndpoint) {
        retransmitTask?.cancel()
        guard let keys = dtls.keyingMaterial else { return finish(reason: "DTLS connected without keys") }
        do {
            srtpInbound = try SRTPContext(profile: keys.profile, keyAndSalt: keys.remoteKeyAndSalt, direction: .inbound)
            srtpOutbound = try SRTPContext(profile: keys.profile, keyAndSalt: keys.localKeyAndSalt, direction: .outbound)
        } catch {
            return finish(reason: "SRTP setup failed: \(error)")
        }
        state = .connected
        delegate?.transportDidConnect(self)
    }

    private func send(datagrams: [[UInt8]]) {
        guard let address = remoteAddress else { return }
        for d in datagrams { socket?.send(d, to: address) }
    }

    private func armRetransmit() {
        retransmitTask?.cancel()
        guard let dtls, let ms = dtls.timeoutMilliseconds(), let loop = socket?.eventLoop else { return }
        retransmitTask = loop.scheduleTask(in: .milliseconds(Int64(max(ms, 10)))) { [weak self] in
            guard let self, let dtls = self.dtls, !dtls.isConnected, self.state != .closed else { return }
            self.send(datagrams: dtls.handleTimeout())
            self.armRetransmit()
        }
    }

    private func finish(reason: String) {
        guard state != .closed else { return }
        state = .closed
        retransmitTask?.cancel()
        socket?.unregister(self)
        delegate?.transportDidClose(self, reason: reason)
    }

    static func randomToken(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }
}
