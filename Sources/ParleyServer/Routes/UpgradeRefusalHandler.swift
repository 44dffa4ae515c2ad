import NIOCore

/// Makes a WebSocket upgrade refused for lack of authentication answer **401** (spec §4.1,
/// issue 2 §3) instead of HummingbirdWebSocket's fixed `400 Bad Request` for every refused
/// upgrade (`HTTP1WebSocketUpgradeChannel.writeFailedUpgrade`, 2.8).
///
/// ``AuthMiddleware`` installs it at the head of the pipeline of a connection whose upgrade it
/// refuses, so it sees the encoded bytes of that connection's next response: it rewrites the
/// status line `HTTP/1.1 400 Bad Request` to `HTTP/1.1 401 Unauthorized` once, then removes
/// itself. Any other first response passes unchanged.
final class UnauthorizedUpgradeResponder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let refused = Array("HTTP/1.1 400 Bad Request\r\n".utf8)
    static let unauthorized = Array("HTTP/1.1 401 Unauthorized\r\n".utf8)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .byteBuffer(let buffer) = unwrapOutboundIn(data),
           buffer.readableBytesView.starts(with: Self.refused) {
            var rewritten = context.channel.allocator.buffer(capacity: buffer.readableBytes + 1)
            rewritten.writeBytes(Self.unauthorized)
            rewritten.writeImmutableBuffer(buffer.getSlice(
                at: buffer.readerIndex + Self.refused.count, length: buffer.readableBytes - Self.refused.count) ?? ByteBuffer())
            context.write(wrapOutboundOut(.byteBuffer(rewritten)), promise: promise)
        } else {
            context.write(data, promise: promise)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Installs the responder on `channel` (head of the pipeline).
    static func install(on channel: any Channel) async {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(UnauthorizedUpgradeResponder(), position: .first)
        }.get()
    }
}
