// SPDX-License-Identifier: MIT
//
// The status bookkeeping of restrict_self, driven through a mock of the system
// layer: kernels and failures this machine does not have, with no syscall
// reaching the kernel (nothing is applied to the test process).
import Glibc
import NetFenceSystem
import XCTest
@testable import NetFence

final class SystemMockTests: XCTestCase {
    /// A system with Landlock `abi`, `threads` threads, and an apply sequence
    /// that completes `done` and then fails `failedStep` with `error` (0: succeeds).
    func mock(abi: Int32 = 7, threads: Int32 = 1, done: UInt32 = 0, failedStep: UInt32 = 0, error: Int32 = 0) -> SystemLayer {
        var system = SystemLayer.live
        system.landlockABI = { abi }
        system.landlockErrata = { abi >= 7 ? 1 : -EOPNOTSUPP }
        system.threadCount = { threads }
        system.noNewPrivs = { 0 }
        system.ioUringThreads = { (0, "") }
        system.capabilities = { () throws(NetFenceError) in CapabilityState() }
        system.effectiveUID = { 1000 }
        // A real descriptor the ruleset may close: /dev/null stands for the kernel ruleset.
        system.createRuleset = { _, _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        system.addPortRule = { _, _, _ in 0 }
        system.addPathRule = { _, _, _ in 0 }
        system.seccompFilterCount = { 0 }
        system.apply = { _, result in
            result.pointee = nf_apply_result()
            result.pointee.done = done
            result.pointee.failed_step = failedStep
            result.pointee.error = error
        }
        return system
    }

    func tcpRuleset(_ system: SystemLayer) throws -> Ruleset {
        let ruleset = Ruleset()
        ruleset.system = system
        try ruleset.handle([.bindTCP, .connectTCP]).allow(.connectTCP, port: 443)
        return ruleset
    }

    func failure(of ruleset: Ruleset, file: StaticString = #filePath, line: UInt = #line) -> NetFenceError? {
        do {
            try ruleset.restrictSelf()
            XCTFail("restrictSelf succeeded", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testEverythingApplied() throws {
        let steps = UInt32(NF_STEP_NO_NEW_PRIVS | NF_STEP_LANDLOCK | NF_STEP_SECCOMP)
        let ruleset = try tcpRuleset(mock(done: steps))
        let status = try ruleset.restrictSelf()
        XCTAssertEqual(status.enforcement, .fullyEnforced)
        XCTAssertTrue(status.landlockApplied && status.seccomp.installed && status.noNewPrivsApplied)
        XCTAssertEqual(status.netEnforced, [.bindTCP, .connectTCP])
        XCTAssertEqual(status.portRules, 1)
        XCTAssertTrue(status.seccomp.features.contains(.tcpBypassBlocked))
        XCTAssertTrue(ruleset.isEnforced)
    }

    /// Landlock applied, then the kernel refused the filter: Landlock's part is in
    /// force, nothing of seccomp's is claimed.
    func testSeccompRefusedAfterLandlock() throws {
        let ruleset = try tcpRuleset(mock(done: UInt32(NF_STEP_NO_NEW_PRIVS | NF_STEP_LANDLOCK),
                                          failedStep: UInt32(NF_STEP_SECCOMP), error: -EINVAL))
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.code, .invalidArgument)
        XCTAssertEqual(error.reason, .applyStepFailed(.seccomp))
        XCTAssertTrue(error.message.contains("applied before the failure (irreversible): setting no_new_privs, landlock_restrict_self"))
        let status = try XCTUnwrap(error.status)
        XCTAssertTrue(status.landlockApplied)
        XCTAssertFalse(status.seccomp.installed)
        XCTAssertEqual(status.seccomp, SeccompStatus(), "no seccomp feature claimed")
        XCTAssertEqual(status.enforcement, .partiallyEnforced)
        XCTAssertEqual(status.netEnforced, [.bindTCP, .connectTCP])
        XCTAssertFalse(ruleset.isEnforced, "a failed ruleset is not spent")
    }

    /// no_new_privs set, then Landlock refused: nothing of the sandbox is in force.
    func testLandlockRefused() throws {
        let ruleset = try tcpRuleset(mock(done: UInt32(NF_STEP_NO_NEW_PRIVS), failedStep: UInt32(NF_STEP_LANDLOCK), error: -E2BIG))
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.code.rawValue, E2BIG)
        XCTAssertEqual(error.reason, .applyStepFailed(.landlock))
        let status = try XCTUnwrap(error.status)
        XCTAssertTrue(status.noNewPrivsApplied)
        XCTAssertFalse(status.landlockApplied)
        XCTAssertEqual(status.netEnforced, [])
        XCTAssertEqual(status.enforcement, .notEnforced)
    }

    /// An errno outside restrict_self's documented list is reported as EFAULT, naming it.
    func testUndocumentedErrnoBecomesEFAULT() throws {
        let ruleset = try tcpRuleset(mock(done: UInt32(NF_STEP_NO_NEW_PRIVS), failedStep: UInt32(NF_STEP_LANDLOCK), error: -ENOENT))
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.code, .internalError)
        XCTAssertEqual(error.reason, .internalError)
        XCTAssertTrue(error.message.contains("[unexpected ENOENT, reported as EFAULT]"), error.message)
        XCTAssertEqual(error.status?.landlockApplied, false, "the status survives the filter")
    }

    /// ABI 7 has no TSYNC: with other threads, Landlock would cover one thread only.
    func testOtherThreadsWithoutTSYNC() throws {
        var applied = false
        var system = mock(threads: 3)
        let apply = system.apply
        system.apply = { plan, result in applied = true; apply(plan, result) }
        let ruleset = try tcpRuleset(system)
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.reason, .otherThreads)
        XCTAssertEqual(error.code, .otherThreads)
        XCTAssertTrue(error.message.contains("3 threads"))
        XCTAssertEqual(error.status?.threadCount, 3)
        XCTAssertNil(error.status?.enforcement, "nothing applied, nothing claimed")
        XCTAssertFalse(applied, "refused before the apply sequence")
    }

