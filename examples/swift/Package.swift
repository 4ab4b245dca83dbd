// swift-tools-version:6.1
// SPDX-License-Identifier: MIT
// An example package that uses netfence from Swift, by path.
import PackageDescription

let package = Package(
    name: "netfence-examples",
    dependencies: [
        .package(name: "netfence", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "NoNetwork", dependencies: [.product(name: "NetFence", package: "netfence")]),
        .executableTarget(name: "TCPServer", dependencies: [.product(name: "NetFence", package: "netfence")]),
    ]
)
