// SPDX-License-Identifier: MIT
//
// Builder and downgrade logic with an injected kernel ABI: compile() is pure,
// so nothing here touches the kernel or restricts the test process.
import XCTest
@testable import NetFence
import Glibc

final class PlanTests: XCTestCase {
    /// (port, rights) pairs the plan would send to the kernel.
    func kernelRules(_ ruleset: Ruleset, _ plan: Ruleset.Plan) -> [(UInt64, UInt64)] {
        var rules: [(UInt64, UInt64)] = []
        ruleset.ports.forEachRule(for: plan.kernelNet) { port, access in rules.append((port, access)) }
        return rules
    }

    func everything() throws -> Ruleset {
        let ruleset = Ruleset()
        try ruleset.handle(AccessNet.kernelRights).allow(AccessNet.kernelRights, port: 443)
        try ruleset.handle(AccessFS.known)
        try ruleset.setScopes(Scope.known)
        return ruleset
    }

    func testDowngradeTableAcrossABIs() throws {
        let flags: RestrictFlags = [.logNewExecOn]
        // abi: (net sent, fs sent, scopes sent, log flags sent, tsync, attr size)
        let expected: [Int32: (AccessNet, UInt64, Scope, UInt32, Bool, Int)] = [
            1: ([], (1 << 13) - 1, [], 0, false, 8),
            3: ([], (1 << 15) - 1, [], 0, false, 8),
            4: ([.bindTCP, .connectTCP], (1 << 15) - 1, [], 0, false, 16),
            6: ([.bindTCP, .connectTCP], (1 << 16) - 1, Scope.known, 0, false, 24),
            7: ([.bindTCP, .connectTCP], (1 << 16) - 1, Scope.known, 2, false, 24),
            8: ([.bindTCP, .connectTCP], (1 << 16) - 1, Scope.known, 2, true, 24),
            10: (AccessNet.kernelRights, (1 << 17) - 1, Scope.known, 2, true, 24),
        ]
        for (abi, want) in expected.sorted(by: { $0.key < $1.key }) {
            let ruleset = try everything()
            let plan = ruleset.compile(abi: abi, flags: flags)
            XCTAssertNil(plan.failure, "ABI \(abi)")
            XCTAssertEqual(plan.kernelNet, want.0, "net sent at ABI \(abi)")
            XCTAssertEqual(plan.kernelFS.rawValue, want.1, "fs sent at ABI \(abi)")
            XCTAssertEqual(plan.kernelScopes, want.2, "scopes sent at ABI \(abi)")
            let tsync = UInt32(1 << 3)
            XCTAssertEqual(plan.kernelFlags & ~tsync, want.3, "log flags sent at ABI \(abi)")
            XCTAssertEqual(plan.kernelFlags & tsync != 0, want.4, "TSYNC at ABI \(abi)")
            XCTAssertEqual(plan.threadSync, want.4)
            XCTAssertEqual(plan.rulesetAttrSize, want.5, "attr size at ABI \(abi)")
            XCTAssertTrue(plan.applyLandlock)
            XCTAssertEqual(plan.status.netEnforced, want.0)
            XCTAssertEqual(plan.status.enforcement, abi >= 10 ? .fullyEnforced : .partiallyEnforced, "ABI \(abi)")
            XCTAssertEqual(plan.status.dropped.isEmpty, abi >= 10, "ABI \(abi): \(plan.status.dropped)")
            // Rules carry only rights the kernel handles.
            let rules = kernelRules(ruleset, plan)
            XCTAssertEqual(rules.count, want.0.isEmpty ? 0 : 1)
            if let rule = rules.first {
                XCTAssertEqual(rule.0, 443)
                XCTAssertEqual(rule.1, want.0.rawValue)
            }
        }
    }

