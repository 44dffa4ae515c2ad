import NIOCore
import NIOHTTP1
import NIOPosix

/// A response: status, headers, body bytes.
public struct HTTPResult: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Transport failures of `MiniHTTPClient` (an HTTP status is never an error here).
public enum HTTPClientError: Error, Equatable, CustomStringConvertible {
    case connect(String)
    case timeout(seconds: Double)
    case closedEarly
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .connect(let m): return "connect failed: \(m)"
        case .timeout(let s): return "no complete response within \(s) s"
        case .closedEarly: return "connection closed before the response was complete"
        case .tooLarge(let n): return "response body over \(n) bytes"
        }
    }
}

/// A minimal HTTP/1.1 client over SwiftNIO: one connection per request (`Connection: close`),
/// a deadline per request, bodies capped at `maxBody`. Enough for a load tool's REST calls and
/// Janus long polls against a loopback server.
public struct MiniHTTPClient: Sendable {
    public let group: EventLoopGroup
    public var maxBody = 4 << 20

    public init(group: EventLoopGroup) { self.group = group }

    /// - Throws: `HTTPClientError` on connect failure, timeout or early close.
    public func request(_ method: HTTPMethod, host: String, port: Int, path: String,
                        headers: [(String, String)] = [], body: [UInt8]? = nil,
                        timeout: Double = 10) async throws -> HTTPResult {
        let promise = group.next().makePromise(of: HTTPResult.self)
        let collector = ResponseCollector(promise: promise, maxBody: maxBody)
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(min(timeout, 5) * 1000)))
                .channelInitializer { channel in
                    channel.pipeline.addHTTPClientHandlers().flatMap { channel.pipeline.addHandler(collector) }
                }
                .connect(host: host, port: port).get()
        } catch {
            let failure = HTTPClientError.connect("\(host):\(port): \(error)")
            promise.fail(failure)   // never leave a promise unfulfilled (NIO traps on leaks)
            throw failure
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Content-Length", value: String(body?.count ?? 0))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            collector.finish(.failure(HTTPClientError.timeout(seconds: timeout)))
            channel.close(promise: nil)
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body, !body.isEmpty {
            var buffer = channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<HTTPResult>
        let maxBody: Int
        var status = 0
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var done = false

        init(promise: EventLoopPromise<HTTPResult>, maxBody: Int) {
            self.promise = promise
            self.maxBody = maxBody
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                status = Int(head.status.code)
                headers = head.headers.map { ($0.name, $0.value) }
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= maxBody else {
                    finish(.failure(HTTPClientError.tooLarge(maxBody)))
                    context.close(promise: nil)
                    return
                }
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                finish(.success(HTTPResult(status: status, headers: headers, body: body)))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(.failure(HTTPClientError.closedEarly))
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            finish(.failure(HTTPClientError.connect("\(error)")))
            context.close(promise: nil)
        }

        func finish(_ result: Result<HTTPResult, Error>) {
            guard !done else { return }
            done = true
            promise.completeWith(result)
        }
    }
}
