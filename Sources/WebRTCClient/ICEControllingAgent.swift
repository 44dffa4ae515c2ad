import STUN

/// ICE credentials of both sides of one peer connection (RFC 8839 §5.4).
public struct ICECredentialPair: Sendable, Equatable {
    public var localUfrag: String
    public var localPassword: String
    public var remoteUfrag: String
    public var remotePassword: String

    public init(localUfrag: String, localPassword: String, remoteUfrag: String, remotePassword: String) {
        self.localUfrag = localUfrag
        self.localPassword = localPassword
        self.remoteUfrag = remoteUfrag
        self.remotePassword = remotePassword
    }

    /// A fresh local ufrag (8 alphanumerics) and password (24 alphanumerics, ≥ 128 bits).
    public static func randomLocal() -> (ufrag: String, password: String) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rng = SystemRandomNumberGenerator()
        func make(_ n: Int) -> String { String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }) }
        return (make(8), make(24))
    }
}

/// A controlling ICE agent for ONE candidate pair (our host candidate → the server's host
/// candidate), as a load-test client against an ICE-lite (or full) server needs (RFC 8445 §7.2,
/// §8.1.1 with nomination on every check, RFC 7675 consent freshness).
///
/// Pure state machine with time passed in (seconds, monotonic): the caller sends what `start`,
/// `poll` and `handleRequest` return and feeds every received STUN datagram to `handle`.
/// - Checking: a Binding request with USE-CANDIDATE, ICE-CONTROLLING, PRIORITY, USERNAME
///   "<remote ufrag>:<local ufrag>", MESSAGE-INTEGRITY (remote pwd) and FINGERPRINT every
///   `checkInterval`; `failed` after `checkTimeout` without an authenticated success response.
/// - Connected: a consent check every `consentInterval` (5 s, RFC 7675 §5.1); `failed` when no
///   authenticated response arrived for `consentTimeout` (30 s).
/// Outstanding transactions are bounded (`maxOutstanding`, oldest forgotten first).
public struct ICEControllingAgent: Sendable {
    public enum State: Equatable, Sendable {
        case new, checking, connected
        case failed(String)
    }

    public let credentials: ICECredentialPair
    public let tieBreaker: UInt64
    /// Our candidate's priority (RFC 8445 §5.1.2.1) sent in PRIORITY.
    public let priority: UInt32
    public var checkInterval: Double = 0.05
    public var checkTimeout: Double = 10
    public var consentInterval: Double = 5
    public var consentTimeout: Double = 30
    public static let maxOutstanding = 64

    public private(set) var state: State = .new
    /// Authenticated Binding success responses received.
    public private(set) var responsesReceived = 0
    /// Requests sent (checks and consent).
    public private(set) var requestsSent = 0
    /// Round-trip time of the first successful check, seconds.
    public private(set) var firstRoundTrip: Double?

    private var outstanding: [(id: [UInt8], sentAt: Double)] = []
    private var startedAt: Double = 0
    private var lastSent: Double = -1_000
    private var lastResponse: Double = 0

    public init(credentials: ICECredentialPair, tieBreaker: UInt64 = UInt64.random(in: 1...UInt64.max),
                priority: UInt32 = 2_130_706_431) {
        self.credentials = credentials
        self.tieBreaker = tieBreaker
        self.priority = priority
    }

    /// Begins checking; returns the first request to send.
    public mutating func start(now: Double) -> [UInt8] {
        guard state == .new else { return [] }
        state = .checking
        startedAt = now
        return makeRequest(now: now)
    }

    /// Seconds (absolute, same clock) when `poll` should next be called; nil when failed.
    public func nextDeadline() -> Double? {
        switch state {
        case .new, .failed: return nil
        case .checking: return lastSent + checkInterval
        case .connected: return lastSent + consentInterval
        }
    }

    /// Sends retransmissions / consent checks that are due and detects timeouts.
    public mutating func poll(now: Double) -> [UInt8]? {
        switch state {
        case .new, .failed:
            return nil
        case .checking:
            if now - startedAt >= checkTimeout {
                state = .failed("ICE: no authenticated Binding response within \(Int(checkTimeout)) s (\(requestsSent) checks sent)")
                return nil
            }
            return now - lastSent >= checkInterval ? makeRequest(now: now) : nil
        case .connected:
            if now - lastResponse >= consentTimeout {
                state = .failed("ICE consent expired: no Binding response for \(Int(consentTimeout)) s (RFC 7675)")
                return nil
            }
            return now - lastSent >= consentInterval ? makeRequest(now: now) : nil
        }
    }

    /// Handles a STUN response. Returns true when it was an authenticated success for one of our
    /// transactions. Error responses and unknown transactions are ignored (a 487 role conflict
    /// cannot happen with an ICE-lite peer, which is always controlled).
    public mutating func handleResponse(_ raw: [UInt8], now: Double) -> Bool {
        guard let message = try? STUNMessage.parse(raw), message.messageClass == .successResponse,
              let index = outstanding.firstIndex(where: { $0.id == message.transactionID }),
              STUNMessage.verifyMessageIntegrity(raw, key: Array(credentials.remotePassword.utf8)) else {
            return false
        }
        let sentAt = outstanding[index].sentAt
        outstanding.remove(at: index)
        responsesReceived += 1
        lastResponse = now
        if state == .checking {
            state = .connected
            firstRoundTrip = now - sentAt
        }
        return true
    }

    /// Answers a connectivity check the remote (full ICE) agent sends us: a Binding success when
    /// USERNAME is "<local ufrag>:<remote ufrag>" and MESSAGE-INTEGRITY verifies with our password;
    /// nil otherwise (silently dropped, as RFC 8445 §7.3 allows for bad credentials).
    public func handleRequest(_ raw: [UInt8], from source: STUNTransportAddress) -> [UInt8]? {
        let localUfrag = credentials.localUfrag, password = credentials.localPassword
        let decision = ICELiteResponder().handle(raw, from: source) { $0 == localUfrag ? password : nil }
        if case .respond(let bytes, _, _, _) = decision { return bytes }
        return nil
    }

    private mutating func makeRequest(now: Double) -> [UInt8] {
        let id = STUNMessage.randomTransactionID()
        outstanding.append((id, now))
        if outstanding.count > Self.maxOutstanding { outstanding.removeFirst(outstanding.count - Self.maxOutstanding) }
        lastSent = now
        requestsSent += 1
        return STUNMessage.bindingRequest(transactionID: id,
                                          username: "\(credentials.remoteUfrag):\(credentials.localUfrag)",
                                          integrityKey: Array(credentials.remotePassword.utf8), priority: priority,
                                          iceControlling: tieBreaker, useCandidate: true)
    }
}
