// SPDX-License-Identifier: MIT
//
// The socket allow-list as a table and as seccomp deny rules: pure.
import XCTest
@testable import NetFence
@testable import NetFenceFilters
import NetFenceSystem

final class SocketPolicyTests: XCTestCase {
    let inet: Int32 = 2, inet6: Int32 = 10, unix: Int32 = 1, netlink: Int32 = 16, smc: Int32 = 43
    let stream: Int32 = 1, dgram: Int32 = 2, raw: Int32 = 3, seqpacket: Int32 = 5

    /// Evaluates the generated deny rules the way the kernel filter would.
    func denied(_ rules: [SeccompRule], _ args: [UInt64]) -> Bool {
        rules.contains { rule in
            rule.syscall.description == "socket" && rule.comparisons.allSatisfy { c in
                let value = args[Int(c.argument)]
                switch c.operation {
                case .maskedEqual: return value & c.mask == c.datum
                case .less: return value < c.datum
                case .greater: return value > c.datum
                }
            }
        }
    }

    func args(_ family: Int32, _ type: Int32, _ proto: Int64) -> [UInt64] {
        [UInt64(UInt32(bitPattern: family)), UInt64(UInt32(bitPattern: type)), UInt64(UInt32(truncatingIfNeeded: proto))]
    }

    /// The rules and the table must agree on every (family, type, protocol) probe.
    func assertRulesMatchTable(_ policy: SocketPolicy, file: StaticString = #filePath, line: UInt = #line) {
        let rules = policy.denyRules(errno: 13)
        for family in Int32(0)..<64 {
            for type in Int32(0)..<16 {
                for proto: Int64 in [0, 1, 6, 17, 58, 132, 255, 256, 262, 263, 4096, 65535] {
                    let table = policy.allows(family: family, type: type, protocol: proto)
                    let filter = !denied(rules, args(family, type, proto))
                    XCTAssertEqual(table, filter, "(\(family), \(type), \(proto))", file: file, line: line)
                    // SOCK_NONBLOCK | SOCK_CLOEXEC never change the answer.
                    XCTAssertEqual(filter, !denied(rules, args(family, type | 0o4000 | 0o2000000, proto)), file: file, line: line)
                }
            }
        }
    }

    func testServerPolicy() {
        let policy = SocketPolicy(handled: true, rules: [SocketTriple(family: inet, type: stream, protocol: 0),
                                                         SocketTriple(family: inet6, type: stream, protocol: 6)],
                                  denyTCPBypass: true)
        XCTAssertTrue(policy.allows(family: inet, type: stream, protocol: 0))
        XCTAssertTrue(policy.allows(family: inet, type: stream, protocol: 6))
        XCTAssertTrue(policy.allows(family: inet6, type: stream, protocol: 0), "protocol aliasing")
        XCTAssertFalse(policy.allows(family: inet, type: stream, protocol: 262))
        XCTAssertFalse(policy.allows(family: inet, type: dgram, protocol: 0))
        XCTAssertFalse(policy.allows(family: unix, type: stream, protocol: 0))
        XCTAssertFalse(policy.allows(family: 100, type: stream, protocol: 0))
        assertRulesMatchTable(policy)
        let rules = policy.denyRules(errno: 13)
        XCTAssertLessThan(rules.count, 120, "the complement stays small")
        // Garbage above the low 32 bits is denied, never allowed.
        XCTAssertTrue(denied(rules, [UInt64(inet) | 1 << 32, UInt64(stream), 0]))
        XCTAssertTrue(denied(rules, [UInt64(inet), UInt64(stream), 6 | 1 << 40]))
    }

    func testNothingAllowed() {
        let policy = SocketPolicy(handled: true, rules: [], denyTCPBypass: false)
        assertRulesMatchTable(policy)
        XCTAssertTrue(denied(policy.denyRules(errno: 13), [UInt64.max, 0, 0]))
    }