    func testBestEffortReportsWhatWasDropped() throws {
        let ruleset = try Ruleset().handle([.bindTCP, .bindUDP]).allow([.bindTCP, .bindUDP], port: 53)
        let plan = ruleset.compile(abi: 7, flags: [])
        XCTAssertEqual(plan.status.enforcement, .partiallyEnforced)
        XCTAssertEqual(plan.status.netRequested, [.bindTCP, .bindUDP])
        XCTAssertEqual(plan.status.netEnforced, .bindTCP)
        XCTAssertEqual(plan.status.dropped.count, 1)
        XCTAssertTrue(plan.status.dropped[0].contains("bind_udp"), plan.status.dropped[0])
        XCTAssertTrue(plan.status.dropped[0].contains("Landlock ABI 7"), plan.status.dropped[0])
        XCTAssertEqual(kernelRules(ruleset, plan).map { $0.1 }, [AccessNet.bindTCP.rawValue])
        XCTAssertTrue(plan.apply)
    }

    func testOnlyUnsupportedRightsEnforceNothing() throws {
        let ruleset = try Ruleset().handle(.connectSendUDP)
        let plan = ruleset.compile(abi: 7, flags: [])
        XCTAssertFalse(plan.applyLandlock, "an empty kernel ruleset would fail with ENOMSG")
        XCTAssertEqual(plan.status.enforcement, .notEnforced)
    }

    func testSoftRequirementEnforcesNothing() throws {
        let ruleset = try Ruleset().setCompatibility(.softRequirement).handle([.bindTCP, .bindUDP])
        let plan = ruleset.compile(abi: 7, flags: [])
        XCTAssertNil(plan.failure)
        XCTAssertFalse(plan.applyLandlock)
        XCTAssertFalse(plan.apply)
        XCTAssertEqual(plan.status.enforcement, .notEnforced)
        XCTAssertEqual(plan.status.netEnforced, [])
        XCTAssertEqual(plan.status.netRequested, [.bindTCP, .bindUDP])
        // With everything supported, the soft requirement changes nothing.
        let full = ruleset.compile(abi: 10, flags: [])
        XCTAssertEqual(full.status.enforcement, .fullyEnforced)
        XCTAssertTrue(full.applyLandlock)
    }

    func testHardRequirementFailsBeforeApplying() throws {
        let ruleset = try Ruleset().setCompatibility(.hardRequirement).handle([.bindTCP, .bindUDP])
        let plan = ruleset.compile(abi: 7, flags: [])
        XCTAssertEqual(plan.failure?.code, .notSupported)
        XCTAssertTrue(plan.failure?.message.contains("bind_udp") ?? false)
        XCTAssertFalse(plan.applyLandlock)
        XCTAssertFalse(plan.apply)
        XCTAssertNil(ruleset.compile(abi: 10, flags: []).failure)
        // Log flags are features too.
        let logging = try Ruleset().setCompatibility(.hardRequirement).handle(.bindTCP)
        XCTAssertEqual(logging.compile(abi: 6, flags: .logNewExecOn).failure?.code, .notSupported)
        XCTAssertNil(logging.compile(abi: 7, flags: .logNewExecOn).failure)
    }

    func testLandlockUnavailable() throws {
        for (probe, code) in [(-ENOSYS, NetFenceError.Code.notImplemented), (-EOPNOTSUPP, .notSupported)] {
            let best = try Ruleset().handle(.bindTCP)
            let plan = best.compile(abi: probe, flags: [])
            XCTAssertNil(plan.failure)
            XCTAssertFalse(plan.applyLandlock)
            XCTAssertTrue(plan.apply, "best effort still applies no_new_privs")
            XCTAssertEqual(plan.status.enforcement, .notEnforced)
            XCTAssertEqual(plan.status.landlockABI, probe)
            let hard = try Ruleset().setCompatibility(.hardRequirement).handle(.bindTCP)
            XCTAssertEqual(hard.compile(abi: probe, flags: []).failure?.code, code)
        }
    }

