// swift-tools-version:6.0
// SPDX-License-Identifier: MIT
//
// netfence: Landlock network sandboxing for Linux with a stable C ABI.
// The C library (libnetfence.so.0) is built by the Makefile from the
// `netfence` product with flags that must not live here (static Swift
// runtime, version script, soname): see docs/building.md.
import PackageDescription

let package = Package(
    name: "netfence",
    products: [
        // For Swift packages: `import NetFence`.
        .library(name: "NetFence", targets: ["NetFence"]),
        // The C ABI; the Makefile turns it into libnetfence.so.0.
        .library(name: "netfence", type: .dynamic, targets: ["NetFenceC"]),
        // Test helper: runs one named enforcement scenario in its own process.
        .executable(name: "netfence-scenario", targets: ["netfence-scenario"]),
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
        .testTarget(name: "NetFenceTests", dependencies: ["NetFence", "netfence-scenario"]),
    ]
)
