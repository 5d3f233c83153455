// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mcpmesh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mcpmesh", targets: ["mcpmesh"]),
        .executable(name: "mcpmesh-coordinator", targets: ["mcpmesh-coordinator"]),
        // Libraries for the fuzz package (fuzz/) and future embedders.
        .library(name: "MeshCrypto", targets: ["MeshCrypto"]),
        .library(name: "MeshWire", targets: ["MeshWire"]),
        .library(name: "Noise", targets: ["Noise"]),
        .library(name: "MeshTransport", targets: ["MeshTransport"]),
        .library(name: "MeshStream", targets: ["MeshStream"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "ControlCore", targets: ["ControlCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // Crypto: libsodium, imported only by MeshCrypto.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "MeshCrypto", dependencies: ["CSodium"]),

        // Wire types and encodings; no logic, no I/O.
        .target(name: "MeshWire", dependencies: ["MeshCrypto"]),

        // Sans-IO cores.
        .target(name: "Noise", dependencies: ["MeshCrypto"]),
        .target(name: "MeshTransport", dependencies: ["MeshCrypto", "MeshWire", "Noise"]),
        .target(name: "MeshStream", dependencies: [
            "MeshWire",
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        .target(name: "Policy"),
        // Netmap building (coordinator) and netmap acceptance (node); pure.
        .target(name: "ControlCore", dependencies: ["Policy", "MeshWire", "MeshCrypto"]),

        // The UDP shell: NIO sockets and timers carrying out the sessions core's actions.
        .target(name: "MeshNet", dependencies: [
            "MeshTransport", "MeshWire", "MeshCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Reliable streams over the UDP shell: a StreamConnection per peer on the packet
        // path's event loop, and the `debug perf` client and server built on it.
        .target(name: "MeshConnect", dependencies: [
            "MeshNet", "MeshStream", "MeshTransport", "MeshWire", "MeshCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Node services: state directory, control client, netmap application (and, next,
        // MCP publish/use, audit, local socket).
        .target(name: "NodeAgent", dependencies: [
            "MeshConnect", "MeshNet", "MeshStream", "MeshTransport", "MeshWire", "MeshCrypto", "ControlCore", "MCPBridge",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // MCP on a node: JSON-RPC framing, tool filtering by grant, stdio and HTTP upstreams.
        .target(name: "MCPBridge", dependencies: [
            "MeshWire", "Policy",
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Coordinator registry: SQLite through GRDB.
        .target(name: "Registry", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),

        // Test support: deterministic simulated network and manual clock.
        .target(name: "MeshSim", dependencies: [
            "MeshWire",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),

        // Coordinator services: registry-backed admin plane, control, discovery, relay.
        .target(name: "Coordinator", dependencies: [
            "Registry", "Policy", "ControlCore", "MeshWire", "MeshCrypto", "MeshNet", "MeshStream", "MeshConnect",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // Executables.
        .executableTarget(name: "mcpmesh", dependencies: [
            "MeshCrypto", "Noise", "MeshTransport", "MeshConnect", "MeshNet", "MeshStream", "MeshWire", "NodeAgent", "MCPBridge",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "mcpmesh-coordinator", dependencies: [
            "Coordinator", "MeshCrypto", "MeshWire",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Tests: one target per module.
        .testTarget(name: "MeshCryptoTests", dependencies: ["MeshCrypto"]),
        .testTarget(name: "MeshWireTests", dependencies: ["MeshWire", "MeshCrypto"]),
        .testTarget(name: "NoiseTests", dependencies: ["Noise", "MeshCrypto"]),
        .testTarget(name: "MeshTransportTests", dependencies: ["MeshTransport", "MeshWire", "MeshCrypto", "Noise", "MeshSim"]),
        .testTarget(name: "MeshStreamTests", dependencies: ["MeshStream", "MeshWire", "MeshSim"]),
        .testTarget(name: "MeshSimTests", dependencies: ["MeshSim"]),
        .testTarget(name: "MCPBridgeTests", dependencies: ["MCPBridge", "MeshWire", .product(name: "MCP", package: "swift-sdk")]),
        .testTarget(name: "NodeAgentTests", dependencies: [
            "NodeAgent", "MeshWire", "MeshCrypto", "ControlCore", "MCPBridge",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "MeshConnectTests", dependencies: [
            "MeshConnect", "MeshNet", "MeshStream", "MeshWire", "MeshCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "MeshNetTests", dependencies: [
            "MeshNet", "MeshTransport", "MeshWire", "MeshCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "ControlCoreTests", dependencies: ["ControlCore", "Policy", "MeshWire", "MeshCrypto"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry"]),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "Registry", "Policy", "ControlCore", "MeshWire", "MeshCrypto"]),
        .testTarget(name: "mcpmeshTests", dependencies: ["mcpmesh", "mcpmesh-coordinator"]),
    ],
    swiftLanguageModes: [.v6]
)
