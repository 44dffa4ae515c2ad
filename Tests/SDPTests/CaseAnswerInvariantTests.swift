import XCTest
@testable import SDP

/// BUGHUNT.md "Correct behaviour" rules that hold for EVERY offer in ../shared/cases, checked on
/// the answer to each `.sdp` file (BH-01 §1/§2/§5, BH-04, BH-06, BH-07, BH-08, BH-09), plus the
/// per-file points the case-specific tests leave open (BH-06 audio unaffected, BH-07 SSRC above
/// 32 bits, BH-09 answers to every msid spelling).
final class CaseAnswerInvariantTests: XCTestCase {
    /// The case directory holds these offers; a missing one means ../shared/cases is stale.
    static let expectedOffers = [
        "BH-01-chrome-offer-simulcast.sdp", "BH-01-chrome-offer-video-first-dynamic-pt.sdp",
        "BH-03-safari-offer-h264-level52.sdp", "BH-03-safari-offer.sdp", "BH-04-firefox-max-bundle-offer.sdp",
        "BH-06-firefox-offer-with-datachannel.sdp", "BH-07-offer-extmap-allow-mixed-media-level.sdp",
        "BH-08-whip-offer-setup-active.sdp", "BH-11-ice-restart-offer-1.sdp", "BH-11-ice-restart-offer-2.sdp",
    ]

    /// A send track per kind, so answers also carry a=msid / a=ssrc / a=msid-semantic lines.
    static let withSendTracks = ServerCapabilities(sendTracks: [
        .audio: ServerSendTrack(ssrc: 0x0A0B_0C0D, cname: "parley", streamId: "room-mix", trackId: "mix-audio"),
        .video: ServerSendTrack(ssrc: 0x0102_0304, cname: "parley", streamId: "room-mix", trackId: "mix-video"),
    ])

    /// Format key of payload type `pt` in `section`: lower-cased rtpmap encoding/clock/channels and
    /// the sorted fmtp parameters (what RFC 8843 §9.1 compares across bundled sections).
    private func formatKey(_ pt: UInt8, in section: MediaDescription) -> String? {
        guard let map = section.rtpMaps.first(where: { $0.payloadType == pt }) else { return nil }
        let fmtp = section.formatParameters.filter { $0.payloadType == pt }.flatMap(\.parameters)
            .map { "\($0.name.lowercased())=\($0.value ?? "")" }.sorted()
        return "\(map.encodingName.lowercased())/\(map.clockRate)/\(map.channels ?? 1);" + fmtp.joined(separator: ";")
    }

    private func isSubsequence(_ small: [String], of large: [String]) -> Bool {
        var iterator = large.makeIterator()
        return small.allSatisfy { element in
            while let next = iterator.next() { if next == element { return true } }
            return false
        }
    }

    func testEveryExpectedOfferIsPresent() throws {
        let files = try Cases.sdpFiles()
        for name in Self.expectedOffers {
            XCTAssertTrue(files.contains(name), "\(name) missing from \(Cases.directory.path)")
        }
    }

    /// BH-01 §1: payload types and extmap ids are the offer's; codecs keep offer order; fmtp is
    /// never invented or changed (str0m#1015 rewrote the H264 level); no dangling format.
    func testBH01AnswersReuseTheOfferedPayloadTypesAndExtensionIdsVerbatim() throws {
        for name in try Cases.sdpFiles() {
            let offer = try Cases.parse(name)
            let result = try answerPublisherOffer(offer, local: Fixtures.local)
            var checkedFormats = 0
            for (index, section) in result.answer.media.enumerated() where section.port != 0 {
                let offered = offer.media[index]
                XCTAssertTrue(isSubsequence(section.formats, of: offered.formats),
                              "\(name) mid \(section.mid ?? "?"): \(section.formats) not in offer order \(offered.formats)")
                for format in section.formats {
                    let pt = try XCTUnwrap(UInt8(format), "\(name): format \(format)")
                    let answerMap = try XCTUnwrap(section.rtpMaps.first { $0.payloadType == pt },
                                                  "\(name): answered PT \(pt) has no a=rtpmap")
                    let offerMap = try XCTUnwrap(offered.rtpMaps.first { $0.payloadType == pt },
                                                 "\(name): PT \(pt) was not offered with an a=rtpmap")
                    XCTAssertEqual(answerMap.encodingName.lowercased(), offerMap.encodingName.lowercased(), "\(name) PT \(pt)")
                    XCTAssertEqual(answerMap.clockRate, offerMap.clockRate, "\(name) PT \(pt)")
                    XCTAssertEqual(answerMap.channels, offerMap.channels, "\(name) PT \(pt)")
                    let offeredFmtp = Set(offered.formatParameters.filter { $0.payloadType == pt }.flatMap(\.parameters))
                    for parameters in section.formatParameters where parameters.payloadType == pt {
                        XCTAssertTrue(Set(parameters.parameters).isSubset(of: offeredFmtp),
                                      "\(name) PT \(pt): answered fmtp \(parameters.sdpValue) not offered")
                    }
                    checkedFormats += 1
                }
                for extmap in section.extmaps {
                    XCTAssertTrue(offered.extmaps.contains { $0.id == extmap.id && $0.uri == extmap.uri },
                                  "\(name): a=extmap:\(extmap.id) \(extmap.uri) renumbered or not offered")
                }
                // The negotiated model says the same as the written answer.
                let negotiated = result.media[index]
                XCTAssertEqual(negotiated.extensions.map(\.id), section.extmaps.map(\.id), name)
                XCTAssertEqual(SectionBuilder.formats(for: negotiated.codecs), section.formats, name)
            }
            XCTAssertGreaterThan(checkedFormats, 0, "\(name): no accepted format at all")
        }
    }

