import NIOCore
import NIOPosix
import XCTest
@testable import ParleyLoad

/// MiniHTTPClient against a raw TCP server that answers each connection with canned bytes.
final class MiniHTTPClientTests: XCTestCase {
    final class Canned: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let reply: [UInt8]?
        let closeAfter: Bool
        init(reply: [UInt8]?, closeAfter: Bool) {
            self.reply = reply
            self.closeAfter = closeAfter
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let reply else { return }   // never answer
            var buffer = context.channel.allocator.buffer(capacity: reply.count)
            buffer.writeBytes(reply)
            let close = closeAfter
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in if close { context.close(promise: nil) } }
        }
    }

    private func server(_ group: EventLoopGroup, reply: String?, closeAfter: Bool = true) async throws -> Channel {
        let bytes = reply.map { Array($0.utf8) }
        return try await ServerBootstrap(group: group)
            .childChannelInitializer { $0.pipeline.addHandler(Canned(reply: bytes, closeAfter: closeAfter)) }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func testStatusBodyAndFailures() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var client = MiniHTTPClient(group: group)
        let ok = try await server(group, reply: "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello")
        let r = try await client.request(.POST, host: "127.0.0.1", port: ok.localAddress!.port!, path: "/rooms",
                                         headers: [("A", "b")], body: Array("{}".utf8))
        XCTAssertEqual(r.status, 201)
        XCTAssertEqual(r.text, "hello")
        XCTAssertTrue(r.headers.contains { $0.0 == "X-A" && $0.1 == "b" })

        let truncated = try await server(group, reply: "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")
        do {
            _ = try await client.request(.GET, host: "127.0.0.1", port: truncated.localAddress!.port!, path: "/")
            XCTFail("a truncated body must fail")
        } catch let error as HTTPClientError {
            XCTAssertTrue([.closedEarly].contains(error) || "\(error)".contains("connect"), "\(error)")
        }

        let silent = try await server(group, reply: nil, closeAfter: false)
        do {
            _ = try await client.request(.GET, host: "127.0.0.1", port: silent.localAddress!.port!, path: "/", timeout: 0.3)
            XCTFail("a silent server must time out")
        } catch let error as HTTPClientError {
            XCTAssertEqual(error, .timeout(seconds: 0.3))
        }

        client.maxBody = 10
        let big = try await server(group, reply: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "x", count: 100))
        do {
            _ = try await client.request(.GET, host: "127.0.0.1", port: big.localAddress!.port!, path: "/")
            XCTFail("a body over maxBody must fail")
        } catch let error as HTTPClientError {
            XCTAssertEqual(error, .tooLarge(10))
        }

        let garbage = try await server(group, reply: "\u{0}\u{1}garbage not http\r\n\r\n")
        do {
            _ = try await client.request(.GET, host: "127.0.0.1", port: garbage.localAddress!.port!, path: "/")
            XCTFail("garbage must fail")
        } catch is HTTPClientError {}

        // Nothing listening: a connect error, not a trap.
        let port = ok.localAddress!.port!
        for channel in [ok, truncated, silent, big, garbage] { try await channel.close() }
        do {
            _ = try await client.request(.GET, host: "127.0.0.1", port: port, path: "/")
            XCTFail("connection refused must fail")
        } catch let error as HTTPClientError {
            guard case .connect = error else { return XCTFail("\(error)") }
        }
        try await group.shutdownGracefully()
    }
}