    func testWildcards() {
        let policy = SocketPolicy(handled: true, rules: [SocketTriple(family: unix),
                                                         SocketTriple(family: netlink, type: raw, protocol: 0),
                                                         SocketTriple(family: inet, type: SocketRule.any, protocol: 0)],
                                  denyTCPBypass: false)
        XCTAssertTrue(policy.allows(family: unix, type: seqpacket, protocol: 5))
        XCTAssertTrue(policy.allows(family: inet, type: dgram, protocol: 17), "0 aliases UDP for datagrams")
        XCTAssertFalse(policy.allows(family: inet, type: raw, protocol: 6))
        XCTAssertFalse(policy.allows(family: netlink, type: raw, protocol: 9))
        assertRulesMatchTable(policy)
    }

    func testBypassDeniedWithoutHandlingSockets() {
        let policy = SocketPolicy(handled: false, rules: [SocketTriple(family: inet6, type: stream, protocol: 262)],
                                  denyTCPBypass: true)
        XCTAssertFalse(policy.allows(family: inet, type: stream, protocol: 262))
        XCTAssertTrue(policy.allows(family: inet6, type: stream, protocol: 262), "named explicitly")
        XCTAssertFalse(policy.allows(family: inet6, type: stream, protocol: 132))
        XCTAssertFalse(policy.allows(family: inet, type: seqpacket, protocol: 132))
        XCTAssertFalse(policy.allows(family: smc, type: stream, protocol: 0))
        XCTAssertTrue(policy.allows(family: unix, type: stream, protocol: 0))
        XCTAssertTrue(policy.allows(family: 200, type: stream, protocol: 0), "not handled: other families stay allowed")
        assertRulesMatchTable(policy)
        // High garbage cannot turn a denied MPTCP into an allowed one.
        XCTAssertTrue(denied(policy.denyRules(errno: 13), [UInt64(inet) | 1 << 32, UInt64(stream), 262]))
        XCTAssertTrue(denied(policy.denyRules(errno: 13), [UInt64(inet), UInt64(stream), 262 | 1 << 33]))
    }

    func testAnyProtocolWildcardDoesNotAllowBypass() {
        let policy = SocketPolicy(handled: true, rules: [SocketTriple(family: inet, type: stream)], denyTCPBypass: true)
        XCTAssertTrue(policy.allows(family: inet, type: stream, protocol: 6))
        XCTAssertFalse(policy.allows(family: inet, type: stream, protocol: 262))
        assertRulesMatchTable(policy)
    }

    func testAlignedBlocks() {
        let blocks = SocketPolicy.alignedBlocks(from: 7, through: 261)
        var covered: [UInt64] = []
        for (base, size) in blocks {
            XCTAssertEqual(base % size, 0, "aligned")
            covered += (base..<(base + size))
        }
        XCTAssertEqual(covered, Array(7...261))
        XCTAssertLessThanOrEqual(blocks.count, 16)
    }

    /// The most common policy (sockets not handled, TCP rights in the kernel):
    /// a handful of rules, and exactly the table's answers.
    /// The families the validator accepts all have a row in the policy's table.
    func testFamilyLimitFitsTheTable() {
        XCTAssertLessThanOrEqual(Int(SocketConstants.familyLimit), SocketPolicy.familySlots)
        XCTAssertEqual(SocketConstants.familyLimit, 46, "AF_MAX of Linux 6.x and glibc 2.36 (the docs say families 1 to 45)")
    }

    func testBypassOnlyPolicy() {
        let policy = SocketPolicy(handled: false, rules: [], denyTCPBypass: true)
        let rules = policy.denyRules(errno: 13)
        // Per syscall (socket, socketpair): per family (AF_INET, AF_INET6) the three
        // bypass protocols, SOCK_SEQPACKET protocol 0, SOCK_RAW and SOCK_PACKET
        // (one type block each), and AF_SMC and AF_PACKET.
        XCTAssertEqual(rules.count, 2 * (2 * 6 + 2))
        XCTAssertFalse(policy.allows(family: inet, type: raw, protocol: 6), "raw IP socket")
        XCTAssertFalse(policy.allows(family: inet6, type: raw, protocol: 255), "raw IPv6 socket")
        XCTAssertFalse(policy.allows(family: 17, type: raw, protocol: 0x0300), "AF_PACKET")
        XCTAssertFalse(policy.allows(family: inet, type: 10, protocol: 0x0300), "SOCK_PACKET")
        XCTAssertTrue(policy.allows(family: inet, type: dgram, protocol: 1), "ping sockets are not TCP bypasses")
        assertRulesMatchTable(policy)
    }

