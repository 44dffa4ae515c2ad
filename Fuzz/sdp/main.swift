// libFuzzer target: SDP (RFC 8866) parsing and writing, the publisher answer (JSEP / RFC 3264,
// RFC 8843 BUNDLE), the subscriber offer built from what was negotiated, and subscriber answer
// parsing (issue 4 item 1, BH-01…BH-11).
//
// Input: SDP text (bytes decoded as UTF-8 with replacement). Checked besides "never traps":
// - anything that parses writes back to text that parses and writes identically;
// - an answer has one m-section per offered one, parses, and never gives one payload type or
//   extension id two meanings across its accepted sections;
// - the subscriber offer built from the negotiated codecs/extensions parses.
import FuzzSupport
import SDP

let local = LocalTransport(
    iceUfrag: "SfuU", icePwd: "q7Xv2pLm9Rt4Wz8Kb3Nc6Hd1",
    fingerprint: SDPFingerprint(algorithm: "sha-256", value: (0..<32).map { _ in "AB" }.joined(separator: ":")),
    candidateAddress: "203.0.113.7", candidatePort: 40_000, sessionId: 1_234_567_890, sessionVersion: 1)

/// Default capabilities, and a second set that sends audio and video back (sendrecv paths), without
/// simulcast or H.264.
let capabilitySets: [ServerCapabilities] = [
    .default,
    ServerCapabilities(codecs: [.opus, .vp8], simulcast: false, sendTracks: [
        .audio: ServerSendTrack(ssrc: 0x5EED_0001, cname: "parley", streamId: "room", trackId: "mix"),
        .video: ServerSendTrack(ssrc: 0x5EED_0002, cname: "parley", streamId: "room", trackId: "video"),
    ]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSDP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    guard let description = try? SessionDescription.parse(text) else { return 0 }

    let written = description.serialized()
    let reparsed = expectParse(written, "serialized()")
    fuzzCheck(reparsed?.serialized() == written, "writer output is not stable")

    touchAccessors(description)
    _ = try? description.validateWebRTC()
    _ = isICERestart(previous: ICECredentials(ufrag: "ChrM", pwd: "Yk5Tn2Qp8Lw3Vx6Zr9Bs4Gf7"), offer: description)

    for capabilities in capabilitySets {
        guard let result = try? answerPublisherOffer(description, local: local, capabilities: capabilities) else { continue }
        checkAnswer(result, offer: description)
        subscriberOffer(from: result)
    }

    // The same text read as a subscriber's answer to an offer with one stream per m-section.
    let offered = description.media.enumerated().map { index, section in
        SubscriberStream(mid: section.mid ?? String(index), kind: section.kind, active: index % 4 != 3,
                         msidStreamId: "7101dfde/video", msidTrackId: "track\(index)", ssrc: 1_000 + UInt32(index),
                         rtxSSRC: index % 2 == 0 ? 2_000 + UInt32(index) : nil, cname: "parley",
                         codecs: section.codecs, extensions: section.extmaps.map { RTPHeaderExtension(id: $0.id, uri: $0.uri) })
    }
    if let info = try? parseSubscriberAnswer(description, offered: offered) {
        fuzzCheck(info.media.count == offered.count, "subscriber answer info has \(info.media.count) entries")
    }
    return 0
}

func expectParse(_ text: String, _ what: String) -> SessionDescription? {
    do {
        return try SessionDescription.parse(text)
    } catch {
        fuzzCheck(false, "\(what) output does not parse: \(error)\n\(text)")
        return nil
    }
}

func touchAccessors(_ description: SessionDescription) {
    _ = description.groups
    _ = description.bundleGroup
    _ = description.msidSemantic
    _ = description.iceLite
    _ = description.extmapAllowMixedAnywhere
    for media in description.media {
        _ = media.mid
        _ = media.direction
        _ = media.iceOptions
        _ = media.fingerprints
        _ = media.setup
        _ = media.rtcpFeedback
        _ = media.ssrcAttributes
        _ = media.msids
        _ = media.rids
        _ = media.simulcast
        _ = media.candidates
        _ = media.rtxSSRCs
        _ = media.primarySSRCs
        _ = media.cname
        _ = media.effectiveMSID
        for codec in media.codecs {
            _ = codec.h264ProfileLevelID?.hex
            _ = codec.h264ProfileLevelID?.isLevel1b
            _ = codec.h264PacketizationMode
        }
        _ = description.iceCredentials(for: media)
        _ = description.isICELite(for: media)
        _ = description.fingerprints(for: media)
        _ = description.setup(for: media)
        _ = description.direction(for: media)
        _ = description.isLive(media)
        if let mid = media.mid { _ = description.media(withMid: mid) }
    }
}

/// One m-section per offered one; the answer parses; no payload type / extension id means two
/// things across accepted sections (issue 4 item 1).
func checkAnswer(_ result: PublisherAnswer, offer: SessionDescription) {
    fuzzCheck(result.answer.media.count == offer.media.count,
              "answer has \(result.answer.media.count) m-sections for \(offer.media.count) offered")
    fuzzCheck(result.media.count == offer.media.count, "negotiated \(result.media.count) of \(offer.media.count)")
    fuzzCheck(result.media.contains(where: \.accepted), "answer returned with nothing accepted")
    guard let answer = expectParse(result.answer.serialized(), "answer") else { return }
    var payloadTypes: [UInt8: String] = [:]
    var extensionIDs: [UInt8: String] = [:]
    for (section, negotiated) in zip(answer.media, result.media) where negotiated.accepted {
        fuzzCheck(section.port != 0, "accepted mid \(negotiated.mid) answered with port 0")
        for codec in section.codecs {
            let parameters = codec.parameters.map { "\($0.name.lowercased())=\($0.value ?? "")" }.sorted()
            let key = "\(codec.normalizedName)/\(codec.clockRate)/\(codec.channels ?? 1);\(parameters.joined(separator: ";"))"
            claim(&payloadTypes, codec.payloadType, key, "payload type")
            if let rtx = codec.rtxPayloadType { claim(&payloadTypes, rtx, "rtx/\(codec.clockRate);apt=\(codec.payloadType)", "payload type") }
        }
        for extmap in section.extmaps { claim(&extensionIDs, extmap.id, extmap.uri, "extension id") }
    }
}

func claim(_ table: inout [UInt8: String], _ id: UInt8, _ meaning: String, _ what: String) {
    if let existing = table[id] {
        fuzzCheck(existing == meaning, "\(what) \(id) means both \(existing) and \(meaning) in one BUNDLE group")
    } else {
        table[id] = meaning
    }
}

/// The subscriber offer a forwarded stream of this publisher would get, and its parse.
func subscriberOffer(from result: PublisherAnswer) {
    var streams: [SubscriberStream] = []
    for (index, media) in result.media.enumerated() where media.kind == .audio || media.kind == .video {
        streams.append(SubscriberStream(mid: String(index), kind: media.kind, active: media.accepted,
                                        msidStreamId: "7101dfde/\(media.kind == .audio ? "audio" : "video")",
                                        msidTrackId: media.mid.isEmpty ? "t\(index)" : media.mid,
                                        ssrc: 0x1000 + UInt32(index), rtxSSRC: media.codecs.contains { $0.rtxPayloadType != nil } ? 0x2000 + UInt32(index) : nil,
                                        cname: media.cname ?? "parley", codecs: media.codecs, extensions: media.extensions))
    }
    guard !streams.isEmpty else { return }
    let offer = makeSubscriberOffer(local: local, sessionVersion: 2, streams: streams)
    guard let parsed = expectParse(offer.serialized(), "makeSubscriberOffer") else { return }
    fuzzCheck(parsed.media.count == streams.count, "subscriber offer has \(parsed.media.count) m-sections for \(streams.count) streams")
}

runLibFuzzer(fuzzSDP) { seeds in
    let opus = RTPCodec(payloadType: 111, name: "opus", clockRate: 48_000, channels: 2,
                        parameters: [], rtcpFeedback: [RTCPFeedback(type: "transport-cc")])
    let vp8 = RTPCodec(payloadType: 96, name: "VP8", clockRate: 90_000, parameters: [],
                       rtcpFeedback: [RTCPFeedback(type: "nack"), RTCPFeedback(type: "nack", parameter: "pli")],
                       rtxPayloadType: 97)
    let offer = makeSubscriberOffer(local: local, sessionVersion: 3, streams: [
        SubscriberStream(mid: "0", kind: .audio, msidStreamId: "u/audio", msidTrackId: "a", ssrc: 1, cname: "c",
                         codecs: [opus], extensions: [RTPHeaderExtension(id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level")]),
        SubscriberStream(mid: "1", kind: .video, msidStreamId: "u/video", msidTrackId: "v", ssrc: 2, rtxSSRC: 3, cname: "c",
                         codecs: [vp8], extensions: [RTPHeaderExtension(id: 4, uri: "urn:ietf:params:rtp-hdrext:sdes:mid")]),
        SubscriberStream(mid: "2", kind: .video, active: false, msidStreamId: "u/screen", msidTrackId: "s", ssrc: 4,
                         cname: "c", codecs: [vp8]),
    ])
    seeds.write("subscriber-offer.sdp", Array(offer.serialized().utf8))
}
