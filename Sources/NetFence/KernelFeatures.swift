// SPDX-License-Identifier: MIT
import NetFenceSystem
import Glibc

/// What the running kernel offers netfence, for `netfence status` and diagnostics.
///
/// ``probe()`` only reads: nothing is restricted.
public struct KernelFeatures: Sendable {
    /// Landlock ABI (> 0), or -ENOSYS / -EOPNOTSUPP.
    public var landlockABI: Int32
    /// Errata mask, or a negative errno when the kernel cannot report it.
    public var landlockErrata: Int32
    /// The network rights this kernel can enforce: the Landlock rights of its ABI, plus
    /// ``AccessNet/listenTCP`` (netfence's own, listed whatever the kernel).
    public var net: AccessNet
    /// The filesystem rights of the running Landlock ABI (empty without Landlock).
    public var fs: AccessFS
    /// The scopes of the running Landlock ABI (ABI 6).
    public var scopes: Scope
    /// The log flags of the running Landlock ABI (ABI 7).
    public var logFlags: RestrictFlags
    /// Landlock TSYNC (ABI 8).
    public var landlockThreadSync: Bool
    /// Whether seccomp filters are available: the socket allow-list, the listen restriction and the
    /// io_uring, foreign-ABI and MPTCP/SCTP/SMC blocks need them.
    public var seccompFilter: Bool
    /// seccomp user notification (needed for per-port listen rules).
    public var seccompUserNotification: Bool
    /// /proc/sys/kernel/io_uring_disabled (0 enabled, 1 restricted, 2 disabled), nil if absent.
    public var ioUringDisabled: Int32?
    /// /proc/sys/kernel/yama/ptrace_scope, nil without Yama.
    public var yamaPtraceScope: Int32?
    /// net.ipv4.ip_unprivileged_port_start.
    public var unprivilegedPortStart: Int32?
    /// seccomp filters already attached to this process (nil if unknown):
    /// with any, per-port listen rules fail closed (one listener per chain).
    public var attachedSeccompFilters: Int32?

    /// The filesystem rights the running kernel's Landlock handles (the ABI probe alone, cached:
    /// none of ``probe()``'s seccomp and `/proc/sys` reads).
    package static var supportedFS: AccessFS { KernelSupport(abi: max(kernelLandlockABI, 0)).fs }

    /// Probes the running kernel (no side effect).
    ///
    /// - Returns: The features, read from the Landlock ABI probe, seccomp and `/proc/sys`.
    public static func probe() -> KernelFeatures {
        let abi = kernelLandlockABI
        let support = KernelSupport(abi: max(abi, 0))
        func optional(_ path: String) -> Int32? {
            let value = nf_read_int_file(path)
            return value >= 0 ? value : nil
        }
        return KernelFeatures(
            landlockABI: abi,
            landlockErrata: kernelLandlockErrata(),
            net: support.net.union(.listenTCP),
            fs: support.fs,
            scopes: support.scopes,
            logFlags: support.logFlags,
            landlockThreadSync: support.threadSync,
            seccompFilter: nf_seccomp_filter_available() == 1,
            seccompUserNotification: nf_seccomp_action_available(NF_SECCOMP_RET_USER_NOTIF) == 1,
            ioUringDisabled: optional("/proc/sys/kernel/io_uring_disabled"),
            yamaPtraceScope: optional("/proc/sys/kernel/yama/ptrace_scope"),
            unprivilegedPortStart: optional("/proc/sys/net/ipv4/ip_unprivileged_port_start"),
            attachedSeccompFilters: { let n = nf_seccomp_filter_count(); return n >= 0 ? n : nil }())
    }

    /// The Landlock ABI that introduced a network right.
    ///
    /// - Parameter right: One right.
    /// - Returns: The ABI, or `nil` for netfence's own ``AccessNet/listenTCP``.
    public static func landlockABI(for right: AccessNet) -> Int32? {
        (1...LandlockABI.newestKnown.rawValue).first { KernelSupport(abi: $0).net.contains(right) }
    }

    /// The Landlock ABI that introduced a filesystem right.
    ///
    /// - Parameter right: One right.
    /// - Returns: The ABI (1 to 9).
    public static func landlockABI(for right: AccessFS) -> Int32? {
        (1...LandlockABI.newestKnown.rawValue).first { KernelSupport(abi: $0).fs.contains(right) }
    }

    /// The Landlock ABI that introduced a scope.
    ///
    /// - Parameter scope: One scope.
    /// - Returns: The ABI (6).
    public static func landlockABI(for scope: Scope) -> Int32? {
        (1...LandlockABI.newestKnown.rawValue).first { KernelSupport(abi: $0).scopes.contains(scope) }
    }

    /// The network rights with their names in reports (`bind_tcp`).
    public static var netRightNames: [(AccessNet, String)] { AccessNet.names }
    /// The filesystem rights with their names in reports (`read_file`).
    public static var fsRightNames: [(AccessFS, String)] { AccessFS.names }
    /// The scopes with their names in reports (`abstract_unix_socket`).
    public static var scopeNames: [(Scope, String)] { Scope.names }
}
