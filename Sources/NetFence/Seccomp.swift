// SPDX-License-Identifier: MIT
import Glibc
import NetFenceFilters
import NetFenceSystem

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
    /// MPTCP, SCTP and SMC sockets (and `AF_SMC`), raw IP sockets (`SOCK_RAW`) and packet sockets
    /// (`AF_PACKET`, `SOCK_PACKET`), which reach TCP ports around Landlock's TCP rights, are denied
    /// unless a rule names them (a type or protocol wildcard does not). Set when TCP bind or connect
    /// rights go to the kernel.
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
    /// What the filter does, for the filters module.
    var spec: FilterSpec
    var features: SeccompFeatures
    var listen: ListenMode
    /// Whether the supervisor lets an unbound socket listen (a rule on port 0).
    var allowUnboundListen: Bool

    init(socketsHandled: Bool, socketRules: [SocketRule], blockTCPBypass: Bool, listen: ListenMode, allowUnboundListen: Bool,
         blockFastOpen: Bool = false) {
        let filterListen: FilterSpec.Listen = switch listen {
        case .off: .unrestricted
        case .denyAll: .denied
        case .perPort: .supervised
        }
        spec = FilterSpec(socketsHandled: socketsHandled, socketRules: socketRules.map(\.triple), blockTCPBypass: blockTCPBypass,
                          listen: filterListen, blockFastOpen: blockFastOpen)
        self.listen = listen
        self.allowUnboundListen = allowUnboundListen
        // io_uring is closed by every filter; foreign ABIs as the spec says.
        features = [.ioUringBlocked]
        if case .killProcess = spec.foreignABIAction { features.insert(.foreignArchBlocked) }
        if blockFastOpen { features.insert(.fastOpenBlocked) }
        if socketsHandled { features.insert(.socketsHandled) }
        if blockTCPBypass { features.insert(.tcpBypassBlocked) }
    }

    /// The rules as values (tests and reports).
    var rules: [SeccompRule] { spec.rules }

    /// Every listen() denied instead of supervised: the supervisor could not start.
    mutating func failClosedOnListen() {
        spec.listen = .denied
        listen = .denyAll
        allowUnboundListen = false
        features.insert(.listenFailClosed)
    }

    var predictedStatus: SeccompStatus {
        var status = SeccompStatus()
        status.features = features
        status.listenMode = listen
        return status
    }

    /// The BPF program: the one embedded at build time when the filter does
    /// not depend on the caller's socket rules (and the build compiled it for
    /// this architecture), else compiled with libseccomp now.
    func program() throws(NetFenceError) -> BPFProgram {
        if let index = spec.fixedIndex, embeddedFilterArchitecture == nf_seccomp_native_arch() {
            return embeddedFilterProgram(index)
        }
        do {
            return try spec.compile()
        } catch {
            throw Self.compileError(error)
        }
    }

    /// Why libseccomp could not compile the rules.
    private static func compileError(_ error: FilterCompileError) -> NetFenceError {
        switch error {
        case .outOfMemory:
            return .system(-ENOMEM, "compiling the seccomp filter with libseccomp")
        case .tooLarge(let rules):
            return NetFenceError(code: NetFenceError.Code(rawValue: E2BIG), reason: .filterTooLarge, message:
                "the seccomp filter for these \(rules) rules is over the kernel's limit of 4096 instructions: allow fewer (family, type, protocol) triples, or use wildcards")
        case .refused(let errno):
            // A rule libseccomp refuses is ours: EFAULT.
            return NetFenceError(code: .internalError, reason: .internalError, message:
                "compiling the seccomp filter with libseccomp failed: \(String(cString: nf_strerror(errno))) (a netfence bug)")
        }
    }
}
