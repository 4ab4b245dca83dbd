// SPDX-License-Identifier: MIT

/// Network rights, with the kernel's `LANDLOCK_ACCESS_NET_*` bit values.
///
/// Handle a right with ``Ruleset/handle(_:)-(AccessNet)`` to deny it everywhere, then allow it
/// per port with ``Ruleset/allow(_:port:)`` or ``Ruleset/allow(_:ports:)``. A right that is not
/// handled stays allowed. Rules match ports only, never addresses.
///
/// The corresponding C constants are `NETFENCE_ACCESS_NET_*`.
public struct AccessNet: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The rights as a bitmask: the kernel's bits, and bit 63 for ``listenTCP``.
    public let rawValue: UInt64
    /// Creates a set from a bitmask. Bits outside ``known`` are kept here; a ``Ruleset`` rejects them
    /// with ``NetFenceError/Code/invalidArgument``.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `bind(2)` a TCP socket to a local port (Landlock ABI 4, Linux 6.7).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_NET_BIND_TCP`.
    public static let bindTCP = AccessNet(rawValue: 1 << 0)
    /// `connect(2)` a TCP socket to a remote port (Landlock ABI 4, Linux 6.7).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_NET_CONNECT_TCP`.
    public static let connectTCP = AccessNet(rawValue: 1 << 1)
    /// `bind(2)` a UDP socket to a local port (Landlock ABI 10, Linux 7.2).
    ///
    /// When it is handled, the implicit bind of an unbound socket (by `connect(2)` or its first
    /// send) needs a port-0 rule.
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_NET_BIND_UDP`.
    public static let bindUDP = AccessNet(rawValue: 1 << 2)
    /// Set a UDP remote port with `connect(2)`, or send with an explicit destination
    /// (`sendto(2)`, `sendmsg(2)`) (Landlock ABI 10, Linux 7.2).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_NET_CONNECT_SEND_UDP`.
    public static let connectSendUDP = AccessNet(rawValue: 1 << 3)

    /// `listen(2)` on a TCP (or MPTCP) socket, by its bound local port.
    ///
    /// Port 0 means a socket that was never bound: `listen()` then picks an ephemeral port, which
    /// Landlock never checks. netfence-defined and enforced in user space with seccomp (no released
    /// kernel has a listen right); bit 63 so that it can never clash with a kernel right. Handled
    /// with no rule, every `listen()` is denied, whatever the socket's family (seccomp sees only the
    /// descriptor). With rules, a supervisor process checks each `listen()`.
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_NET_LISTEN_TCP`.
    public static let listenTCP = AccessNet(rawValue: 1 << 63)

    /// Every network right this version of netfence knows.
    public static let known: AccessNet = [.bindTCP, .connectTCP, .bindUDP, .connectSendUDP, .listenTCP]
    /// Rights the kernel enforces (Landlock); the others are netfence's own.
    static let kernelRights: AccessNet = [.bindTCP, .connectTCP, .bindUDP, .connectSendUDP]

    static let names: [(AccessNet, String)] = [
        (.bindTCP, "bind_tcp"), (.connectTCP, "connect_tcp"),
        (.bindUDP, "bind_udp"), (.connectSendUDP, "connect_send_udp"), (.listenTCP, "listen_tcp"),
    ]

    /// The rights' names joined with `|` (`bind_tcp|connect_tcp`), as in the status report; `none` when empty.
    public var description: String { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// Filesystem rights, with the kernel's `LANDLOCK_ACCESS_FS_*` bit values (up to ABI 9).
///
/// Handle rights with ``Ruleset/handle(_:)-(AccessFS)`` to deny them everywhere, then allow them
/// beneath paths with ``Ruleset/allow(_:beneath:)``. They share one Landlock ruleset with the
/// network rights.
///
/// The corresponding C constants are `NETFENCE_ACCESS_FS_*`.
public struct AccessFS: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The rights as a bitmask (the kernel's bits).
    public let rawValue: UInt64
    /// Creates a set from a bitmask. Bits outside ``known`` are kept here; a ``Ruleset`` rejects them
    /// with ``NetFenceError/Code/invalidArgument``.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Execute a file (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_EXECUTE`.
    public static let execute = AccessFS(rawValue: 1 << 0)
    /// Open a file with write access (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_WRITE_FILE`.
    public static let writeFile = AccessFS(rawValue: 1 << 1)
    /// Open a file with read access (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_READ_FILE`.
    public static let readFile = AccessFS(rawValue: 1 << 2)
    /// Open a directory or list its content (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_READ_DIR`.
    public static let readDir = AccessFS(rawValue: 1 << 3)
    /// Remove an empty directory, or rename one (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_REMOVE_DIR`.
    public static let removeDir = AccessFS(rawValue: 1 << 4)
    /// Unlink or rename a file (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_REMOVE_FILE`.
    public static let removeFile = AccessFS(rawValue: 1 << 5)
    /// Create, rename or link a character device (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_CHAR`.
    public static let makeChar = AccessFS(rawValue: 1 << 6)
    /// Create or rename a directory (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_DIR`.
    public static let makeDir = AccessFS(rawValue: 1 << 7)
    /// Create, rename or link a regular file (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_REG`.
    public static let makeReg = AccessFS(rawValue: 1 << 8)
    /// Create, rename or link a UNIX domain socket (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_SOCK`.
    public static let makeSock = AccessFS(rawValue: 1 << 9)
    /// Create, rename or link a named pipe (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_FIFO`.
    public static let makeFifo = AccessFS(rawValue: 1 << 10)
    /// Create, rename or link a block device (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_BLOCK`.
    public static let makeBlock = AccessFS(rawValue: 1 << 11)
    /// Create, rename or link a symbolic link (Landlock ABI 1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_MAKE_SYM`.
    public static let makeSym = AccessFS(rawValue: 1 << 12)
    /// Link or rename a file from or to a different directory (Landlock ABI 2, Linux 5.19).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_REFER`.
    public static let refer = AccessFS(rawValue: 1 << 13)
    /// Truncate a file: `truncate(2)`, `ftruncate(2)`, `creat(2)`, `open(2)` with `O_TRUNC`
    /// (Landlock ABI 3, Linux 6.2).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_TRUNCATE`.
    public static let truncate = AccessFS(rawValue: 1 << 14)
    /// Use `ioctl(2)` on a character or block device (Landlock ABI 5, Linux 6.10).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_IOCTL_DEV`.
    public static let ioctlDev = AccessFS(rawValue: 1 << 15)
    /// Connect or send to a named UNIX socket created outside the sandbox (Landlock ABI 9, Linux 7.1).
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_RESOLVE_UNIX`.
    public static let resolveUnix = AccessFS(rawValue: 1 << 16)

    /// Every filesystem right this version of netfence knows.
    public static let known = AccessFS(rawValue: (1 << 17) - 1)
    /// The rights that make sense on a non-directory (the kernel refuses the others there).
    ///
    /// ``Ruleset/allow(_:beneath:)`` keeps only these for a path that is not a directory.
    ///
    /// The corresponding C constant is `NETFENCE_ACCESS_FS_FILE_RIGHTS`.
    public static let fileRights: AccessFS = [.execute, .writeFile, .readFile, .truncate, .ioctlDev]

    static let names: [(AccessFS, String)] = [
        (.execute, "execute"), (.writeFile, "write_file"), (.readFile, "read_file"),
        (.readDir, "read_dir"), (.removeDir, "remove_dir"), (.removeFile, "remove_file"),
        (.makeChar, "make_char"), (.makeDir, "make_dir"), (.makeReg, "make_reg"),
        (.makeSock, "make_sock"), (.makeFifo, "make_fifo"), (.makeBlock, "make_block"),
        (.makeSym, "make_sym"), (.refer, "refer"), (.truncate, "truncate"),
        (.ioctlDev, "ioctl_dev"), (.resolveUnix, "resolve_unix"),
    ]

    /// The rights' names joined with `|` (`read_file|read_dir`), as in the status report; `none` when empty.
    public var description: String { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// IPC scopes, with the kernel's `LANDLOCK_SCOPE_*` bit values (Landlock ABI 6, Linux 6.12).
///
/// Set them with ``Ruleset/setScopes(_:)``.
///
/// The corresponding C constants are `NETFENCE_SCOPE_*`.
public struct Scope: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The scopes as a bitmask (the kernel's bits).
    public let rawValue: UInt64
    /// Creates a set from a bitmask. Bits outside ``known`` are kept here; a ``Ruleset`` rejects them
    /// with ``NetFenceError/Code/invalidArgument``.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Deny connecting to abstract UNIX sockets created outside the sandbox.
    ///
    /// The corresponding C constant is `NETFENCE_SCOPE_ABSTRACT_UNIX_SOCKET`.
    public static let abstractUnixSocket = Scope(rawValue: 1 << 0)
    /// Deny sending signals to processes outside the sandbox.
    ///
    /// The corresponding C constant is `NETFENCE_SCOPE_SIGNAL`.
    public static let signal = Scope(rawValue: 1 << 1)

    /// Every scope this version of netfence knows.
    public static let known: Scope = [.abstractUnixSocket, .signal]

    static let names: [(Scope, String)] = [(.abstractUnixSocket, "abstract_unix_socket"), (.signal, "signal")]

    /// The scopes' names joined with `|` (`abstract_unix_socket|signal`); `none` when empty.
    public var description: String { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// Flags for ``Ruleset/restrictSelf(_:)``.
///
/// The log flags are the kernel's `LANDLOCK_RESTRICT_SELF_LOG_*` values (Landlock ABI 7, Linux 6.15);
/// ``callingThreadOnly`` is netfence's own.
///
/// The corresponding C constants are `NETFENCE_RESTRICT_*`.
public struct RestrictFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The flags as a bitmask.
    public let rawValue: UInt32
    /// Creates a set from a bitmask. Bits outside ``known`` make ``Ruleset/restrictSelf(_:)`` throw
    /// ``NetFenceError/Code/invalidArgument``.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Do not log denials of the calling program, for example an interpreter (Landlock ABI 7).
    ///
    /// The corresponding C constant is `NETFENCE_RESTRICT_LOG_SAME_EXEC_OFF`.
    public static let logSameExecOff = RestrictFlags(rawValue: 1 << 0)
    /// Also log denials after the next `execve(2)` (Landlock ABI 7).
    ///
    /// The corresponding C constant is `NETFENCE_RESTRICT_LOG_NEW_EXEC_ON`.
    public static let logNewExecOn = RestrictFlags(rawValue: 1 << 1)
    /// Do not log denials of nested domains created later (Landlock ABI 7).
    ///
    /// The corresponding C constant is `NETFENCE_RESTRICT_LOG_SUBDOMAINS_OFF`.
    public static let logSubdomainsOff = RestrictFlags(rawValue: 1 << 2)
    /// Accept restricting only the calling thread when the process has other threads and a layer
    /// cannot cover them: capabilities (always), Landlock before ABI 8.
    ///
    /// netfence's own flag, never passed to the kernel. Without it such a call throws
    /// ``NetFenceError/Code/otherThreads`` before applying anything. The other threads keep their
    /// network access and their capabilities.
    ///
    /// The corresponding C constant is `NETFENCE_RESTRICT_CALLING_THREAD_ONLY`.
    public static let callingThreadOnly = RestrictFlags(rawValue: 1 << 31)
    /// Accept that io_uring kernel threads of the process (an SQPOLL ring's `iou-sqp-` thread,
    /// `iou-wrk-` workers) stay unrestricted: they run ring operations with the credentials of the
    /// ring's creation, which no later restriction reaches.
    ///
    /// netfence's own flag, never passed to the kernel. Without it, their presence throws
    /// ``NetFenceError/Code/otherThreads``, even with ``callingThreadOnly``; with it, the status
    /// reports them (``RestrictionStatus/allThreads`` false, a dropped item).
    ///
    /// The corresponding C constant is `NETFENCE_RESTRICT_ACCEPT_IO_URING_THREADS`.
    public static let acceptIOUringThreads = RestrictFlags(rawValue: 1 << 30)

    /// Flags that go to the kernel.
    static let kernelLogFlags: RestrictFlags = [.logSameExecOff, .logNewExecOn, .logSubdomainsOff]
    /// Every flag this version of netfence knows.
    public static let known: RestrictFlags = [.logSameExecOff, .logNewExecOn, .logSubdomainsOff, .callingThreadOnly,
                                              .acceptIOUringThreads]

    static let names: [(RestrictFlags, String)] = [
        (.logSameExecOff, "log_same_exec_off"), (.logNewExecOn, "log_new_exec_on"),
        (.logSubdomainsOff, "log_subdomains_off"), (.callingThreadOnly, "calling_thread_only"),
        (.acceptIOUringThreads, "accept_io_uring_threads"),
    ]

    /// The flags' names joined with `|` (`log_new_exec_on|calling_thread_only`); `none` when empty.
    public var description: String {
        describeBits(UInt64(rawValue), Self.names.map { (UInt64($0.0.rawValue), $0.1) })
    }
}

/// What to do when the running kernel lacks something the ruleset asks for (rust-landlock's levels).
///
/// Set it with ``Ruleset/setCompatibility(_:)``; it applies to the whole ruleset.
///
/// The corresponding C constants are `NETFENCE_COMPAT_*`.
public enum CompatibilityLevel: UInt32, Sendable, CaseIterable {
    /// Drop what the kernel lacks, enforce the rest, report what was dropped. The default.
    ///
    /// The corresponding C constant is `NETFENCE_COMPAT_BEST_EFFORT`.
    case bestEffort = 0
    /// If anything is missing, enforce nothing at all (not even no_new_privs) and report
    /// ``EnforcementLevel/notEnforced``; the call succeeds.
    ///
    /// The corresponding C constant is `NETFENCE_COMPAT_SOFT_REQUIREMENT`.
    case softRequirement = 1
    /// If anything is missing, throw before applying anything: ``NetFenceError/Code/notSupported``,
    /// ``NetFenceError/Code/notImplemented`` when Landlock is not built into the kernel, or `EPERM` when
    /// only the capability drop cannot be completed (no `CAP_SETPCAP`).
    ///
    /// The corresponding C constant is `NETFENCE_COMPAT_HARD_REQUIREMENT`.
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
