import Hummingbird
import Yams

/// Parley's OpenAPI 3.0 document, written by hand from the WSC behaviour specification
/// (`spec/wsc-behaviour.md` §1.1–§1.3, §4.1, §5.4, §5.5) and the route code. It is assembled from
/// the fragments in this folder (each a YAML text at its final indentation), served at
/// `GET /openapi.yaml`, checked against the registered routes both ways
/// (`OpenAPICoverageTests`), and fuzzed against the live server by schemathesis (scripts/test).
///
/// Conventions it states once: error responses have an empty body (except an SDP refusal: 400
/// `text/plain` reason); JSON responses are exactly `application/json`; absent optional fields
/// are omitted, never `null`; request bodies tolerate unknown fields and enum spellings in any
/// case; a malformed path id is 404.
enum OpenAPIDocument {
    /// The whole document (YAML).
    static let yaml: String = header + "paths:\n" + meetingPaths + roomPaths + userPaths + servicePaths + components

    /// RFC 9512 media type of YAML.
    static let contentType = "application/yaml"

    /// One documented operation: upper-case method and path template (`/meetings/{meetingId}`).
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    /// Why the document does not have the expected shape.
    struct StructureError: Error, CustomStringConvertible {
        var description: String
    }

    /// The document as nested dictionaries and arrays.
    /// - Throws: Yams parse errors; ``StructureError`` when the root is not a mapping.
    static func tree(_ yaml: String = yaml) throws -> [String: Any] {
        guard let root = try Yams.load(yaml: yaml) as? [String: Any] else { throw StructureError(description: "root is not a mapping") }
        return root
    }

    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The operations under `paths` (in no particular order).
    /// - Throws: Yams parse errors; ``StructureError`` when `paths` is missing or not a mapping.
    static func operations(in yaml: String = yaml) throws -> [Operation] {
        guard let paths = try tree(yaml)["paths"] as? [String: Any] else { throw StructureError(description: "no paths mapping") }
        var operations: [Operation] = []
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { throw StructureError(description: "path \(path) is not a mapping") }
            for key in item.keys where httpMethods.contains(key) {
                operations.append(Operation(method: key.uppercased(), path: path))
            }
        }
        return operations
    }

    static let header = #"""
    openapi: 3.0.3
    info:
      title: Parley meeting API
      version: 1.6.2
      description: |
        The WSC (Carbonio Workstream Collaboration) meeting, room and user API as served by Parley,
        plus Parley's own service endpoints (/metrics, /openapi.yaml, guests).

        Authentication: the token from `parley token` or a guest endpoint, sent as cookie
        `ZM_AUTH_TOKEN` (what the WSC web client does) or as `Authorization: Bearer`. Without a
        token a request is anonymous (only public endpoints answer); an invalid token is 401.
        `queue-id` (the `queueId` of the caller's `/events` WebSocket) identifies the connection:
        when present it must be a UUID, else 401; `join` requires it (400 without).

        Versioning: every REST request may carry `X-WSC-API-VERSION: MAJOR.MINOR.PATCH`; a
        malformed value is 400, a version newer than 1.6.2 is 422, and the header is echoed.

        Errors carry an empty body; only the status code matters. A path id that is not a UUID
        names nothing (404). Bodies over 1 MiB are 413. A JSON body with U+0000 in any string
        (key or value) is 400. Request bodies may carry unknown fields; enum values are accepted
        in any letter case. JSON responses have `Content-Type` exactly `application/json`;
        absent optional fields are omitted.
    servers:
      - url: /
    security:
      - cookieAuth: []
      - bearerAuth: []
    tags:
      - name: meetings
      - name: rooms
      - name: users
      - name: service

    """#
}

/// `GET /openapi.yaml`: ``OpenAPIDocument/yaml`` as `application/yaml`. Public; register it
/// before the authentication middleware.
struct OpenAPIRoute {
    func register(on router: Router<ParleyRequestContext>) {
        router.get("/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = OpenAPIDocument.contentType
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }
}
