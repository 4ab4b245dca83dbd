// SPDX-License-Identifier: MIT
import CNetFenceShim
import Glibc

/// How `listen(2)` is restricted. C: `NETFENCE_LISTEN_*`.
public enum ListenMode: UInt32, Sendable {
    /// Not restricted.
    case off = 0
    /// Every listen() fails with EACCES (no listen rule; or fail-closed).
    case denyAll = 1
    /// A supervisor process checks the socket's bound port (seccomp user notification).
    case perPort = 2
}

/// What the seccomp filter does. C: `NETFENCE_SECCOMP_*`.
public struct SeccompFeatures: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// socket()/socketpair() only for allowed (family, type, protocol).
    public static let socketsHandled = SeccompFeatures(rawValue: 1 << 0)
    /// io_uring_setup/enter/register fail with ENOSYS (io_uring can create,
    /// bind and listen sockets without the filtered syscalls).
    public static let ioUringBlocked = SeccompFeatures(rawValue: 1 << 1)
    /// A foreign syscall ABI (i386 `int 0x80`, x32) kills the process.
    public static let foreignArchBlocked = SeccompFeatures(rawValue: 1 << 2)
    /// MPTCP and SCTP sockets and AF_SMC, which Landlock's TCP rights do not
    /// cover, are denied unless a rule names them.
    public static let tcpBypassBlocked = SeccompFeatures(rawValue: 1 << 3)
    /// Listen rules exist but the supervisor could not run: every listen() is denied.
    public static let listenFailClosed = SeccompFeatures(rawValue: 1 << 4)

    static let names: [(UInt64, String)] = [
        (1, "sockets_handled"), (2, "io_uring_blocked"), (4, "foreign_arch_blocked"),
        (8, "tcp_bypass_blocked"), (16, "listen_fail_closed"),
    ]

    public var description: String { describeBits(UInt64(rawValue), Self.names) }
}

/// The seccomp part of a status.
public struct SeccompStatus: Equatable, Sendable {
    /// Whether the filter is loaded.
    public var installed = false
    public var features: SeccompFeatures = []
    public var listenMode: ListenMode = .off
    /// Classic BPF instructions of the filter.
    public var instructions = 0
    /// The listen() supervisor's pid in per-port mode, else 0.
    public var supervisorPID: Int32 = 0

    public init() {}
}

/// The seccomp part of a plan: pure.
struct SeccompPlan {
    var rules: [SeccompRule] = []
    var features: SeccompFeatures = [.foreignArchBlocked]
    var listen: ListenMode
    var allowUnboundListen: Bool

    init(socketsHandled: Bool, socketRules: [SocketRule], blockTCPBypass: Bool, listen: ListenMode, allowUnboundListen: Bool) {
        self.listen = listen
        self.allowUnboundListen = allowUnboundListen
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
        if rc < 0 { throw .system(rc, "compiling the seccomp filter with libseccomp") }
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
