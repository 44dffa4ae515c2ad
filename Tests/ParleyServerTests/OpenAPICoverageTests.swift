import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Meetings
import Storage
import XCTest
@testable import ParleyServer

/// The OpenAPI document (`GET /openapi.yaml`) against the routers actually built by
/// `ParleyServer.buildRouters`: every registered route is documented and every documented
/// operation is registered (issue 3 §7).
final class OpenAPICoverageTests: XCTestCase {
    /// `METHOD /path/{}` with every path parameter name erased (Hummingbird: `{id}`, document:
    /// `{meetingId}`).
    static func normalized(method: String, path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? "{}" : String(segment)
        }
        return "\(method.uppercased()) \(segments.joined(separator: "/"))"
    }

    /// Routes of the HTTP and WebSocket routers, normalised.
    func registeredRoutes() async throws -> Set<String> {
        var logger = Logger(label: "openapi-tests")
        logger.logLevel = .warning
        let store = try await ParleyStore.open(url: "sqlite::memory:", logger: logger)
        let config = ParleyConfig(httpHost: "127.0.0.1", httpPort: 0, databaseURL: "sqlite::memory:", tokenSecret: TestServer.secret)
        let routers = try await ParleyServer.buildRouters(
            config: config, store: store, mediaPlane: RecordingMediaPlane(), hub: EventHub(), logger: logger,
            clock: { Date() }, meetings: nil, metrics: ParleyMetrics())
        try await store.shutdown()
        let routes = routers.http.routes + routers.webSocket.routes
        return Set(routes.map { Self.normalized(method: $0.method.rawValue, path: $0.path.description) })
    }

    func testEveryRouteIsDocumentedAndEveryOperationIsRouted() async throws {
        let registered = try await registeredRoutes()
        let documented = Set(try OpenAPIDocument.operations().map { Self.normalized(method: $0.method, path: $0.path) })
        XCTAssertGreaterThan(registered.count, 40, "suspiciously few routes: \(registered.sorted())")
        XCTAssertEqual(registered.subtracting(documented).sorted(), [], "routes missing from the OpenAPI document")
        XCTAssertEqual(documented.subtracting(registered).sorted(), [], "documented operations that no route serves")
        // The service endpoints are part of both.
        for route in ["GET /metrics", "GET /openapi.yaml", "GET /events", "GET /meetings/{}"] {
            XCTAssertTrue(registered.contains(route), route)
        }
    }

    func testNormalisationErasesParameterNamesOnly() {
        XCTAssertEqual(Self.normalized(method: "put", path: "/rooms/{roomId}/members/{userId}/owner"), "PUT /rooms/{}/members/{}/owner")
        XCTAssertEqual(Self.normalized(method: "GET", path: "/meetings/{id}"), "GET /meetings/{}")
        XCTAssertNotEqual(Self.normalized(method: "GET", path: "/meetings/{id}/queue"), Self.normalized(method: "GET", path: "/meetings/{id}"))
    }

    /// Structural checks: OpenAPI 3.0, every `$ref` resolves, every `{parameter}` of a path is
    /// declared as a path parameter, every operation documents a success and an operationId.
    func testDocumentIsWellFormed() throws {
        let root = try OpenAPIDocument.tree()
        XCTAssertEqual(root["openapi"] as? String, "3.0.3")
        let components = try XCTUnwrap(root["components"] as? [String: Any])

        var refs: [String] = []
        func collect(_ node: Any) {
            if let map = node as? [String: Any] {
                if let ref = map["$ref"] as? String { refs.append(ref) }
                map.values.forEach(collect)
            } else if let list = node as? [Any] {
                list.forEach(collect)
            }
        }
        collect(root)
        XCTAssertGreaterThan(refs.count, 100)
        for ref in Set(refs) {
            let parts = ref.split(separator: "/").map(String.init)
            guard parts.count == 4, parts[0] == "#", parts[1] == "components" else { XCTFail("unsupported $ref \(ref)"); continue }
            let section = components[parts[2]] as? [String: Any]
            XCTAssertNotNil(section?[parts[3]], "unresolved $ref \(ref)")
        }

        let parameters = try XCTUnwrap(components["parameters"] as? [String: Any])
        func parameterNames(_ list: Any?, in: String) -> Set<String> {
            var names = Set<String>()
            for entry in (list as? [Any]) ?? [] {
                guard let map = entry as? [String: Any] else { continue }
                var resolved = map
                if let ref = map["$ref"] as? String, let target = parameters[String(ref.split(separator: "/").last ?? "")] as? [String: Any] {
                    resolved = target
                }
                if resolved["in"] as? String == "path", let name = resolved["name"] as? String { names.insert(name) }
            }
            return names
        }
        let paths = try XCTUnwrap(root["paths"] as? [String: Any])
        var operationIds = Set<String>()
        for (path, value) in paths {
            let item = try XCTUnwrap(value as? [String: Any], path)
            let templated = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            let shared = parameterNames(item["parameters"], in: path)
            for (method, operationValue) in item where OpenAPIDocument.httpMethods.contains(method) {
                let operation = try XCTUnwrap(operationValue as? [String: Any], "\(method) \(path)")
                let declared = shared.union(parameterNames(operation["parameters"], in: path))
                XCTAssertEqual(declared, templated, "path parameters of \(method) \(path)")
                let responses = try XCTUnwrap(operation["responses"] as? [String: Any], "\(method) \(path)")
                XCTAssertTrue(responses.keys.contains { $0.hasPrefix("2") || $0 == "101" }, "no success response: \(method) \(path)")
                let id = try XCTUnwrap(operation["operationId"] as? String, "\(method) \(path)")
                XCTAssertTrue(operationIds.insert(id).inserted, "duplicate operationId \(id)")
            }
        }
    }

    func testDocumentIsServed() async throws {
        try await TestServer.with { server in
            try await server.app.test(.router) { client in
                try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(response.headers[.contentType], "application/yaml")
                    XCTAssertEqual(String(buffer: response.body), OpenAPIDocument.yaml)
                }
                // Public even with a token that is not valid.
                var headers = HTTPFields()
                headers[.cookie] = "ZM_AUTH_TOKEN=not-a-token"
                try await expectStatus(.ok, await client.execute(uri: "/openapi.yaml", method: .get, headers: headers))
            }
        }
    }
}