    /// ABI 8 (TSYNC) covers every thread: the same ruleset is accepted.
    func testOtherThreadsWithTSYNC() throws {
        let ruleset = try tcpRuleset(mock(abi: 8, threads: 3, done: UInt32(NF_STEP_NO_NEW_PRIVS | NF_STEP_LANDLOCK | NF_STEP_SECCOMP)))
        let status = try ruleset.restrictSelf()
        XCTAssertTrue(status.allThreads)
        XCTAssertEqual(status.threadCount, 3)
    }

    /// io_uring kernel threads (issue 14.3): refused even with the calling-thread-only flag,
    /// accepted and reported only with their own flag.
    func testIOUringThreads() throws {
        var system = mock(abi: 8, threads: 2, done: UInt32(NF_STEP_NO_NEW_PRIVS | NF_STEP_LANDLOCK | NF_STEP_SECCOMP))
        system.ioUringThreads = { (1, "iou-sqp-77 (78)") }
        let refused = try tcpRuleset(system)
        do {
            try refused.restrictSelf(.callingThreadOnly)
            XCTFail("restrictSelf succeeded with an io_uring thread")
        } catch {
            XCTAssertEqual(error.reason, .otherThreads)
            XCTAssertTrue(error.message.contains("iou-sqp-77 (78)"), error.message)
            XCTAssertNil(error.status?.enforcement, "nothing applied")
        }
        let accepted = try tcpRuleset(system)
        let status = try accepted.restrictSelf([.callingThreadOnly, .acceptIOUringThreads])
        XCTAssertFalse(status.allThreads)
        XCTAssertEqual(status.enforcement, .partiallyEnforced)
        XCTAssertTrue(status.dropped.contains { $0.contains("io_uring kernel threads (iou-sqp-77 (78)) are not restricted") })
        XCTAssertTrue(status.flagsEnforced.contains(.acceptIOUringThreads))
    }

