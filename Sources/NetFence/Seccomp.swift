// SPDX-License-Identifier: MIT
import CNetFenceShim
import Glibc

/// How `listen(2)` is restricted, as reported in ``SeccompStatus/listenMode``.
///
/// The corresponding C constants are `NETFENCE_LISTEN_*` (the `listen_mode` field of `netfence_status`).
public enum ListenMode: UInt32, Sendable {
    /// Not restricted: ``AccessNet/listenTCP`` is not handled, or its rules cover every port.
    ///
    /// The corresponding C constant is `NETFENCE_LISTEN_OFF`.
    case off = 0
    /// Every `listen()` fails with `EACCES`, whatever the socket's family: ``AccessNet/listenTCP`` is
    /// handled with no rule, or the supervisor could not start (fail closed).
    ///
    /// The corresponding C constant is `NETFENCE_LISTEN_DENY_ALL`.
    case denyAll = 1
    /// A supervisor process checks the socket's bound port (seccomp user notification) and calls
    /// `listen()` on that same socket itself.
    ///
    /// The corresponding C constant is `NETFENCE_LISTEN_PER_PORT`.
    case perPort = 2
}

/// What the seccomp filter does.
///
/// The corresponding C constants are `NETFENCE_SECCOMP_*` (the `seccomp_features` field of `netfence_status`).
public struct SeccompFeatures: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The features as a bitmask.
    public let rawValue: UInt32
    /// Creates a set from a bitmask.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `socket()` and `socketpair()` only for allowed (family, type, protocol).
    ///
    /// The corresponding C constant is `NETFENCE_SECCOMP_SOCKETS_HANDLED`.
    public static let socketsHandled = SeccompFeatures(rawValue: 1 << 0)
    /// `io_uring_setup`, `io_uring_enter` and `io_uring_register` fail with `ENOSYS`: io_uring can
    /// create, bind and listen sockets without the filtered syscalls. Part of every filter.
    ///
    /// The corresponding C constant is `NETFENCE_SECCOMP_IO_URING_BLOCKED`.
    public static let ioUringBlocked = SeccompFeatures(rawValue: 1 << 1)
    /// A syscall through a foreign ABI (i386 `int 0x80`, x32) kills the process. Part of every filter.
    ///
    /// The corresponding C constant is `NETFENCE_SECCOMP_FOREIGN_ARCH_BLOCKED`.
    public static let foreignArchBlocked = SeccompFeatures(rawValue: 1 << 2)
    /// MPTCP, SCTP and SMC sockets (and `AF_SMC`), which Landlock's TCP rights do not cover, are
    /// denied unless a rule names them. Set when TCP bind or connect rights go to the kernel.
    ///
    /// The corresponding C constant is `NETFENCE_SECCOMP_TCP_BYPASS_BLOCKED`.
    public static let tcpBypassBlocked = SeccompFeatures(rawValue: 1 << 3)
    /// Listen rules exist but the supervisor could not run: every `listen()` is denied.
    ///
    /// The corresponding C constant is `NETFENCE_SECCOMP_LISTEN_FAIL_CLOSED`.
    public static let listenFailClosed = SeccompFeatures(rawValue: 1 << 4)
    /// TCP Fast Open (`MSG_FASTOPEN` in sendto/sendmsg/sendmmsg) is refused with EOPNOTSUPP:
    /// it connects without `connect(2)`, unseen by Landlock's CONNECT_TCP check.
    ///
    /// The corresponding C constant is `NETFENCE_SECCOMP_FAST_OPEN_BLOCKED`.
    public static let fastOpenBlocked = SeccompFeatures(rawValue: 1 << 5)

    static let names: [(UInt64, String)] = [
        (1, "sockets_handled"), (2, "io_uring_blocked"), (4, "foreign_arch_blocked"),
        (8, "tcp_bypass_blocked"), (16, "listen_fail_closed"), (32, "fast_open_blocked"),
    ]

    /// The features' names joined with `|` (`io_uring_blocked|foreign_arch_blocked`); `none` when empty.
    public var description: String { describeBits(UInt64(rawValue), Self.names) }
}