    /// BH-01 §2: a payload type or extension id used by two bundled sections means the same
    /// thing in both (RFC 8843 §9.1 / §9.2) — the aiortc answer put opus and VP8 on 96.
    func testBH01NoPayloadTypeOrExtensionIdMeansTwoThingsAcrossBundledSections() throws {
        for name in try Cases.sdpFiles() {
            for capabilities in [ServerCapabilities.default, Self.withSendTracks] {
                let answer = try answerPublisherOffer(Cases.parse(name), local: Fixtures.local,
                                                      capabilities: capabilities).answer
                var payloadTypes: [UInt8: String] = [:]
                var extensionIDs: [UInt8: String] = [:]
                for section in answer.media where section.port != 0 {
                    for format in section.formats {
                        let pt = try XCTUnwrap(UInt8(format))
                        let key = try XCTUnwrap(formatKey(pt, in: section), "\(name): PT \(pt) without rtpmap")
                        if let existing = payloadTypes.updateValue(key, forKey: pt) {
                            XCTAssertEqual(existing, key, "\(name): PT \(pt) reused for a different format")
                        }
                    }
                    for extmap in section.extmaps {
                        if let existing = extensionIDs.updateValue(extmap.uri, forKey: extmap.id) {
                            XCTAssertEqual(existing, extmap.uri, "\(name): extmap id \(extmap.id) reused")
                        }
                    }
                }
                XCTAssertFalse(payloadTypes.isEmpty, name)
            }
        }
    }

    /// BH-01 §5: the answer carries only the server's own host candidate (ICE-lite); remote
    /// candidates, including Chrome's mDNS `<uuid>.local`, never leak into it.
    func testBH01AnswerCarriesOnlyTheServerHostCandidateAndIsICELite() throws {
        for name in try Cases.sdpFiles() {
            let answer = try answerPublisherOffer(Cases.parse(name), local: Fixtures.local).answer
            XCTAssertTrue(answer.iceLite, name)
            for section in answer.media {
                let expected = section.port == 0 ? [] : ["1 1 udp 2130706431 203.0.113.7 40000 typ host"]
                XCTAssertEqual(section.attributeValues("candidate"), expected, "\(name) mid \(section.mid ?? "?")")
                XCTAssertEqual(section.hasAttribute("end-of-candidates"), section.port != 0, name)
            }
            XCTAssertFalse(answer.serialized().contains(".local"), name)
        }
    }

