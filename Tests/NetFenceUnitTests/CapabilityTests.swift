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
        XCTAssertTrue(json.contains("{\"layer\":\"landlock.net\",\"item\":\"bind_udp\",\"reason\":\"needs Landlock ABI 10, the kernel has ABI 7\"}"), json)
        XCTAssertTrue(status.formatted(.text).contains("not in force: landlock.net bind_udp"))
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
