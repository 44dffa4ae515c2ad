#if canImport(Glibc)
import Glibc
import Foundation

/// A minimal blocking WebSocket client over a POSIX socket (RFC 6455), for tests that must see
/// what a library client hides: the handshake's response headers, ping frames, and what
/// happens when pings go unanswered. Every blocking call runs on its own thread.
final class RawWebSocket: @unchecked Sendable {
    enum RawError: Error, Equatable {
        case connectFailed, closed, timeout, malformed(String)
    }

    struct Frame: Equatable {
        var opcode: UInt8
        var payload: [UInt8]
        var text: String? { String(bytes: payload, encoding: .utf8) }
    }

    static let text: UInt8 = 0x1, close: UInt8 = 0x8, ping: UInt8 = 0x9, pong: UInt8 = 0xA

    private let fd: Int32
    private var buffer: [UInt8] = []

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// Connects to 127.0.0.1:`port` and sends the upgrade request of `/events` with `headers`.
    /// - Returns: the client and the response head (status line and lowercase header names).
    static func connect(port: Int, headers: [(String, String)]) async throws -> (RawWebSocket, status: Int, headers: [String: String]) {
        try await onThread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw RawError.connectFailed }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(fd)
                throw RawError.connectFailed
            }
            let client = RawWebSocket(fd: fd)
            var request = "GET /events HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            try client.write(Array((request + "\r\n").utf8))
            let head = try client.readHead(timeout: 5)
            return (client, head.status, head.headers)
        }
    }

    /// The next frame, waiting at most `timeout` seconds. Server frames are never masked.
    func readFrame(timeout: Double) async throws -> Frame {
        try await Self.onThread {
            let deadline = Date().addingTimeInterval(timeout)
            let header = try self.read(2, deadline: deadline)
            var length = Int(header[1] & 0x7F)
            if length == 126 {
                let bytes = try self.read(2, deadline: deadline)
                length = Int(bytes[0]) << 8 | Int(bytes[1])
            } else if length == 127 {
                let bytes = try self.read(8, deadline: deadline)
                length = bytes.reduce(0) { $0 << 8 | Int($1) }
            }
            guard header[1] & 0x80 == 0, length <= 1 << 20 else { throw RawError.malformed("masked or huge server frame") }
            return Frame(opcode: header[0] & 0x0F, payload: try self.read(length, deadline: deadline))
        }
    }

    /// Reads frames until one that is not a ping/pong arrives (pings answered when `answerPings`).
    func readMessage(timeout: Double, answerPings: Bool = true) async throws -> Frame {
        while true {
            let frame = try await readFrame(timeout: timeout)
            if frame.opcode == Self.ping {
                if answerPings { try await send(opcode: Self.pong, frame.payload) }
                continue
            }
            if frame.opcode == Self.pong { continue }
            return frame
        }
    }

    /// Sends one masked frame (FIN set).
    func send(opcode: UInt8, _ payload: [UInt8]) async throws {
        try await Self.onThread {
            var frame: [UInt8] = [0x80 | opcode]
            if payload.count < 126 {
                frame.append(0x80 | UInt8(payload.count))
            } else {
                frame.append(0x80 | 126)
                frame += [UInt8(payload.count >> 8 & 0xFF), UInt8(payload.count & 0xFF)]
            }
            let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            frame += mask
            frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
            try self.write(frame)
        }
    }

    func sendText(_ text: String) async throws { try await send(opcode: Self.text, Array(text.utf8)) }

    // MARK: - Blocking internals

    private func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawError.closed }
            offset += sent
        }
    }

    private func fill(deadline: Date) throws {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw RawError.timeout }
        var timeout = timeval(tv_sec: Int(remaining), tv_usec: __suseconds_t((remaining - remaining.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { throw RawError.closed }
        if count < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? RawError.timeout : RawError.closed }
        buffer += chunk[..<count]
    }

    private func read(_ count: Int, deadline: Date) throws -> [UInt8] {
        while buffer.count < count { try fill(deadline: deadline) }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func readHead(timeout: Double) throws -> (status: Int, headers: [String: String]) {
        let deadline = Date().addingTimeInterval(timeout)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let range = buffer.firstRange(of: end) {
                let head = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
                buffer.removeFirst(range.upperBound)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ")
                guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawError.malformed(head) }
                var headers: [String: String] = [:]
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return (status, headers)
            }
            try fill(deadline: deadline)
        }
    }

    /// Runs `body` on a new thread (blocking socket calls stay off the cooperative pool).
    private static func onThread<T>(_ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}
#endif