    /// BH-04 / BH-06: every offered m-section is answered in order with its mid copied verbatim
    /// (never "(null)" or empty); the BUNDLE group is exactly the accepted mids; rejected
    /// sections are port 0 and keep kind/proto/formats (data channel line exact).
    func testBH04AndBH06MidsBundleGroupAndRejectedSections() throws {
        for name in try Cases.sdpFiles() {
            let offer = try Cases.parse(name)
            let result = try answerPublisherOffer(offer, local: Fixtures.local)
            let answer = result.answer
            XCTAssertEqual(answer.media.count, offer.media.count, name)
            XCTAssertEqual(answer.media.map(\.mid), offer.media.map(\.mid), "\(name): mids not copied verbatim")
            XCTAssertFalse(answer.serialized().contains("(null)"), name)
            XCTAssertFalse(answer.media.contains { $0.mid?.isEmpty ?? true }, name)

            let accepted = zip(answer.media, result.media).filter { $0.1.accepted }.map { $0.0.mid ?? "" }
            let offeredOrder = offer.bundleGroup?.mids ?? []
            XCTAssertEqual(answer.bundleGroup?.mids ?? [], offeredOrder.filter(accepted.contains), name)
            for (section, negotiated) in zip(answer.media, result.media) {
                XCTAssertEqual(section.port == 0, !negotiated.accepted, "\(name) mid \(negotiated.mid)")
                XCTAssertFalse(section.isBundleOnly, "\(name): an answer never carries a=bundle-only")
            }
            for (index, section) in answer.media.enumerated() where section.kind == .application {
                XCTAssertEqual(Fixtures.sectionLines(answer, index).first,
                               "m=application 0 UDP/DTLS/SCTP webrtc-datachannel", name)
                XCTAssertEqual(section.mid, offer.media[index].mid, name)
            }
        }
    }

    /// BH-07: `a=extmap-allow-mixed` is answered at session level exactly when the offer has it
    /// anywhere (session level in BH-01/BH-03/BH-11, media level in BH-07), never at media level.
    func testBH07AllowMixedMirroredAtSessionLevelForEveryOffer() throws {
        var withMixed: [String] = []
        for name in try Cases.sdpFiles() {
            let offer = try Cases.parse(name)
            let result = try answerPublisherOffer(offer, local: Fixtures.local)
            let offered = offer.hasAttribute("extmap-allow-mixed") || offer.media.contains { $0.extmapAllowMixed }
            XCTAssertEqual(result.answer.hasAttribute("extmap-allow-mixed"), offered, name)
            XCTAssertEqual(result.extmapAllowMixed, offered, name)
            XCTAssertFalse(result.answer.media.contains { $0.extmapAllowMixed }, name)
            if offered { withMixed.append(name) }
        }
        XCTAssertEqual(withMixed, [
            "BH-01-chrome-offer-simulcast.sdp", "BH-01-chrome-offer-video-first-dynamic-pt.sdp",
            "BH-03-safari-offer-h264-level52.sdp", "BH-03-safari-offer.sdp",
            "BH-07-offer-extmap-allow-mixed-media-level.sdp",
            "BH-11-ice-restart-offer-1.sdp", "BH-11-ice-restart-offer-2.sdp",
        ])
    }

    /// BH-08: every accepted section advertises the role the server plays — passive ⇔ DTLS server,
    /// active ⇔ DTLS client — and never echoes the offerer's own role.
    func testBH08AdvertisedSetupMatchesThePlayedRoleForEveryOffer() throws {
        for name in try Cases.sdpFiles() {
            for offered in [SDPSetupRole.actpass, .active, .passive] {
                var lines = try Cases.text(name).components(separatedBy: "\r\n")
                lines = lines.map { $0.hasPrefix("a=setup:") ? "a=setup:\(offered.rawValue)" : $0 }
                let result = try answerPublisherOffer(SessionDescription.parse(lines.joined(separator: "\r\n")),
                                                      local: Fixtures.local)
                let expected: SDPSetupRole = offered == .passive ? .active : .passive
                XCTAssertEqual(result.remoteSetup, offered, name)
                XCTAssertEqual(result.dtlsRole, offered == .passive ? .client : .server, "\(name) \(offered)")
                let live = result.answer.media.filter { $0.port != 0 }
                XCTAssertFalse(live.isEmpty, name)
                XCTAssertEqual(Set(live.map(\.setup)), [expected], "\(name): offer \(offered)")
            }
        }
    }

    /// BH-09 answer side: never `WMS*`, never two a=msid lines with the same (stream, track), with
    /// and without server send tracks.
    func testBH09AnswersNeverWriteWMSStarOrDuplicateMsid() throws {
        for name in try Cases.sdpFiles() {
            for capabilities in [ServerCapabilities.default, Self.withSendTracks] {
                let answer = try answerPublisherOffer(Cases.parse(name), local: Fixtures.local,
                                                      capabilities: capabilities).answer
                let lines = Fixtures.lines(answer)
                XCTAssertFalse(answer.serialized().contains("WMS*"), name)
                let msidLines = lines.filter { $0.hasPrefix("a=msid:") }
                XCTAssertEqual(msidLines.count, Set(msidLines).count, "\(name): duplicate a=msid \(msidLines)")
                for line in lines where line.hasPrefix("a=msid-semantic:") {
                    XCTAssertEqual(line, "a=msid-semantic:WMS *", name)
                }
            }
        }
    }