/// The seccomp part of a ``RestrictionStatus``: the socket allow-list, the listen restriction
/// and the bypass blocks.
public struct SeccompStatus: Equatable, Sendable {
    /// Whether the filter was loaded.
    ///
    /// The corresponding C field is `seccomp_installed`.
    public var installed = false
    /// What the filter does (or would do: filled even when loading it failed).
    ///
    /// The corresponding C field is `seccomp_features`.
    public var features: SeccompFeatures = []
    /// How `listen(2)` is restricted.
    ///
    /// The corresponding C field is `listen_mode`.
    public var listenMode: ListenMode = .off
    /// Classic BPF instructions of the filter (0 when none was built).
    ///
    /// The corresponding C field is `seccomp_instructions`.
    public var instructions = 0
    /// The listen supervisor's pid in per-port mode, else 0.
    ///
    /// The corresponding C field is `listen_supervisor_pid`.
    public var supervisorPID: Int32 = 0

    /// An empty status: no filter, listen not restricted.
    public init() {}
}

/// The seccomp part of a plan: pure.
struct SeccompPlan {
    /// The rules, in the form libseccomp is given.
    let ruleList: SeccompRuleList
    var features: SeccompFeatures = [.foreignArchBlocked]
    var listen: ListenMode
    var allowUnboundListen: Bool
    var blockFastOpen: Bool

    /// The rules as values (tests and reports).
    var rules: [SeccompRule] { ruleList.rules }

    init(socketsHandled: Bool, socketRules: [SocketRule], blockTCPBypass: Bool, listen: ListenMode, allowUnboundListen: Bool,
         blockFastOpen: Bool = false) {
        self.listen = listen
        self.allowUnboundListen = allowUnboundListen
        self.blockFastOpen = blockFastOpen
        // Room for exactly the rules of the common policy (Fast Open, the TCP
        // bypasses, listen, io_uring): no growth, no slack on a fresh heap page.
        let bypassOnly = !socketsHandled && blockTCPBypass
        ruleList = SeccompRuleList(capacity: (blockFastOpen ? 3 : 0) + (bypassOnly ? SocketPolicy.bypassOnlyRuleCount : 32)
                                   + (listen == .off ? 0 : 1) + 3)
        // Written out rule by rule, without array literals: see SeccompRuleList.
        if blockFastOpen {
            // TCP Fast Open connects inside sendto/sendmsg (MSG_FASTOPEN), and
            // Landlock's CONNECT_TCP check never sees it (landlock-lsm/linux#41):
            // refuse the flag, so the program connects with connect(2), which
            // Landlock checks. EOPNOTSUPP: clients fall back to connect().
            let fastOpen: UInt64 = 0x2000_0000
            ruleList.append(.sendto, .errno(EOPNOTSUPP), SeccompComparison(argument: 3, operation: .maskedEqual, mask: fastOpen, datum: fastOpen))
            ruleList.append(.sendmsg, .errno(EOPNOTSUPP), SeccompComparison(argument: 2, operation: .maskedEqual, mask: fastOpen, datum: fastOpen))
            ruleList.append(.sendmmsg, .errno(EOPNOTSUPP), SeccompComparison(argument: 3, operation: .maskedEqual, mask: fastOpen, datum: fastOpen))
            features.insert(.fastOpenBlocked)
        }
        if socketsHandled || blockTCPBypass {
            let policy = SocketPolicy(handled: socketsHandled, rules: socketRules, denyTCPBypass: blockTCPBypass)
            policy.appendDenyRules(errno: EACCES, to: ruleList)
            if socketsHandled { features.insert(.socketsHandled) }
            if blockTCPBypass { features.insert(.tcpBypassBlocked) }
        }
        switch listen {
        case .off: break
        case .denyAll: ruleList.append(.listen, .errno(EACCES))
        case .perPort: ruleList.append(.listen, .notify)
        }
        // io_uring can create, bind and listen sockets without these syscalls.
        // ENOSYS: programs treat it as "no io_uring here" and fall back.
        ruleList.append(.ioUringSetup, .errno(ENOSYS))
        ruleList.append(.ioUringEnter, .errno(ENOSYS))
        ruleList.append(.ioUringRegister, .errno(ENOSYS))
        features.insert(.ioUringBlocked)
    }

    var predictedStatus: SeccompStatus {
        var status = SeccompStatus()
        status.features = features
        status.listenMode = listen
        return status
    }

    /// Compiles the rules with libseccomp into a BPF program (before applying anything).
    func compile() throws(NetFenceError) -> nf_bpf_program {
        var program = nf_bpf_program()
        let rc = ruleList.withCRules { nf_seccomp_compile($0, $1, &program) }
        if rc < 0 { throw Self.compileError(rc, rules: ruleList.count) }
        return program
    }

