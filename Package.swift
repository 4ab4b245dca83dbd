// swift-tools-version:6.1
// SPDX-License-Identifier: MIT
//
// netfence: Landlock network sandboxing for Linux with a stable C ABI.
// The C library (libnetfence.so.0) is built by the Makefile from the
// `NetFenceCLibrary` product with flags that must not live here (static Swift
// runtime, version script, soname): see docs/building.md.
import PackageDescription

let package = Package(
    name: "netfence",
    products: [
        // For Swift packages: `import NetFence`.
        .library(name: "NetFence", targets: ["NetFence"]),
        // The C ABI; the Makefile turns it into libnetfence.so.0 (the product
        // is not called "netfence": that name is the command-line tool's).
        .library(name: "NetFenceCLibrary", type: .dynamic, targets: ["NetFenceCExports"]),
        // The command-line tool.
        .executable(name: "netfence", targets: ["NetFenceCLI"]),
        // Test helper: runs one named enforcement scenario in its own process.
        .executable(name: "netfence-scenario", targets: ["netfence-scenario"]),
    ],
    // The command-line tool is built with the trait `CommandLineTool` (the
    // Makefile enables it). Off by default, so that a package that depends on
    // netfence for `NetFence` neither resolves nor builds swift-argument-parser:
    // SwiftPM leaves out a dependency whose every use is behind a trait that is off.
    traits: [
        .trait(name: "CommandLineTool", description: "The netfence command-line tool and its tests (swift-argument-parser)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // include/netfence.h (symlinked), importable from Swift; the ABI layout
        // checks and the thread-local last-error store of the C ABI.
        .target(name: "NetFenceCHeader"),
        // The system layer in C: syscall(2), prctl(2), our Landlock UAPI copy,
        // libcap, libseccomp, the apply sequence, spawn, the listen supervisor.
        .target(
            name: "NetFenceSystem",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("cap"), .linkedLibrary("seccomp")]),
        // Seccomp rules: the socket policy, the filter variants, compiling with libseccomp.
        .target(name: "NetFenceFilters", dependencies: ["NetFenceSystem"]),
        // Build-time tool: the fixed filters, compiled once and embedded in NetFence.
        .executableTarget(name: "netfence-filter-gen", dependencies: ["NetFenceFilters", "NetFenceSystem"]),
        .plugin(name: "EmbedFixedFilters", capability: .buildTool(), dependencies: ["netfence-filter-gen"]),
        // The Swift core: all logic. No Foundation, no Swift concurrency.
        .target(name: "NetFence", dependencies: ["NetFenceFilters", "NetFenceSystem"], plugins: ["EmbedFixedFilters"]),
        // The C ABI: implements netfence.h with @c @implementation; converts and calls NetFence.
        .target(name: "NetFenceCExports", dependencies: ["NetFence", "NetFenceCHeader", "NetFenceSystem"]),
        .executableTarget(name: "netfence-scenario", dependencies: ["NetFence"]),
        .executableTarget(name: "NetFenceCLI", dependencies: [
            "NetFence", "NetFenceSystem",
            .product(name: "ArgumentParser", package: "swift-argument-parser", condition: .when(traits: ["CommandLineTool"])),
        ]),
        // Unit tests: pure logic and the status bookkeeping against a mock of the system layer; no kernel.
        .testTarget(name: "NetFenceUnitTests", dependencies: ["NetFence", "NetFenceFilters", "NetFenceSystem"]),
        // The command-line tool's parsing and its option table.
        .testTarget(name: "NetFenceCLITests", dependencies: ["NetFenceCLI", "NetFence"]),
        // Enforcement by the running kernel, each case in a child process (netfence-scenario, fork).
        .testTarget(name: "NetFenceEnforcementTests", dependencies: ["NetFence", "NetFenceSystem", "netfence-scenario"]),
    ]
)
