// swift-tools-version:6.0
// libFuzzer targets for every decoder that reads bytes from the network. Built and run by
// fuzz/run.sh with -sanitize=fuzzer; the targets have no main (libFuzzer provides it).
import PackageDescription

let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "mcpmesh-fuzz",
    dependencies: [.package(name: "mcpmesh", path: "..")],
    targets: [
        .executableTarget(name: "FuzzSessionMessages", dependencies: [
            .product(name: "MeshWire", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
        .executableTarget(name: "FuzzSessionReceive", dependencies: [
            .product(name: "MeshCrypto", package: "mcpmesh"),
            .product(name: "MeshTransport", package: "mcpmesh"),
            .product(name: "MeshWire", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
        .executableTarget(name: "FuzzNoiseRead", dependencies: [
            .product(name: "MeshCrypto", package: "mcpmesh"),
            .product(name: "Noise", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
        .executableTarget(name: "FuzzControlEncodings", dependencies: [
            .product(name: "MeshCrypto", package: "mcpmesh"),
            .product(name: "MeshWire", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
        .executableTarget(name: "FuzzStreamFrames", dependencies: [
            .product(name: "MeshStream", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
        .executableTarget(name: "FuzzPolicyParse", dependencies: [
            .product(name: "Policy", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
        .executableTarget(name: "FuzzNetmapDecode", dependencies: [
            .product(name: "MeshWire", package: "mcpmesh"),
            .product(name: "MeshCrypto", package: "mcpmesh"),
        ], swiftSettings: fuzzFlags),
    ]
)
