import Hummingbird

/// Records every HTTP request in ``ParleyMetrics`` (`parley_http_requests_total`,
/// `parley_http_request_duration_seconds`): route template (Hummingbird's endpoint path,
/// `/meetings/{id}`; `NotFound` when no route matched), method (standard ones, else `other`) and
/// final status.
///
/// Add it first (outermost), so it sees the status the error middleware produced; an error
/// that still escapes is counted with its `HTTPResponseError` status, else 500.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ParleyMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, duration: clock.now - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, duration: clock.now - started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, duration: Duration) {
        metrics.recordRequest(route: context.endpointPath ?? "NotFound", method: Self.methodLabel(request.method),
                              status: status, duration: duration)
    }

    /// The method's name for the standard methods, `other` for any other token (clients can
    /// send arbitrary methods; the label set stays bounded).
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .post, .put, .delete, .patch, .head, .options: return method.rawValue
        default: return "other"
        }
    }
}
