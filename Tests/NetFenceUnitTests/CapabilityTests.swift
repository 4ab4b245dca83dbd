// SPDX-License-Identifier: MIT
//
// The capability plan with an injected thread state: pure, no syscall.
import XCTest
@testable import NetFence

final class CapabilityTests: XCTestCase {
    func rootState() -> CapabilityState {
        var state = CapabilityState()
        let all = CapabilitySet(rawValue: (1 << 41) - 1)
        state.effective = all
        state.permitted = all
        state.bounding = all
        return state
    }

    func testDropAllAsRoot() {
        let plan = CapabilityPlan(kept: [], options: [], current: rootState(), euid: 0)
        XCTAssertEqual(plan.final, [])
        XCTAssertEqual(plan.working, CapabilitySet([.setpcap]), "CAP_SETPCAP kept while working")
        XCTAssertEqual(plan.boundingDrop.rawValue, (1 << 41) - 1)
        XCTAssertEqual(plan.ambientRaise, [])
        XCTAssertEqual(plan.securebits, 0xEF, "locked as root")
        XCTAssertEqual(plan.inheritable, [])
        XCTAssertEqual(plan.dropped, [])
    }

    func testKeepWithAmbientAndNoLock() {
        let kept = CapabilitySet([.netBindService])
        let plan = CapabilityPlan(kept: kept, options: [.ambient, .noSecurebitsLock], current: rootState(), euid: 0)
        XCTAssertEqual(plan.final, kept)
        XCTAssertEqual(plan.working, kept.union(CapabilitySet([.setpcap])))
        XCTAssertEqual(plan.ambientRaise, kept)
        XCTAssertNil(plan.securebits)
        XCTAssertFalse(plan.boundingDrop.contains(.netBindService))
    }

    func testNonRootWithoutSetpcapCannotShrinkBounding() {
        var state = CapabilityState()
        state.bounding = CapabilitySet(rawValue: (1 << 41) - 1)
        let plan = CapabilityPlan(kept: [], options: [], current: state, euid: 1000)
        XCTAssertEqual(plan.boundingDrop, [])
        XCTAssertNil(plan.securebits, "securebits are locked only when dropping as root")
        XCTAssertEqual(plan.dropped.count, 1)
        XCTAssertTrue(plan.dropped[0].contains("cap_setpcap"), plan.dropped[0])
    }

    func testKeptButNotPermittedIsNotRaised() {
        var state = CapabilityState()
        state.permitted = CapabilitySet([.setpcap])
        state.bounding = CapabilitySet([.setpcap, .netRaw])
        let plan = CapabilityPlan(kept: CapabilitySet([.netRaw]), options: .ambient, current: state, euid: 1000)
        XCTAssertEqual(plan.final, [], "a capability the thread lacks cannot be kept")
        XCTAssertEqual(plan.ambientRaise, [])
        XCTAssertEqual(plan.boundingDrop, CapabilitySet([.setpcap]))
    }

    func testCompatLevelsWithCapabilities() throws {
        var state = CapabilityState()
        state.bounding = CapabilitySet([.netRaw])
        let best = try Ruleset().keepCapabilities([])
        XCTAssertEqual(best.compile(abi: 7, flags: [], capabilities: state, euid: 1000).status.enforcement, .partiallyEnforced)
        let hard = try Ruleset().setCompatibility(.hardRequirement).keepCapabilities([])
        XCTAssertEqual(hard.compile(abi: 7, flags: [], capabilities: state, euid: 1000).failure?.code.rawValue, EPERM)
        let soft = try Ruleset().setCompatibility(.softRequirement).keepCapabilities([])
        let plan = soft.compile(abi: 7, flags: [], capabilities: state, euid: 1000)
        XCTAssertFalse(plan.apply)
        XCTAssertEqual(plan.status.enforcement, .notEnforced)
        // Landlock missing but capabilities dropped: partial, not none.
        let mixed = try Ruleset().keepCapabilities([]).handle(.bindTCP)
        XCTAssertEqual(mixed.compile(abi: -38, flags: [], capabilities: rootState(), euid: 0).status.enforcement,
                       .partiallyEnforced)
    }

    func testNames() throws {
        XCTAssertEqual(Capability(name: "cap_net_bind_service"), .netBindService)
        XCTAssertEqual(Capability(name: "NET_RAW"), .netRaw)
        XCTAssertNil(Capability(name: "cap_no_such_thing"))
        XCTAssertNil(Capability(name: "12"))
        XCTAssertEqual(Capability.netBindService.name, "cap_net_bind_service")
        XCTAssertEqual(CapabilitySet([.netRaw, .chown]).description, "cap_chown,cap_net_raw")
        let ruleset = Ruleset()
        XCTAssertThrowsError(try ruleset.keepCapabilities(named: "cap_chown,,cap_kill"))
        XCTAssertThrowsError(try ruleset.keepCapabilities([.netRaw, .netRaw]))
        XCTAssertThrowsError(try ruleset.keepCapabilities([Capability(rawValue: 63)]))
        try ruleset.keepCapabilities(named: " cap_chown , kill")
        XCTAssertEqual(ruleset.keptCapabilities, CapabilitySet([.chown, .kill]))
    }