    /// Paths opened at enforcement (issue 14.5): no descriptor held before, opened then, one at a time.
    func testPathsOpenedAtEnforcement() throws {
        var system = mock(done: UInt32(NF_STEP_NO_NEW_PRIVS | NF_STEP_LANDLOCK))
        var added: [UInt64] = []
        system.addPathRule = { _, access, pathFD in added.append(access); return pathFD >= 0 ? 0 : -EBADF }
        let ruleset = Ruleset()
        ruleset.system = system
        try ruleset.handle([.readFile, .readDir])
        let before = openDescriptors()
        for _ in 0..<100 { try ruleset.allow([.readFile, .readDir], beneathWhenEnforced: "/etc/passwd") }
        XCTAssertEqual(openDescriptors(), before, "no descriptor held")
        XCTAssertThrowsError(try ruleset.allow(.readFile, beneathWhenEnforced: ""))
        XCTAssertThrowsError(try ruleset.allow(.writeFile, beneathWhenEnforced: "/etc")) // not handled
        let status = try ruleset.restrictSelf()
        XCTAssertEqual(status.pathRules, 100)
        XCTAssertEqual(Set(added), [AccessFS.readFile.rawValue], "a file keeps the file rights only")
        XCTAssertEqual(openDescriptors(), before, "each closed after its rule")
        // A path gone by enforcement fails it, before anything is applied.
        let missing = Ruleset()
        missing.system = mock()
        try missing.handle(.readFile).allow(.readFile, beneathWhenEnforced: "/nonexistent/netfence")
        let error = try XCTUnwrap(failure(of: missing))
        XCTAssertTrue(error.message.contains("/nonexistent/netfence"), error.message)
        XCTAssertNil(error.status?.enforcement)
    }

    /// The number of open descriptors of this process.
    func openDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return count
    }

    func testHardRequirementWithoutLandlock() throws {
        let ruleset = try tcpRuleset(mock(abi: -ENOSYS))
        try ruleset.setCompatibility(.hardRequirement)
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.code, .notImplemented)
        XCTAssertEqual(error.reason, .landlockNotBuilt)
        let disabled = try tcpRuleset(mock(abi: -EOPNOTSUPP))
        try disabled.setCompatibility(.hardRequirement)
        XCTAssertEqual(failure(of: disabled)?.reason, .landlockDisabled)
    }

    func testHardRequirementOnAnOldKernel() throws {
        let ruleset = Ruleset()
        ruleset.system = mock(abi: 3)
        try ruleset.setCompatibility(.hardRequirement).handle(.bindTCP).allow(.bindTCP, port: 80)
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.code, .notSupported)
        XCTAssertEqual(error.reason, .featureMissing)
    }

    /// preview() tells what restrictSelf would put in force, item by item, whatever the
    /// compatibility level, and applies nothing: the ruleset can still be enforced after it.
    func testPreviewAppliesNothing() throws {
        var system = mock(abi: 3, done: UInt32(NF_STEP_NO_NEW_PRIVS | NF_STEP_LANDLOCK))
        var created = 0
        system.createRuleset = { _, _ in created += 1; return open("/dev/null", O_RDONLY | O_CLOEXEC) }
        system.apply = { _, _ in XCTFail("preview applied something") }
        let ruleset = Ruleset()
        ruleset.system = system
        try ruleset.setCompatibility(.hardRequirement).handle(AccessFS.known).handle(.bindTCP).allow(.bindTCP, port: 80)
        let preview = try ruleset.preview()
        XCTAssertEqual(created, 0, "no kernel ruleset is built")
        XCTAssertEqual(preview.enforcement, .partiallyEnforced)
        XCTAssertTrue(preview.landlockApplied)
        XCTAssertEqual(preview.netEnforced, [])
        XCTAssertEqual(preview.droppedItems.map(\.item), ["bind_tcp", "ioctl_dev", "resolve_unix"])
        XCTAssertEqual(preview.droppedItems.first?.reason, "needs Landlock ABI 4 (Linux 6.7), this kernel has 3")
        XCTAssertFalse(ruleset.isEnforced)
        // The ruleset's own level decides when it is enforced.
        XCTAssertEqual(failure(of: ruleset)?.reason, .featureMissing)
    }

    func testKernelRulesetCreationFails() throws {
        var system = mock()
        system.createRuleset = { _, _ in -EMFILE }
        let ruleset = try tcpRuleset(system)
        let error = try XCTUnwrap(failure(of: ruleset))
        XCTAssertEqual(error.code.rawValue, EMFILE)
        XCTAssertEqual(error.reason, .systemCall)
        XCTAssertNil(error.status?.enforcement)
        XCTAssertEqual(error.status?.landlockABI, 7, "the kernel is still reported")
    }
}