    func testAllPortsRangeIsNotHandledInKernel() throws {
        let ruleset = try Ruleset().handle([.bindTCP, .connectTCP])
            .allow(.connectTCP, ports: 0...65535)
            .allow(.bindTCP, port: 8080)
        let plan = ruleset.compile(abi: 7, flags: [])
        XCTAssertEqual(plan.kernelNet, .bindTCP)
        XCTAssertEqual(plan.status.netAllPorts, .connectTCP)
        XCTAssertEqual(plan.status.netEnforced, [.bindTCP, .connectTCP])
        XCTAssertEqual(plan.status.enforcement, .fullyEnforced)
        XCTAssertEqual(kernelRules(ruleset, plan).map { $0.0 }, [8080])
        // All ports of an unsupported right restricts nothing either: in force.
        let udp = try Ruleset().handle(.bindUDP).allow(.bindUDP, ports: 0...65535)
        XCTAssertEqual(udp.compile(abi: 7, flags: []).status.enforcement, .fullyEnforced)
    }

    func testPiecewiseFullCoverageCounts() throws {
        let ruleset = try Ruleset().handle(.bindTCP)
            .allow(.bindTCP, ports: 0...1000)
            .allow(.bindTCP, ports: 500...65534)
        XCTAssertEqual(ruleset.compile(abi: 7, flags: []).status.netAllPorts, [])
        try ruleset.allow(.bindTCP, port: 65535)
        XCTAssertEqual(ruleset.compile(abi: 7, flags: []).status.netAllPorts, .bindTCP)
    }

    func testPortSetWordBoundariesAndMerging() {
        var set = PortSet()
        set.insert(.bindTCP, first: 63, last: 64)
        set.insert(.bindTCP, first: 127, last: 129)
        set.insert([.bindTCP, .connectTCP], first: 65535, last: 65535)
        set.insert(.connectTCP, first: 64, last: 64)
        XCTAssertEqual(set.allowedPortCount(ofSlot: 0), 6)
        XCTAssertEqual(set.allowedPortCount(ofSlot: 1), 2)
        var rules: [UInt64: UInt64] = [:]
        set.forEachRule(for: [.bindTCP, .connectTCP]) { port, access in rules[port] = access }
        XCTAssertEqual(rules, [63: 1, 64: 3, 127: 1, 128: 1, 129: 1, 65535: 3])
        XCTAssertEqual(set.ruleCount(for: .connectTCP), 2)
        XCTAssertFalse(set.contains(.bindTCP, port: 62))
        XCTAssertTrue(set.contains(.bindTCP, port: 63))
        var full = PortSet()
        full.insert(.bindTCP, first: 0, last: 65535)
        full.insert(.bindTCP, first: 100, last: 200)
        XCTAssertEqual(full.allowedPortCount(ofSlot: 0), 65536)
        XCTAssertEqual(full.rightsCoveringAllPorts, .bindTCP)
        XCTAssertEqual(full.ruleCount(for: .bindTCP), 65536)
    }

    /// Ranges across a 4096-port summary word, rights whose words differ, and
    /// the bitmap handed to the listen supervisor.
    func testPortSetChunkBoundaries() {
        var set = PortSet()
        set.insert(.bindTCP, first: 4090, last: 4100)
        set.insert(.connectTCP, first: 4096, last: 4096)
        set.insert(.connectTCP, first: 65000, last: 65000)
        XCTAssertEqual(set.allowedPortCount(ofSlot: 0), 11)
        XCTAssertEqual(set.allowedPortCount(ofSlot: 1), 2)
        var rules: [UInt64: UInt64] = [:]
        set.forEachRule(for: [.bindTCP, .connectTCP]) { port, access in rules[port] = access }
        var expected: [UInt64: UInt64] = [65000: 2]
        for port in UInt64(4090)...4100 { expected[port] = port == 4096 ? 3 : 1 }
        XCTAssertEqual(rules, expected)
        XCTAssertEqual(set.ruleCount(for: .connectTCP), 2)
        XCTAssertTrue(set.contains(.connectTCP, port: 65000))
        XCTAssertFalse(set.contains(.connectTCP, port: 64999))
        XCTAssertFalse(set.contains(.bindTCP, port: 30000)) // a chunk that does not exist
        let bitmap = set.bitmap(of: .connectTCP)
        XCTAssertEqual(bitmap.count, 1024)
        XCTAssertEqual(bitmap.reduce(0) { $0 + $1.nonzeroBitCount }, 2)
        XCTAssertEqual(bitmap[4096 >> 6], 1)
        XCTAssertEqual(PortSet().bitmap(of: .listenTCP), Array(repeating: 0, count: 1024))
    }