    func testJSONEscapingAndSchemaShape() {
        var out = ""
        JSON.quote("a\"b\\c\n\u{1}", into: &out)
        XCTAssertEqual(out, "\"a\\\"b\\\\c\\n\\u0001\"")
        var status = RestrictionStatus()
        status.landlockABI = 7
        status.netRequested = [.bindTCP, .bindUDP]
        status.netEnforced = .bindTCP
        status.enforcement = .partiallyEnforced
        status.landlockApplied = true
        let json = status.formatted(.json)
        XCTAssertTrue(json.hasPrefix("{\"schema\":\"netfence-status/1\",\"enforcement\":\"partial\""), json)
        XCTAssertTrue(json.contains("{\"layer\":\"landlock.net\",\"item\":\"bind_udp\",\"reason\":\"needs Landlock ABI 10 (Linux 7.2), this kernel has 7\"}"), json)
        XCTAssertTrue(status.formatted(.text).contains("\nNot in force:\n  bind UDP (Landlock): needs Landlock ABI 10 (Linux 7.2), this kernel has 7\n"))
    }

    /// The indented JSON is the same value as the one-line JSON.
    func testIndentedJSON() {
        let value: JSON = .object([("a", .array([.int(1), .null])), ("b", .object([])), ("c", .array([]))])
        XCTAssertEqual(value.rendered(indent: nil), "{\"a\":[1,null],\"b\":{},\"c\":[]}\n")
        XCTAssertEqual(value.rendered(indent: 2), "{\n  \"a\": [\n    1,\n    null\n  ],\n  \"b\": {},\n  \"c\": []\n}\n")
    }

    /// The text report: a heading per layer, each item under the layer that enforces it, plain
    /// words, the ports as given, and what is not in force with its reason.
    func testTextReportReadsAsWords() {
        var status = RestrictionStatus()
        status.enforcement = .partiallyEnforced
        status.landlockABI = 7
        status.landlockErrata = 1
        status.landlockApplied = true
        status.noNewPrivs = true
        status.threadCount = 1
        status.allThreads = true
        status.netRequested = [.connectTCP, .bindUDP, .listenTCP]
        status.netEnforced = [.connectTCP, .listenTCP]
        status.portRules = 3
        status.socketsRequested = true
        status.socketRules = 2
        status.seccomp.installed = true
        status.seccomp.instructions = 90
        status.seccomp.listenMode = .perPort
        status.seccomp.supervisorPID = 42
        status.seccomp.features = [.socketsHandled, .fastOpenBlocked, .tcpBypassBlocked, .ioUringBlocked, .foreignArchBlocked]
        let text = status.formatted(.text, portsAsGiven: [(.connectTCP, "80,443,8000-8100"), (.listenTCP, "8080")])
        XCTAssertEqual(text, """
        netfence enforcement report
          enforcement:         partial (see "Not in force")
          no_new_privs:        set
          threads:             1, all covered
        Landlock (kernel ABI 7, errata 0x1): applied
          bind TCP:            not restricted
          connect TCP:         restricted, allowed ports: 80,443,8000-8100
          bind UDP:            NOT in force (see below)
          connect/send UDP:    not restricted
          port rules:          3 in the kernel
          filesystem:          not restricted
        Seccomp filter: loaded (90 BPF instructions)
          socket creation:     restricted to 2 allowed kinds
          listen TCP:          allowed ports: 8080, checked by a supervisor process (pid 42)
          TCP fast open:       refused (it connects without connect())
          TCP bypasses:        denied (MPTCP, SCTP, SMC, raw IP and packet sockets)
          io_uring:            blocked
          other syscall ABIs:  blocked (i386, x32)
        Capabilities: not changed
        Not in force:
          bind UDP (Landlock): needs Landlock ABI 10 (Linux 7.2), this kernel has 7

        """)
        // Without the ports as given (the C ABI's netfence_status_format), the rights still read.
        XCTAssertTrue(status.formatted(.text).contains("  connect TCP:         restricted, only the ports of its rules\n"))
    }
}

extension CapabilityTests {
    func testSecondDropAfterLockIsNotPenalised() {
        var state = CapabilityState()
        state.securebits = 0xEF
        let plan = CapabilityPlan(kept: [], options: [], current: state, euid: 0)
        XCTAssertNil(plan.securebits)
        XCTAssertEqual(plan.dropped, [], "already locked, nothing missing")
    }

    func testKeepCapsBitIsClearedWhenLocking() {
        var state = rootState()
        state.securebits = 1 << 4 // SECBIT_KEEP_CAPS
        let plan = CapabilityPlan(kept: [], options: [], current: state, euid: 0)
        XCTAssertEqual(plan.securebits, 0xEF)
    }

    func testAmbientRaiseForeseesLockedSecurebit() {
        var state = rootState()
        state.securebits = 1 << 6 // SECBIT_NO_CAP_AMBIENT_RAISE
        let plan = CapabilityPlan(kept: CapabilitySet([.netBindService]), options: .ambient, current: state, euid: 0)
        XCTAssertEqual(plan.ambientRaise, [])
        XCTAssertEqual(plan.dropped.count, 1)
    }

    func testInheritableLimitedToBounding() {
        var state = rootState()
        state.bounding = CapabilitySet([.setpcap])
        let plan = CapabilityPlan(kept: CapabilitySet([.netRaw]), options: .ambient, current: state, euid: 0)
        XCTAssertEqual(plan.final, CapabilitySet([.netRaw]))
        XCTAssertEqual(plan.inheritable, [], "capset refuses inheritable bits outside the bounding set")
        XCTAssertEqual(plan.ambientRaise, [])
    }
}
