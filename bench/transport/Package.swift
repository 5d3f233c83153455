// swift-tools-version:6.0
// The crypto and handshake half of bench/transport.sh: single-core ChaCha20-Poly1305 rate
// for default-size packets, X25519 cost, and responder handshakes per second.
import PackageDescription

let package = Package(
    name: "mcpmesh-bench-transport",
    dependencies: [.package(name: "mcpmesh", path: "../..")],
    targets: [
        .executableTarget(name: "TransportBench", dependencies: [
            .product(name: "MeshCrypto", package: "mcpmesh"),
            .product(name: "MeshTransport", package: "mcpmesh"),
            .product(name: "MeshWire", package: "mcpmesh"),
        ]),
    ]
)
