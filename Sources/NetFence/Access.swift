// SPDX-License-Identifier: MIT

/// Network rights, with the kernel's `LANDLOCK_ACCESS_NET_*` bit values.
///
/// Handle a right with ``Ruleset/handle(_:)-(AccessNet)`` to deny it everywhere, then allow it
/// per port with ``Ruleset/allow(_:port:)`` or ``Ruleset/allow(_:ports:)``.
public struct AccessNet: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `bind(2)` a TCP socket to a local port (Landlock ABI 4). C: `NETFENCE_ACCESS_NET_BIND_TCP`.
    public static let bindTCP = AccessNet(rawValue: 1 << 0)
    /// `connect(2)` a TCP socket to a remote port (ABI 4). C: `NETFENCE_ACCESS_NET_CONNECT_TCP`.
    public static let connectTCP = AccessNet(rawValue: 1 << 1)
    /// `bind(2)` a UDP socket to a local port (ABI 10). C: `NETFENCE_ACCESS_NET_BIND_UDP`.
    public static let bindUDP = AccessNet(rawValue: 1 << 2)
    /// Set a UDP remote port with `connect(2)` or an explicit `sendto(2)` destination (ABI 10).
    /// C: `NETFENCE_ACCESS_NET_CONNECT_SEND_UDP`.
    public static let connectSendUDP = AccessNet(rawValue: 1 << 3)

    /// `listen(2)` on a TCP (or MPTCP) socket, by its bound local port; port 0 means a
    /// socket that was never bound (listen() then picks an ephemeral port, which
    /// Landlock never checks). netfence-defined and enforced in user space with
    /// seccomp: bit 63 so that it can never clash with a kernel right.
    /// C: `NETFENCE_ACCESS_NET_LISTEN_TCP`.
    public static let listenTCP = AccessNet(rawValue: 1 << 63)

    /// Every network right this version of netfence knows.
    public static let known: AccessNet = [.bindTCP, .connectTCP, .bindUDP, .connectSendUDP, .listenTCP]
    /// Rights the kernel enforces (Landlock); the others are netfence's own.
    static let kernelRights: AccessNet = [.bindTCP, .connectTCP, .bindUDP, .connectSendUDP]

    static let names: [(AccessNet, String)] = [
        (.bindTCP, "bind_tcp"), (.connectTCP, "connect_tcp"),
        (.bindUDP, "bind_udp"), (.connectSendUDP, "connect_send_udp"), (.listenTCP, "listen_tcp"),
    ]

    public var description: String { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// Filesystem rights, with the kernel's `LANDLOCK_ACCESS_FS_*` bit values (up to ABI 9).
public struct AccessFS: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let execute = AccessFS(rawValue: 1 << 0)
    public static let writeFile = AccessFS(rawValue: 1 << 1)
    public static let readFile = AccessFS(rawValue: 1 << 2)
    public static let readDir = AccessFS(rawValue: 1 << 3)
    public static let removeDir = AccessFS(rawValue: 1 << 4)
    public static let removeFile = AccessFS(rawValue: 1 << 5)
    public static let makeChar = AccessFS(rawValue: 1 << 6)
    public static let makeDir = AccessFS(rawValue: 1 << 7)
    public static let makeReg = AccessFS(rawValue: 1 << 8)
    public static let makeSock = AccessFS(rawValue: 1 << 9)
    public static let makeFifo = AccessFS(rawValue: 1 << 10)
    public static let makeBlock = AccessFS(rawValue: 1 << 11)
    public static let makeSym = AccessFS(rawValue: 1 << 12)
    /// ABI 2.
    public static let refer = AccessFS(rawValue: 1 << 13)
    /// ABI 3.
    public static let truncate = AccessFS(rawValue: 1 << 14)
    /// ABI 5.
    public static let ioctlDev = AccessFS(rawValue: 1 << 15)
    /// ABI 9.
    public static let resolveUnix = AccessFS(rawValue: 1 << 16)

    /// Every filesystem right this version of netfence knows.
    public static let known = AccessFS(rawValue: (1 << 17) - 1)
    /// The rights that make sense on a non-directory (the kernel refuses the others there).
    public static let fileRights: AccessFS = [.execute, .writeFile, .readFile, .truncate, .ioctlDev]

    static let names: [(AccessFS, String)] = [
        (.execute, "execute"), (.writeFile, "write_file"), (.readFile, "read_file"),
        (.readDir, "read_dir"), (.removeDir, "remove_dir"), (.removeFile, "remove_file"),
        (.makeChar, "make_char"), (.makeDir, "make_dir"), (.makeReg, "make_reg"),
        (.makeSock, "make_sock"), (.makeFifo, "make_fifo"), (.makeBlock, "make_block"),
        (.makeSym, "make_sym"), (.refer, "refer"), (.truncate, "truncate"),
        (.ioctlDev, "ioctl_dev"), (.resolveUnix, "resolve_unix"),
    ]

    public var description: String { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// IPC scopes, with the kernel's `LANDLOCK_SCOPE_*` bit values (ABI 6).
public struct Scope: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Deny connecting to abstract UNIX sockets created outside the sandbox.
    public static let abstractUnixSocket = Scope(rawValue: 1 << 0)
    /// Deny signalling processes outside the sandbox.
    public static let signal = Scope(rawValue: 1 << 1)

    public static let known: Scope = [.abstractUnixSocket, .signal]

    static let names: [(Scope, String)] = [(.abstractUnixSocket, "abstract_unix_socket"), (.signal, "signal")]

    public var description: String { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// Flags for ``Ruleset/restrictSelf(_:)``. The log flags are the kernel's
/// `LANDLOCK_RESTRICT_SELF_LOG_*` values (ABI 7).
public struct RestrictFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Do not log denials of the calling program. C: `NETFENCE_RESTRICT_LOG_SAME_EXEC_OFF`.
    public static let logSameExecOff = RestrictFlags(rawValue: 1 << 0)
    /// Log denials after the next `execve(2)` too. C: `NETFENCE_RESTRICT_LOG_NEW_EXEC_ON`.
    public static let logNewExecOn = RestrictFlags(rawValue: 1 << 1)
    /// Do not log denials of nested domains. C: `NETFENCE_RESTRICT_LOG_SUBDOMAINS_OFF`.
    public static let logSubdomainsOff = RestrictFlags(rawValue: 1 << 2)
    /// netfence's own flag, never passed to the kernel: accept restricting only the calling
    /// thread when other threads exist and the kernel has no TSYNC (ABI < 8).
    /// C: `NETFENCE_RESTRICT_CALLING_THREAD_ONLY`.
    public static let callingThreadOnly = RestrictFlags(rawValue: 1 << 31)

    /// Flags that go to the kernel.
    static let kernelLogFlags: RestrictFlags = [.logSameExecOff, .logNewExecOn, .logSubdomainsOff]
    public static let known: RestrictFlags = [.logSameExecOff, .logNewExecOn, .logSubdomainsOff, .callingThreadOnly]

    static let names: [(RestrictFlags, String)] = [
        (.logSameExecOff, "log_same_exec_off"), (.logNewExecOn, "log_new_exec_on"),
        (.logSubdomainsOff, "log_subdomains_off"), (.callingThreadOnly, "calling_thread_only"),
    ]

    public var description: String {
        describeBits(UInt64(rawValue), Self.names.map { (UInt64($0.0.rawValue), $0.1) })
    }
}

/// What to do when the running kernel lacks something the ruleset asks for
/// (rust-landlock's levels).
public enum CompatibilityLevel: UInt32, Sendable, CaseIterable {
    /// Drop what the kernel lacks, enforce the rest, report what was dropped. The default.
    case bestEffort = 0
    /// If anything is missing, enforce nothing at all and report ``EnforcementLevel/notEnforced``.
    case softRequirement = 1
    /// If anything is missing, throw before applying anything: ``NetFenceError/Code/notSupported``,
    /// or ``NetFenceError/Code/notImplemented`` when Landlock is not built into the kernel.
    case hardRequirement = 2
}

func describeBits(_ bits: UInt64, _ names: [(UInt64, String)]) -> String {
    if bits == 0 { return "none" }
    var parts: [String] = []
    var rest = bits
    for (bit, name) in names where bits & bit != 0 {
        parts.append(name)
        rest &= ~bit
    }
    if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
    return parts.joined(separator: "|")
}
