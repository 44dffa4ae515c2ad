// swift-tools-version:6.0
import PackageDescription

// Layering (no cycles): C modules → SDP / RTP / STUN (pure) → WebRTCTransport → SFU;
// Meetings (pure) → Storage; ParleyServer wires all of them; `parley` is start-up only.
let package = Package(
    name: "Parley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .executable(name: "parley-load", targets: ["parley-load"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // System libraries (Debian -dev packages); shims wrap C macros Swift cannot call.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CVPX", pkgConfig: "vpx", providers: [.apt(["libvpx-dev"])]),

        // Pure protocol logic: no NIO, no database.
        .target(name: "SDP"),
        .target(name: "RTP"),
        .target(name: "STUN", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // Media plane.
        .target(name: "WebRTCTransport", dependencies: [
            "STUN", "RTP", "COpenSSL", "CSRTP",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SFU", dependencies: [
            "WebRTCTransport", "SDP", "RTP", "AudioMixer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Audio mixing engine (libopus): jitter buffers, mix-minus, talking detection. No I/O.
        .target(name: "AudioMixer", dependencies: ["COpus"]),
        .executableTarget(name: "parley-bench-mixer", dependencies: ["AudioMixer"]),

        // Load testing (issue 6): client-side WebRTC (controlling ICE, DTLS client, SRTP, VP8/Opus
        // packetizing), the load tool's logic, and the thin `parley-load` executable.
        .target(name: "WebRTCClient", dependencies: [
            "WebRTCTransport", "STUN", "RTP", "SDP", "CVPX",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "ParleyLoad", dependencies: [
            "WebRTCClient", "SDP", "RTP", "AudioMixer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
        ]),
        .executableTarget(name: "parley-load", dependencies: [
            "ParleyLoad",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Meeting domain (pure) and its storage.
        .target(name: "Meetings"),
        .target(name: "Storage", dependencies: [
            "Meetings",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // HTTP + WebSocket API, auth, configuration, service wiring.
        .target(name: "ParleyServer", dependencies: [
            "Meetings", "Storage", "SFU", "SDP", "WebRTCTransport", "AudioMixer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "parley", dependencies: [
            "ParleyServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SDPTests", dependencies: ["SDP"]),
        .testTarget(name: "AudioMixerTests", dependencies: ["AudioMixer"]),
        .testTarget(name: "WebRTCClientTests", dependencies: [
            "WebRTCClient", "WebRTCTransport", "STUN", "RTP", "SDP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ParleyLoadTests", dependencies: ["ParleyLoad", "WebRTCClient"]),
        .testTarget(name: "RTPTests", dependencies: ["RTP"]),
        .testTarget(name: "STUNTests", dependencies: ["STUN"]),
        .testTarget(name: "WebRTCTransportTests", dependencies: ["WebRTCTransport", "STUN", "RTP"]),
        .testTarget(name: "SFUTests", dependencies: ["SFU", "WebRTCTransport", "SDP", "RTP", "STUN", "AudioMixer"]),
        .testTarget(name: "MeetingsTests", dependencies: ["Meetings"]),
        .testTarget(name: "StorageTests", dependencies: [
            "Storage", "Meetings",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ParleyServerTests", dependencies: [
            "ParleyServer", "Meetings", "Storage",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
