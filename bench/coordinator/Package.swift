// swift-tools-version:6.0
// bench/coordinator.sh: netmap building at 10,000 nodes and 1,000 grants, incremental
// (ControlCore's NetmapBuilder) beside a naive full recompute, in one run.
import PackageDescription

let package = Package(
    name: "mcpmesh-bench-coordinator",
    dependencies: [.package(name: "mcpmesh", path: "../..")],
    targets: [
        .executableTarget(name: "CoordinatorBench", dependencies: [
            .product(name: "ControlCore", package: "mcpmesh"),
            .product(name: "Policy", package: "mcpmesh"),
            .product(name: "MeshWire", package: "mcpmesh"),
            .product(name: "MeshCrypto", package: "mcpmesh"),
        ]),
    ]
)