    /// BH-09 with the file's own offer base: every spelling answered, the answer written by the
    /// server (with a send track, so it has msid lines) is `WMS *` and has one a=msid per section.
    func testBH09EveryVariantIsAnsweredWithoutWMSStarOrDuplicateMsid() throws {
        let variants = try Cases.text("BH-09-msid-variants.txt").components(separatedBy: "\n").compactMap { raw -> String? in
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard line.hasPrefix("a=") else { return nil }
            return line.components(separatedBy: "->").first?.trimmingCharacters(in: .whitespaces)
        }
        XCTAssertEqual(variants.count, 12)
        let base = try Cases.text("BH-11-ice-restart-offer-1.sdp").components(separatedBy: "\r\n")
        for variant in variants {
            var lines = base
            if variant.hasPrefix("a=msid-semantic") {
                let index = try XCTUnwrap(lines.firstIndex(of: "a=msid-semantic: WMS"))
                lines[index] = variant
            } else {
                lines.removeAll { $0.hasPrefix("a=msid:") || $0.hasPrefix("a=ssrc:") }
                lines.insert(variant, at: try XCTUnwrap(lines.firstIndex(of: "a=rtcp-mux")))
            }
            let offerText = lines.joined(separator: "\r\n")
            XCTAssertTrue(offerText.contains(variant + "\r\n"), variant)
            let offer = try SessionDescription.parse(offerText)
            // Offer made sendrecv so the server's send track is answered with a=msid.
            var sendrecv = offer
            sendrecv.media[0].attributes = sendrecv.media[0].attributes.map {
                $0.name == "sendonly" ? SDPAttribute("sendrecv") : $0
            }
            let result = try answerPublisherOffer(sendrecv, local: Fixtures.local, capabilities: Self.withSendTracks)
            let answerLines = Fixtures.lines(result.answer)
            XCTAssertEqual(answerLines.filter { $0.hasPrefix("a=msid-semantic") }, ["a=msid-semantic:WMS *"], variant)
            XCTAssertEqual(answerLines.filter { $0.hasPrefix("a=msid:") }, ["a=msid:room-mix mix-audio"], variant)
            XCTAssertFalse(result.answer.serialized().contains("WMS*"), variant)
            XCTAssertEqual(result.media[0].direction, .sendrecv, variant)
        }
    }

    /// BH-06 "audio is unaffected": the audio section answered next to a rejected data channel is
    /// line for line the one answered when the data channel is not offered at all.
    func testBH06AudioAnswerIsIdenticalWithAndWithoutTheDataChannel() throws {
        let text = try Cases.text("BH-06-firefox-offer-with-datachannel.sdp")
        let withChannel = try answerPublisherOffer(SessionDescription.parse(text), local: Fixtures.local)
        var offer = try SessionDescription.parse(text)
        XCTAssertEqual(offer.media.map(\.kind), [.audio, .application])
        offer.media.removeLast()
        offer.attributes = offer.attributes.map { $0.name == "group" ? SDPAttribute("group", "BUNDLE 0") : $0 }
        let withoutChannel = try answerPublisherOffer(offer, local: Fixtures.local)
        XCTAssertEqual(Fixtures.sectionLines(withChannel.answer, 0), Fixtures.sectionLines(withoutChannel.answer, 0))
        XCTAssertEqual(withChannel.media[0], withoutChannel.media[0])
        XCTAssertEqual(withChannel.answer.attributeValues("group"), ["BUNDLE 0"])
        XCTAssertEqual(withChannel.dtlsRole, withoutChannel.dtlsRole)
        XCTAssertEqual(withChannel.remoteICE, withoutChannel.remoteICE)
    }