    func testValidationErrors() throws {
        let ruleset = Ruleset()
        XCTAssertThrowsError(try ruleset.allow(.bindTCP, port: 80)) {
            XCTAssertEqual(($0 as? NetFenceError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try ruleset.handle(AccessNet(rawValue: 1 << 9)))
        XCTAssertThrowsError(try ruleset.handle(AccessNet()))
        // The validators the C ABI converts raw values with.
        XCTAssertThrowsError(try ClosedRange<UInt16>(validatingFirstPort: 0, lastPort: 70000))
        XCTAssertThrowsError(try ClosedRange<UInt16>(validatingFirstPort: 70000, lastPort: 70001)) {
            XCTAssertTrue(($0 as? NetFenceError)?.message.contains("70000") ?? false)
        }
        XCTAssertThrowsError(try ClosedRange<UInt16>(validatingFirstPort: 9, lastPort: 8))
        XCTAssertEqual(try ClosedRange<UInt16>(validatingFirstPort: 0, lastPort: 65535), 0...65535)
        XCTAssertThrowsError(try CompatibilityLevel(validating: 7))
        XCTAssertThrowsError(try AccessNet(validating: 0))
        XCTAssertThrowsError(try AccessNet(validating: 1 << 9))
        XCTAssertThrowsError(try RestrictFlags(validating: 1 << 20))
        XCTAssertThrowsError(try SocketRule(validatingFamily: 0, type: 1, protocol: 0))
        XCTAssertThrowsError(try SocketRule(validatingFamily: 2, type: 7, protocol: 0))
        XCTAssertThrowsError(try SocketRule(validatingFamily: 2, type: 1, protocol: 65536))
        XCTAssertEqual(try SocketRule(validatingFamily: 2, type: 1 | 0o4000, protocol: 0), SocketRule(family: 2, type: 1, protocol: 0))
        try ruleset.handle(.bindTCP)
        XCTAssertThrowsError(try ruleset.setScopes(Scope(rawValue: 1 << 5)))
        XCTAssertThrowsError(try ruleset.handle(AccessFS(rawValue: 1 << 20)))
        XCTAssertThrowsError(try Ruleset().handle(.readFile).allow(.readFile, beneath: "/nonexistent/netfence")) {
            XCTAssertEqual(($0 as? NetFenceError)?.code.rawValue, ENOENT)
        }
        XCTAssertThrowsError(try Ruleset().handle(.readDir).allow(.readDir, beneath: "/etc/passwd")) {
            XCTAssertEqual(($0 as? NetFenceError)?.code, .invalidArgument)
        }
    }

    func testPathRulesKeepFileRightsOnly() throws {
        let ruleset = try Ruleset().handle([.readFile, .readDir, .execute]).allow([.readFile, .readDir], beneath: "/etc/passwd")
        XCTAssertEqual(ruleset.paths.count, 1)
        XCTAssertEqual(ruleset.paths[0].access, .readFile)
    }

    func testDescriptions() {
        XCTAssertEqual(AccessNet([.bindTCP, .connectSendUDP]).description, "bind_tcp|connect_send_udp")
        XCTAssertEqual(AccessNet(rawValue: 1 << 10).description, "0x400")
        XCTAssertEqual(AccessFS().description, "none")
        XCTAssertEqual(NetFenceError.Code.alreadyEnforced.description, "EALREADY")
    }
}
