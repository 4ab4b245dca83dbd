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
    var rules: [SeccompRule] = []
    var features: SeccompFeatures = [.foreignArchBlocked]
    var listen: ListenMode
    var allowUnboundListen: Bool
    var blockFastOpen: Bool

    init(socketsHandled: Bool, socketRules: [SocketRule], blockTCPBypass: Bool, listen: ListenMode, allowUnboundListen: Bool,
         blockFastOpen: Bool = false) {
        self.listen = listen
        self.allowUnboundListen = allowUnboundListen
        self.blockFastOpen = blockFastOpen
        if blockFastOpen {
            // TCP Fast Open connects inside sendto/sendmsg (MSG_FASTOPEN), and
            // Landlock's CONNECT_TCP check never sees it (landlock-lsm/linux#41):
            // refuse the flag, so the program connects with connect(2), which
            // Landlock checks. EOPNOTSUPP: clients fall back to connect().
            let fastOpen: UInt64 = 0x2000_0000
            rules.append(SeccompRule(syscall: "sendto", action: .errno(EOPNOTSUPP), comparisons: [
                SeccompComparison(argument: 3, operation: .maskedEqual, mask: fastOpen, datum: fastOpen)]))
            rules.append(SeccompRule(syscall: "sendmsg", action: .errno(EOPNOTSUPP), comparisons: [
                SeccompComparison(argument: 2, operation: .maskedEqual, mask: fastOpen, datum: fastOpen)]))
            rules.append(SeccompRule(syscall: "sendmmsg", action: .errno(EOPNOTSUPP), comparisons: [
                SeccompComparison(argument: 3, operation: .maskedEqual, mask: fastOpen, datum: fastOpen)]))
            features.insert(.fastOpenBlocked)
        }
        if socketsHandled || blockTCPBypass {
            let policy = SocketPolicy(handled: socketsHandled, rules: socketRules, denyTCPBypass: blockTCPBypass)
            rules += policy.denyRules(errno: EACCES)
            if socketsHandled { features.insert(.socketsHandled) }
            if blockTCPBypass { features.insert(.tcpBypassBlocked) }
        }
        switch listen {
        case .off: break
        case .denyAll: rules.append(SeccompRule(syscall: "listen", action: .errno(EACCES), comparisons: []))
        case .perPort: rules.append(SeccompRule(syscall: "listen", action: .notify, comparisons: []))
        }
        // io_uring can create, bind and listen sockets without these syscalls.
        // ENOSYS: programs treat it as "no io_uring here" and fall back.
        for syscall: StaticString in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
            rules.append(SeccompRule(syscall: syscall, action: .errno(ENOSYS), comparisons: []))
        }
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
        var cRules: [nf_seccomp_rule] = []
        cRules.reserveCapacity(rules.count)
        for rule in rules {
            var c = nf_seccomp_rule()
            c.syscall = UnsafeRawPointer(rule.syscall.utf8Start).assumingMemoryBound(to: CChar.self)
            switch rule.action {
            case .errno(let value): c.action = UInt32(value)
            case .notify: c.action = UInt32(NF_SECCOMP_NOTIFY)
            }
            c.count = UInt32(rule.comparisons.count)
            withUnsafeMutableBytes(of: &c.cmp) { raw in
                let slots = raw.bindMemory(to: nf_seccomp_cmp.self)
                for (index, comparison) in rule.comparisons.prefix(3).enumerated() {
                    slots[index] = nf_seccomp_cmp(argument: comparison.argument, op: comparison.operation.rawValue,
                                                  mask: comparison.mask, datum: comparison.datum)
                }
            }
            cRules.append(c)
        }
        var program = nf_bpf_program()
        let rc = cRules.withUnsafeBufferPointer { nf_seccomp_compile($0.baseAddress, $0.count, &program) }
        if rc == -ENOMEM { throw .system(rc, "compiling the seccomp filter with libseccomp") }
        // Anything else (an unknown syscall name, a refused rule) is ours: EFAULT.
        if rc < 0 {
            throw NetFenceError(code: .internalError, message:
                "compiling the seccomp filter with libseccomp failed: \(String(cString: nf_strerror(-rc))) (a netfence bug)")
        }
        return program
    }
}

extension nf_seccomp_cmp {
    init(argument: UInt32, op: UInt32, mask: UInt64, datum: UInt64) {
        self.init()
        self.arg = argument
        self.op = op
        self.mask = mask
        self.datum = datum
    }
}