    /// Why libseccomp could not compile the rules. (Out of line: this frame sits right above
    /// libseccomp's, at the deepest point of the apply path; see ``NetFenceError/invalid(_:)``.)
    @inline(never)
    private static func compileError(_ rc: Int32, rules: Int) -> NetFenceError {
        if rc == -ENOMEM { return .system(rc, "compiling the seccomp filter with libseccomp") }
        if rc == -E2BIG {
            return .failure(NetFenceError.Code(rawValue: E2BIG),
                "the seccomp filter for these \(rules) rules is over the kernel's limit of 4096 instructions: allow fewer (family, type, protocol) triples, or use wildcards")
        }
        // Anything else (a rule libseccomp refuses) is ours: EFAULT.
        return .failure(.internalError,
            "compiling the seccomp filter with libseccomp failed: \(String(cString: nf_strerror(-rc))) (a netfence bug)")
    }
}

/// Seccomp rules in the form libseccomp is given (`nf_seccomp_rule`, at most
/// three comparisons each), in malloc'd memory.
///
/// Not a Swift array, on purpose: the first array of an element type in a
/// process instantiates its metadata through the runtime's demangler, and in
/// a freshly forked process that alone cost more than the rest of netfence's
/// work on the apply path (page faults on cold runtime code; see
/// docs/performance.md). Appended to while a plan is built, read-only after.
/// (Unchecked exclusivity, as for the ruleset's properties: only this class's methods touch them.)
final class SeccompRuleList {
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var capacity = 0
    @exclusivity(unchecked) private var cRules: UnsafeMutablePointer<nf_seccomp_rule>

    /// An empty list with room for `capacity` rules before it grows.
    init(capacity: Int = 32) {
        self.capacity = max(capacity, 1)
        cRules = .allocate(capacity: self.capacity)
    }

    deinit {
        cRules.deallocate()
    }

    /// Appends a rule: `action` when every given comparison holds.
    func append(_ syscall: SeccompSyscall, _ action: SeccompRule.Action,
                _ first: SeccompComparison? = nil, _ second: SeccompComparison? = nil, _ third: SeccompComparison? = nil) {
        if count == capacity { grow() }
        var rule = nf_seccomp_rule()
        rule.syscall = syscall.number
        switch action {
        case .errno(let value): rule.action = UInt32(value)
        case .notify: rule.action = UInt32(NF_SECCOMP_NOTIFY)
        }
        if let first {
            rule.cmp.0 = nf_seccomp_cmp(first)
            rule.count = 1
            if let second {
                rule.cmp.1 = nf_seccomp_cmp(second)
                rule.count = 2
                if let third {
                    rule.cmp.2 = nf_seccomp_cmp(third)
                    rule.count = 3
                }
            }
        }
        (cRules + count).initialize(to: rule)
        count += 1
    }

    /// Appends a rule of the general path (at most three comparisons).
    func append(_ rule: SeccompRule) {
        let comparisons = rule.comparisons
        precondition(comparisons.count <= 3, "a seccomp rule compares at most three arguments")
        append(rule.syscall, rule.action, comparisons.count > 0 ? comparisons[0] : nil,
               comparisons.count > 1 ? comparisons[1] : nil, comparisons.count > 2 ? comparisons[2] : nil)
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newRules = UnsafeMutablePointer<nf_seccomp_rule>.allocate(capacity: newCapacity)
        newRules.moveInitialize(from: cRules, count: count)
        cRules.deallocate()
        cRules = newRules
        capacity = newCapacity
    }

    func withCRules<R>(_ body: (UnsafePointer<nf_seccomp_rule>?, Int) -> R) -> R {
        body(UnsafePointer(cRules), count)
    }

    /// The rules as values.
    var rules: [SeccompRule] {
        (0..<count).map { index in
            let rule = cRules[index]
            let action: SeccompRule.Action = rule.action == UInt32(NF_SECCOMP_NOTIFY) ? .notify : .errno(Int32(rule.action))
            let slots = [rule.cmp.0, rule.cmp.1, rule.cmp.2].prefix(Int(rule.count))
            let syscall = SeccompSyscall.allCases.first { $0.number == rule.syscall }!
            return SeccompRule(syscall: syscall, action: action, comparisons: slots.map {
                SeccompComparison(argument: $0.arg, operation: SeccompComparison.Operation(rawValue: $0.op)!, mask: $0.mask, datum: $0.datum)
            })
        }
    }
}

extension nf_seccomp_cmp {
    init(_ comparison: SeccompComparison) {
        self.init()
        self.arg = comparison.argument
        self.op = comparison.operation.rawValue
        self.mask = comparison.mask
        self.datum = comparison.datum
    }
}