    /// The programs embedded at build time are what libseccomp compiles from
    /// the same rules now, instruction for instruction.
    func testEmbeddedFiltersAreLibseccompsPrograms() throws {
        XCTAssertEqual(embeddedFilterArchitecture, nf_seccomp_native_arch(), "built for this architecture")
        XCTAssertEqual(embeddedFilterProgramCount, FilterSpec.fixedVariants.count)
        XCTAssertEqual(FilterSpec.fixedVariants.count, 12)
        for (index, spec) in FilterSpec.fixedVariants.enumerated() {
            XCTAssertEqual(spec.fixedIndex, index)
            let compiled = try spec.compile()
            XCTAssertFalse(compiled.isEmpty)
            XCTAssertEqual(compiled, embeddedFilterProgram(index),
                          "variant \(index) (\(spec.listen), bypass \(spec.blockTCPBypass), fast open \(spec.blockFastOpen)) differs from libseccomp's")
        }
    }

    /// A socket allow-list is never served from the embedded programs.
    func testAllowListsAreCompiledAtRunTime() {
        let plan = SeccompPlan(socketsHandled: true, socketRules: [SocketRule(family: inet, type: stream, protocol: 0)],
                               blockTCPBypass: true, listen: .off, allowUnboundListen: false)
        XCTAssertNil(plan.spec.fixedIndex)
        let bypassOnly = SeccompPlan(socketsHandled: false, socketRules: [], blockTCPBypass: true, listen: .perPort, allowUnboundListen: false,
                                     blockFastOpen: true)
        XCTAssertEqual(bypassOnly.spec.fixedIndex, 2 * 4 + 2 + 1)
        // A rule that names a bypass protocol is the caller's, even without handling sockets.
        let mptcp = SeccompPlan(socketsHandled: false, socketRules: [SocketRule(family: inet6, type: stream, protocol: 262)],
                                blockTCPBypass: true, listen: .off, allowUnboundListen: false)
        XCTAssertNil(mptcp.spec.fixedIndex)
        XCTAssertFalse(denied(mptcp.rules, args(inet6, stream, 262)), "the named protocol is allowed again")
        XCTAssertTrue(denied(mptcp.rules, args(inet, stream, 262)), "not for another family")
    }

    func testSeccompPlanListenModesAndIoUring() {
        let off = SeccompPlan(socketsHandled: false, socketRules: [], blockTCPBypass: true, listen: .off, allowUnboundListen: false)
        XCTAssertFalse(off.rules.contains { $0.syscall.description == "listen" })
        XCTAssertTrue(off.features.contains([.ioUringBlocked, .foreignArchBlocked, .tcpBypassBlocked]))
        let denyAll = SeccompPlan(socketsHandled: true, socketRules: [], blockTCPBypass: false, listen: .denyAll, allowUnboundListen: false)
        XCTAssertTrue(denyAll.rules.contains { $0.syscall.description == "listen" && $0.action == .errno(13) })
        let perPort = SeccompPlan(socketsHandled: false, socketRules: [], blockTCPBypass: false, listen: .perPort, allowUnboundListen: true)
        XCTAssertTrue(perPort.rules.contains { $0.syscall.description == "listen" && $0.action == .notify })
        XCTAssertEqual(perPort.rules.filter { $0.syscall.description.hasPrefix("io_uring") }.count, 3)
        // Under the supervisor, no new notification listener (issue 14): seccomp(SET_MODE_FILTER, NEW_LISTENER).
        let newListener = perPort.rules.filter { $0.syscall == .seccomp }
        XCTAssertEqual(newListener.count, 1)
        XCTAssertEqual(newListener.first?.action, .errno(13))
        XCTAssertEqual(newListener.first?.comparisons, [.intEquals(0, 1), .hasFlags(1, 8)])
        XCTAssertFalse(denyAll.rules.contains { $0.syscall == .seccomp }, "only a supervised filter needs it")
    }

