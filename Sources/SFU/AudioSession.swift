import RTP
import SDP
import WebRTCTransport

/// A participant's two-way audio peer connection (WSC BidirectionalConnectionAudioInOut, spec
/// §3.5): the client's microphone goes into the meeting's mixer; the mixer's output for this
/// listener (everyone but themselves) comes back on one Opus stream with the server's SSRC.
/// Confined to the media event loop.
final class AudioSession: PeerTransportDelegate {
    let participantID: String
    let transport: PeerTransport
    /// Opus payload type the client negotiated (used both ways).
    let opusPayloadType: UInt8
    /// The client's id for the RFC 6464 audio-level extension, when negotiated.
    let audioLevelExtensionID: UInt8?
    /// The SSRC of the mixed stream we send (announced in the answer).
    let sendSSRC: UInt32
    private var sequenceNumber = UInt16.random(in: 0...UInt16.max)
    private var timestamp = UInt32.random(in: 0...UInt32.max)
    weak var room: AudioRoom?
    private(set) var packetsSent = 0
    private(set) var packetsReceived = 0
    private(set) var malformedPackets = 0

    init(participantID: String, transport: PeerTransport, opusPayloadType: UInt8, audioLevelExtensionID: UInt8?,
         sendSSRC: UInt32) {
        self.participantID = participantID
        self.transport = transport
        self.opusPayloadType = opusPayloadType
        self.audioLevelExtensionID = audioLevelExtensionID
        self.sendSSRC = sendSSRC
        transport.delegate = self
    }

    /// Sends one 20 ms Opus frame of the mix (RFC 7587), advancing the RTP clock by
    /// `ticksPerFrame` (48 kHz RTP clock: 960 per 20 ms) even when a frame is skipped.
    func sendMix(_ payload: [UInt8], ticksPerFrame: UInt32) {
        defer { timestamp &+= ticksPerFrame }
        guard transport.state == .connected else { return }
        var packet: [UInt8] = [0x80, opusPayloadType & 0x7f, UInt8(sequenceNumber >> 8), UInt8(sequenceNumber & 0xff)]
        packet.reserveCapacity(12 + payload.count)
        withUnsafeBytes(of: timestamp.bigEndian) { packet.append(contentsOf: $0) }
        withUnsafeBytes(of: sendSSRC.bigEndian) { packet.append(contentsOf: $0) }
        packet.append(contentsOf: payload)
        sequenceNumber &+= 1
        packetsSent += 1
        room?.counters.audioPacketsSent += 1
        room?.counters.audioBytesSent += packet.count
        transport.sendRTP(packet)
    }

    func close() {
        transport.delegate = nil
        transport.close(reason: "audio closed")
    }

    // MARK: PeerTransportDelegate

    func transport(_ transport: PeerTransport, didReceiveRTP packet: [UInt8]) {
        guard let header = try? RTPHeader.parse(packet), header.payloadType == opusPayloadType,
              header.payloadLength > 0 else {
            malformedPackets += 1
            room?.counters.drop("audio_rtp_malformed")
            return
        }
        packetsReceived += 1
        var level: UInt8?
        if let id = audioLevelExtensionID, let value = header.extensionValue(id: id, in: packet), let first = value.first {
            level = first & 0x7f
        }
        room?.push(participantID: participantID, payload: Array(packet[header.payloadRange]),
                   sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, audioLevel: level)
    }

    func transportDidClose(_ transport: PeerTransport, reason: String) {
        room?.audioTransportClosed(self, reason: reason)
    }
}
