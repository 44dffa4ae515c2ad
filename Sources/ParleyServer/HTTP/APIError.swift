import Foundation
import Hummingbird
import Logging
import Meetings

/// An HTTP-level refusal produced by the API layer itself (authentication, headers, bodies,
/// path ids). Error responses have empty bodies (spec §1.1) except SDP errors.
public struct APIError: Error, Equatable, Sendable {
    public var status: HTTPResponse.Status
    /// For logs; never sent.
    public var reason: String

    public init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public static func badRequest(_ reason: String) -> APIError { APIError(.badRequest, reason) }
    public static let unauthorized = APIError(.unauthorized, "missing or invalid token")
    public static func notFound(_ reason: String) -> APIError { APIError(.notFound, reason) }
}

/// Turns every error into the WSC error response: ``APIError`` and ``MeetingError`` give their
/// status with an empty body, ``MediaPlaneError/invalidSDP(_:)`` 400 with the reason as plain
/// text, ``MediaPlaneError/unavailable(_:)`` 424, Hummingbird's `HTTPError` and other
/// `HTTPResponseError`s (413 body too large) keep their status,
/// anything else is 500. Bodies are never JSON error objects.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Response(status: error.status)
        } catch let error as MeetingError {
            return Response(status: HTTPResponse.Status(code: error.httpStatus))
        } catch let error as MediaPlaneError {
            switch error {
            case .invalidSDP(let reason):
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; charset=utf-8"
                return Response(status: .badRequest, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: reason)))
            case .unavailable(let reason):
                context.logger.warning("media plane unavailable", metadata: ["reason": "\(reason)"])
                return Response(status: .parleyFailedDependency)
            }
        } catch let error as HTTPError {
            return Response(status: error.status, headers: error.headers)
        } catch let error as any HTTPResponseError {
            return Response(status: error.status)  // e.g. 413 for a body over the upload limit
        } catch {
            // `reflecting`: postgres-nio's errors hide their details from `description`.
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return Response(status: .internalServerError)
        }
    }
}

extension HTTPResponse.Status {
    /// 424 Failed Dependency (RFC 4918 §11.4), which HTTPTypes does not name.
    static var parleyFailedDependency: HTTPResponse.Status { HTTPResponse.Status(code: 424, reasonPhrase: "Failed Dependency") }
}