    func testListenIsNeverSentToTheKernel() throws {
        let ruleset = try Ruleset().handle([.bindTCP, .listenTCP]).allow([.bindTCP, .listenTCP], port: 8080)
        let plan = ruleset.compile(abi: 7, flags: [])
        XCTAssertEqual(plan.kernelNet, .bindTCP)
        XCTAssertEqual(plan.status.netEnforced, [.bindTCP, .listenTCP])
        XCTAssertEqual(plan.status.enforcement, .fullyEnforced)
        XCTAssertEqual(plan.seccomp?.listen, .perPort)
        var rules: [(UInt64, UInt64)] = []
        ruleset.ports.forEachRule(for: plan.kernelNet) { rules.append(($0, $1)) }
        XCTAssertEqual(rules.map(\.1), [AccessNet.bindTCP.rawValue])
        let all = try Ruleset().handle(.listenTCP).allow(.listenTCP, ports: 0...65535)
        XCTAssertNil(all.compile(abi: 7, flags: []).seccomp, "every port allowed: nothing to enforce")
    }
}

extension SocketPolicyTests {
    func testSeqpacketZeroAndSMCAreBypasses() {
        let policy = SocketPolicy(handled: false, rules: [], denyTCPBypass: true)
        XCTAssertFalse(policy.allows(family: inet, type: seqpacket, protocol: 0), "SCTP by default protocol")
        XCTAssertFalse(policy.allows(family: inet6, type: stream, protocol: 256), "IPPROTO_SMC")
        XCTAssertTrue(policy.allows(family: inet, type: stream, protocol: 0))
        assertRulesMatchTable(policy)
        let explicit = SocketPolicy(handled: false, rules: [SocketTriple(family: inet, type: seqpacket, protocol: 0)], denyTCPBypass: true)
        XCTAssertTrue(explicit.allows(family: inet, type: seqpacket, protocol: 0))
    }

    /// Raw and packet sockets come back only through a rule that names them.
    func testRawAndPacketSocketsNeedAnExplicitRule() {
        let wildcard = SocketPolicy(handled: false, rules: [SocketTriple(family: inet)], denyTCPBypass: true)
        XCTAssertFalse(wildcard.allows(family: inet, type: raw, protocol: 6), "a type wildcard is not an explicit choice")
        let explicit = SocketPolicy(handled: false, rules: [SocketTriple(family: inet, type: raw, protocol: 1),
                                                             SocketTriple(family: 17)], denyTCPBypass: true)
        XCTAssertTrue(explicit.allows(family: inet, type: raw, protocol: 1))
        XCTAssertFalse(explicit.allows(family: inet, type: raw, protocol: 6), "only the protocol named")
        XCTAssertTrue(explicit.allows(family: 17, type: raw, protocol: 0x0300))
        assertRulesMatchTable(explicit)
        let handled = SocketPolicy(handled: true, rules: [SocketTriple(family: inet)], denyTCPBypass: true)
        XCTAssertFalse(handled.allows(family: inet, type: raw, protocol: 6))
        XCTAssertTrue(handled.allows(family: inet, type: stream, protocol: 6))
        assertRulesMatchTable(handled)
        let noTCPRights = SocketPolicy(handled: true, rules: [SocketTriple(family: inet)], denyTCPBypass: false)
        XCTAssertTrue(noTCPRights.allows(family: inet, type: raw, protocol: 6), "without TCP rights, no bypass to close")
    }

    func testTypeWildcardExcludesSockPacket() {
        let policy = SocketPolicy(handled: true, rules: [SocketTriple(family: inet)], denyTCPBypass: false)
        XCTAssertFalse(policy.allows(family: inet, type: 10, protocol: 0))
        XCTAssertTrue(policy.allows(family: inet, type: raw, protocol: 1))
        let explicit = SocketPolicy(handled: true, rules: [SocketTriple(family: inet, type: 10)], denyTCPBypass: false)
        XCTAssertTrue(explicit.allows(family: inet, type: 10, protocol: 0))
        assertRulesMatchTable(policy)
    }
}
