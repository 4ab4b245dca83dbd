// swift-tools-version:6.0
// SPDX-License-Identifier: MIT
//
// netfence: Landlock network sandboxing for Linux with a stable C ABI.
// The C library (libnetfence.so.0) is built by the Makefile from the
// `NetFenceCABI` product with flags that must not live here (static Swift
// runtime, version script, soname): see docs/building.md.
import PackageDescription

let package = Package(
    name: "netfence",
    products: [
        // For Swift packages: `import NetFence`.
        .library(name: "NetFence", targets: ["NetFence"]),
        // The C ABI; the Makefile turns it into libnetfence.so.0 (the product
        // is not called "netfence": that name is the command-line tool's).
        .library(name: "NetFenceCABI", type: .dynamic, targets: ["NetFenceC"]),
        // The command-line tool.
        .executable(name: "netfence", targets: ["NetFenceCLI"]),
        // Test helper: runs one named enforcement scenario in its own process.
        .executable(name: "netfence-scenario", targets: ["netfence-scenario"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // include/netfence.h (symlinked), importable from Swift as CNetFence.
        .target(name: "CNetFence"),
        // syscall(2), prctl(2), our Landlock UAPI copy, thread-local errors.
        .target(
            name: "CNetFenceShim",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("cap"), .linkedLibrary("seccomp")]),
        // The Swift core: all logic. No Foundation, no Swift concurrency.
        .target(name: "NetFence", dependencies: ["CNetFenceShim"]),
        // The C ABI: implements netfence.h with @c @implementation.
        .target(name: "NetFenceC", dependencies: ["NetFence", "CNetFence", "CNetFenceShim"]),
        .executableTarget(name: "netfence-scenario", dependencies: ["NetFence"]),
        .executableTarget(name: "NetFenceCLI", dependencies: [
            "NetFence", "CNetFenceShim",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "NetFenceTests", dependencies: ["NetFence", "netfence-scenario", "NetFenceCLI"]),
    ]
)