    /// BH-07's file announces RTX SSRC 4444444444, which does not fit the 32-bit SSRC field
    /// (RFC 3550 §5.1, RFC 5576 §4.1 ssrc-id). The offer is about extmap-allow-mixed and must be
    /// accepted, so the invalid a=ssrc / a=ssrc-group lines are ignored — never truncated to
    /// 4444444444 mod 2^32 = 149477148, never a reason to refuse the offer. The 32-bit maximum
    /// 4294967295 is still a valid RTX SSRC.
    func testBH07SSRCAbove32BitsIsIgnoredNeverTruncated() throws {
        let text = try Cases.text("BH-07-offer-extmap-allow-mixed-media-level.sdp")
        XCTAssertTrue(text.contains("a=ssrc-group:FID 3333333333 4444444444\r\n"))
        let truncated = UInt32(truncatingIfNeeded: UInt64(4_444_444_444))
        XCTAssertEqual(truncated, 149_477_148)

        let offer = try SessionDescription.parse(text)
        let video = offer.media[0]
        XCTAssertEqual(video.attributeValues("ssrc"), ["3333333333 cname:Qe7Jp2Vx9Lk4Ws1T", "4444444444 cname:Qe7Jp2Vx9Lk4Ws1T"],
                       "kept verbatim")
        XCTAssertEqual(video.ssrcAttributes, [SDPSSRCAttribute(ssrc: 3_333_333_333, attribute: "cname",
                                                               value: "Qe7Jp2Vx9Lk4Ws1T")])
        XCTAssertFalse(video.ssrcAttributes.contains { $0.ssrc == truncated })

        let result = try answerPublisherOffer(offer, local: Fixtures.local)
        XCTAssertTrue(result.media[0].accepted)
        XCTAssertEqual(result.media[0].ssrcs, [3_333_333_333])
        XCTAssertEqual(result.media[0].rtxSSRCs, [:])
        XCTAssertEqual(result.media[0].cname, "Qe7Jp2Vx9Lk4Ws1T")
        XCTAssertEqual(result.media[0].codecs.map(\.payloadType), [96])
        XCTAssertEqual(result.media[0].codecs.first?.rtxPayloadType, 97, "RTX payload type is still negotiated")
        XCTAssertFalse(result.answer.serialized().contains("4444444444"))
        XCTAssertFalse(result.answer.serialized().contains("149477148"))

        let maximum = try answerPublisherOffer(
            SessionDescription.parse(text.replacingOccurrences(of: "4444444444", with: "4294967295")), local: Fixtures.local)
        XCTAssertEqual(maximum.media[0].rtxSSRCs, [3_333_333_333: 4_294_967_295])
        XCTAssertEqual(maximum.media[0].ssrcs, [3_333_333_333])
        let justAbove = try answerPublisherOffer(
            SessionDescription.parse(text.replacingOccurrences(of: "4444444444", with: "4294967296")), local: Fixtures.local)
        XCTAssertEqual(justAbove.media[0].rtxSSRCs, [:])
        XCTAssertEqual(justAbove.media[0].ssrcs, [3_333_333_333])
    }

    /// BH-03 parser inputs: session-level bare extmap-allow-mixed, empty WMS list, `a=msid:-`,
    /// extmap ids 14 and 13 (above 12, out of order), and the mid id shared with audio (4) —
    /// in both Safari files, and the answer keeps 13/4 on the video section.
    func testBH03SafariParserInputsInBothFiles() throws {
        for name in ["BH-03-safari-offer.sdp", "BH-03-safari-offer-h264-level52.sdp"] {
            let offer = try Cases.parse(name)
            XCTAssertTrue(offer.hasAttribute("extmap-allow-mixed"), name)
            XCTAssertEqual(offer.attributes.filter { $0.name == "extmap-allow-mixed" }, [SDPAttribute("extmap-allow-mixed")],
                           "\(name): one value-less attribute")
            XCTAssertEqual(offer.msidSemantic, SDPMSIDSemantic(semantic: "WMS", streamIds: [], isWildcard: false), name)
            XCTAssertEqual(offer.media.map(\.kind), [.audio, .video, .application], name)
            XCTAssertEqual(offer.media[1].extmaps.map(\.id), [14, 2, 13, 3, 5, 6, 7, 8, 4, 10, 11], name)
            XCTAssertEqual(offer.media[0].extmaps.first { $0.uri == HeaderExtensionURI.mid }?.id, 4, name)
            XCTAssertEqual(offer.media[1].extmaps.first { $0.uri == HeaderExtensionURI.mid }?.id, 4, name)
            XCTAssertTrue(offer.media.prefix(2).allSatisfy { $0.msids.first?.streamId == nil && $0.msids.count == 1 }, name)

            let result = try answerPublisherOffer(offer, local: Fixtures.local)
            let video = result.media[1]
            XCTAssertEqual(video.extensions.id(for: HeaderExtensionURI.mid), 4, name)
            XCTAssertEqual(video.extensions.id(for: HeaderExtensionURI.videoOrientation), 13, name)
            XCTAssertEqual(result.media[0].extensions.id(for: HeaderExtensionURI.mid), 4, name)
            XCTAssertEqual(video.codecs.first?.name, "H264", "\(name): H264 stays first")
            XCTAssertEqual(video.codecs.first?.h264PacketizationMode, 1, name)
        }
    }
}
