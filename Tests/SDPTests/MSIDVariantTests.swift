import XCTest
@testable import SDP

/// BH-09: every msid / msid-semantic / a=ssrc spelling in cases/BH-09-msid-variants.txt,
/// substituted into BH-11-ice-restart-offer-1.sdp as the file instructs.
final class MSIDVariantTests: XCTestCase {
    /// The attribute lines of the variants file (the text before the "->" column).
    private func variantLines() throws -> [String] {
        try Cases.text("BH-09-msid-variants.txt").components(separatedBy: "\n").compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard line.hasPrefix("a=") else { return nil }
            let attribute = line.components(separatedBy: "  ").first ?? line
            return attribute.components(separatedBy: "->").first?.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The base offer with its session-level msid-semantic or media-level msid/ssrc lines replaced.
    private func offer(with line: String) throws -> SessionDescription {
        var base = try Cases.text("BH-11-ice-restart-offer-1.sdp").components(separatedBy: "\r\n")
        if line.hasPrefix("a=msid-semantic") {
            let index = try XCTUnwrap(base.firstIndex(of: "a=msid-semantic: WMS"))
            base[index] = line
        } else {
            base.removeAll { $0.hasPrefix("a=msid:") || $0.hasPrefix("a=ssrc:") }
            let index = try XCTUnwrap(base.firstIndex(of: "a=rtcp-mux"))
            base.insert(line, at: index)
        }
        return try SessionDescription.parse(base.joined(separator: "\r\n"))
    }

    func testEveryVariantOfTheFileIsAcceptedWithTheExpectedParse() throws {
        let lines = try variantLines()
        XCTAssertEqual(lines.count, 12, "BH-09 lists 12 attribute spellings")
        var checked = 0
        for line in lines {
            let parsed = try offer(with: line)
            XCTAssertNoThrow(try answerPublisherOffer(parsed, local: Fixtures.local), line)
            let media = parsed.media[0]
            switch line {
            case "a=msid-semantic: WMS":
                XCTAssertEqual(parsed.msidSemantic, SDPMSIDSemantic(semantic: "WMS", streamIds: [], isWildcard: false))
            case "a=msid-semantic: WMS 7f3e2a10-6c4b-4d8e-9a21-3b5c7d9e1f20":
                XCTAssertEqual(parsed.msidSemantic.streamIds, ["7f3e2a10-6c4b-4d8e-9a21-3b5c7d9e1f20"])
                XCTAssertFalse(parsed.msidSemantic.isWildcard)
            case "a=msid-semantic:WMS *", "a=msid-semantic:WMS*":
                XCTAssertEqual(parsed.msidSemantic, SDPMSIDSemantic(semantic: "WMS", streamIds: [], isWildcard: true))
            case "a=msid:- {774d17bb-e827-4022-83d2-76676579be59}":
                XCTAssertEqual(media.msids, [SDPMSID(streamId: nil, trackId: "{774d17bb-e827-4022-83d2-76676579be59}")])
            case "a=msid:- 8a224cd8-0c8c-4de7-b9dc-8913b6ad9a1c":
                XCTAssertEqual(media.msids, [SDPMSID(streamId: nil, trackId: "8a224cd8-0c8c-4de7-b9dc-8913b6ad9a1c")])
            case "a=msid:{d88039f8-0456-45f4-8962-ea803ebac040} {cb9efbe5-52bf-41b9-8cf0-8937df28bed8}":
                XCTAssertEqual(media.msids, [SDPMSID(streamId: "{d88039f8-0456-45f4-8962-ea803ebac040}",
                                                     trackId: "{cb9efbe5-52bf-41b9-8cf0-8937df28bed8}")])
            case "a=msid:stream deprecatedtrack":
                XCTAssertEqual(media.msids, [SDPMSID(streamId: "stream", trackId: "deprecatedtrack")])
            case "a=ssrc:4290189036 cname:wMEskGvvI7w1GwlN":
                XCTAssertEqual(media.ssrcAttributes, [SDPSSRCAttribute(ssrc: 4290189036, attribute: "cname",
                                                                        value: "wMEskGvvI7w1GwlN")])
                XCTAssertEqual(media.cname, "wMEskGvvI7w1GwlN")
            case "a=ssrc:4290189036 msid:- com.apple.avfoundation.avcapturedevice.built-in_video:5":
                XCTAssertEqual(media.ssrcAttributes.first?.attribute, "msid")
                XCTAssertEqual(media.ssrcAttributes.first?.value, "- com.apple.avfoundation.avcapturedevice.built-in_video:5")
                XCTAssertEqual(media.effectiveMSID,
                               SDPMSID(streamId: nil, trackId: "com.apple.avfoundation.avcapturedevice.built-in_video:5"))
            case "a=ssrc:4290189036 mslabel:-":
                XCTAssertEqual(media.ssrcAttributes, [SDPSSRCAttribute(ssrc: 4290189036, attribute: "mslabel", value: "-")])
            case "a=ssrc:4290189036 label:com.apple.avfoundation.avcapturedevice.built-in_video:5":
                XCTAssertEqual(media.ssrcAttributes.first?.attribute, "label")
                XCTAssertEqual(media.ssrcAttributes.first?.value, "com.apple.avfoundation.avcapturedevice.built-in_video:5")
            default:
                XCTFail("variant not covered by this test: \(line)")
                continue
            }
            checked += 1
        }
        XCTAssertEqual(checked, 12)
    }

    func testAbsentMsidSemanticIsTheWildcard() throws {
        var lines = try Cases.text("BH-11-ice-restart-offer-1.sdp").components(separatedBy: "\r\n")
        lines.removeAll { $0.hasPrefix("a=msid-semantic") }
        let parsed = try SessionDescription.parse(lines.joined(separator: "\r\n"))
        XCTAssertEqual(parsed.msidSemantic, .wildcard)
        XCTAssertTrue(parsed.msidSemantic.isWildcard)
    }

    func testServerNeverWritesWMSStarWithoutSpace() {
        XCTAssertEqual(SDPMSIDSemantic(sdpValue: "WMS*")?.sdpValue, "WMS *")
        XCTAssertEqual(SDPMSIDSemantic.wildcard.sdpValue, "WMS *")
    }

    func testDuplicateMsidLineIsRejected() throws {
        var lines = try Cases.text("BH-11-ice-restart-offer-1.sdp").components(separatedBy: "\r\n")
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("a=msid:") })
        lines.insert(lines[index], at: index)
        XCTAssertThrowsError(try SessionDescription.parse(lines.joined(separator: "\r\n"))) { error in
            guard case SDPError.syntax(let line, let reason)? = error as? SDPError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, index + 2)
            XCTAssertTrue(reason.contains("duplicate a=msid"), reason)
        }
    }
}
