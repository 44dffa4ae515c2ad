import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import XCTest
@testable import ParleyServer

/// U+0000 in JSON strings is refused (400) before it reaches storage: PostgreSQL cannot store
/// it in `text` (it answered 500 before), SQLite could; both backends now behave the same.
final class JSONNULCheckTests: XCTestCase {
    func check(_ text: String) -> Bool { JSONNULCheck.containsNUL(Array(text.utf8)) }

    func testEscapesAndRawBytes() {
        XCTAssertTrue(check(#"{"name":"a\u0000b"}"#))
        XCTAssertTrue(check(#"{"name":"\U0000"}"#))
        XCTAssertTrue(check(#"{"a\u0000":1}"#), "keys are strings too")
        XCTAssertTrue(check(#"{"name":"\\\u0000"}"#), "escaped backslash, then a NUL escape")
        XCTAssertTrue(JSONNULCheck.containsNUL([UInt8(ascii: "\""), 0, UInt8(ascii: "\"")]))
        XCTAssertFalse(check(#"{"name":"\\u0000"}"#), "a backslash followed by the text u0000")
        XCTAssertFalse(check(#"{"name":"\u0001\u0030"}"#))
        XCTAssertFalse(check(#"{"name":"\u000a\u0100 u0000 \n"}"#))
        XCTAssertFalse(check(#"{"name":"plain"}"#))
        XCTAssertFalse(check(""))
    }

    /// Every prefix of a body with escapes: an answer, never a trap; a prefix holding the whole
    /// `\u0000` is found, shorter ones are not.
    func testTruncationsAtEveryLength() throws {
        let body = Array(#"{"a":"x\\y\"z\u00e9\u0000end"}"#.utf8)
        let escape = Array(#"\u0000"#.utf8)
        let nulEnd = try XCTUnwrap((0...(body.count - escape.count)).first { Array(body[$0..<($0 + escape.count)]) == escape }) + escape.count
        for length in 0...body.count {
            XCTAssertEqual(JSONNULCheck.containsNUL(body[0..<length]), length >= nulEnd, "prefix \(length)")
        }
    }

    func testRandomBytesMatchAReferenceDecoder() {
        var state: UInt64 = 0x4E55_4C
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let alphabet = Array(#"\u0aA"x"#.utf8) + [0]
        for _ in 0..<20_000 {
            let bytes = (0..<Int(next() % 24)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            XCTAssertEqual(JSONNULCheck.containsNUL(bytes), Self.reference(bytes), "\(bytes)")
        }
    }

    /// Straightforward reference: decode escapes left to right.
    static func reference(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0 { return true }
            if bytes[i] == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { return false }
                if bytes[i + 1] == 0 { return true }
                if bytes[i + 1] == UInt8(ascii: "u") || bytes[i + 1] == UInt8(ascii: "U"),
                   i + 5 < bytes.count, bytes[(i + 2)...(i + 5)].allSatisfy({ $0 == UInt8(ascii: "0") }) {
                    return true
                }
                i += 2
            } else {
                i += 1
            }
        }
        return false
    }

    func testBodiesWithNULAreBadRequestsOnEveryBackend() async throws {
        let alice = User(id: UUID(), name: "Alice")
        try await TestServer.with { server in
            try await server.seed([alice])
            try await server.app.test(.router) { client in
                let headers = try await server.headers(alice)
                try await expectStatus(.badRequest, await client.execute(
                    uri: "/rooms", method: .post, headers: headers, body: .json(#"{"type":"temporary","name":"a\u0000b"}"#)))
                try await expectStatus(.badRequest, await client.execute(
                    uri: "/users/guests", method: .post, body: .json(#"{"name":"x\u0000"}"#)))
                // The same name without NUL is stored.
                try await expectStatus(.created, await client.execute(
                    uri: "/rooms", method: .post, headers: headers, body: .json(#"{"type":"temporary","name":"a\u0001b"}"#)))
            }
        }
    }
}
