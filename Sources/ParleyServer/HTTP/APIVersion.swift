import Foundation
import Hummingbird

/// A WSC API version (`MAJOR.MINOR.PATCH`, Semantic Versioning 2.0.0 §2; a pre-release or
/// build suffix is accepted and ignored), as carried by the REST header `X-WSC-API-VERSION` and
/// the WebSocket sub-protocol (spec §9).
public struct APIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// The version Parley implements.
    public static let server = APIVersion(1, 6, 2)
    /// From this version on, events use PascalCase type names.
    public static let pascalCaseEvents = APIVersion(1, 6, 2)
    /// Versions a client may ask for on the WebSocket.
    public static let supported = [APIVersion(1, 6, 0), APIVersion(1, 6, 1), APIVersion(1, 6, 2)]

    /// Parses `1.6.2` (also `1.6.2-rc.1`, `1.6.2+b5`); nil for anything else (no leading zeros,
    /// no signs, each number at most 9 digits).
    public init?(parsing text: String) {
        var core = Substring(text.trimmingCharacters(in: .whitespaces))
        if let suffix = core.firstIndex(where: { $0 == "-" || $0 == "+" }) {
            guard core.index(after: suffix) < core.endIndex else { return nil }
            core = core[..<suffix]
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 9, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || part.first != "0", let value = Int(part)
            else { return nil }
            numbers.append(value)
        }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public static func < (a: APIVersion, b: APIVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    /// WebSocket sub-protocol negotiation: among the offered protocols (`Sec-WebSocket-Protocol`
    /// values, comma-separated), the highest version Parley supports is selected and echoed.
    /// Event names are PascalCase when the selected version — or, if none is supported, the
    /// highest offered version — is at least ``pascalCaseEvents``; otherwise (including no
    /// offer) the 1.6.0 names.
    /// - Returns: the protocol token to echo (nil: none) and the event naming.
    public static func negotiate(subprotocols headerValues: [String]) -> (selected: String?, naming: EventNaming) {
        let offers = headerValues.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .compactMap { token in APIVersion(parsing: token).map { (token, $0) } }
        let acceptable = offers.filter { supported.contains($0.1) }
        if let best = acceptable.max(by: { $0.1 < $1.1 }) {
            return (best.0, best.1 >= pascalCaseEvents ? .pascalCase : .v160)
        }
        if let newest = offers.max(by: { $0.1 < $1.1 })?.1, newest >= pascalCaseEvents {
            return (nil, .pascalCase)
        }
        return (nil, .v160)
    }
}

/// REST API versioning (spec §9): a request may name the version it speaks in
/// `X-WSC-API-VERSION`. Not a version → 400 (plain-text reason); newer than ``APIVersion/server``
/// → 422. Responses echo the requested version; refusals and requests without the header
/// carry the server's version.
struct APIVersionMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPFields.Element.Name { HTTPFields.Element.Name("X-WSC-API-VERSION")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let requested = request.headers[Self.headerName] else {
            var response = try await next(request, context)
            response.headers[Self.headerName] = APIVersion.server.description
            return response
        }
        guard let version = APIVersion(parsing: requested) else {
            return Self.refusal(.badRequest, "X-WSC-API-VERSION is not a semantic version")
        }
        guard version <= APIVersion.server else {
            return Self.refusal(.unprocessableContent, "")
        }
        var response = try await next(request, context)
        response.headers[Self.headerName] = requested.trimmingCharacters(in: .whitespaces)
        return response
    }

    static func refusal(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        var headers = HTTPFields()
        headers[headerName] = APIVersion.server.description
        guard !reason.isEmpty else { return Response(status: status, headers: headers) }
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: reason)))
    }
}
