// SPDX-License-Identifier: MIT
import NetFenceSystem

/// A sandbox under construction: handled rights, port and path rules, scopes, the socket
/// allow-list and the capabilities to keep.
///
/// Build it, then call ``restrictSelf(_:)`` once to restrict the calling process, or
/// ``spawn(_:arguments:environment:)`` to run a program under it. Nothing touches the kernel
/// until then except ``allow(_:beneath:)``, which opens the path at once (so a missing path
/// fails early) and keeps the descriptor until the ruleset is released.
///
/// A `Ruleset` is not thread-safe: use it from one thread at a time.
///
/// ```swift
/// let ruleset = Ruleset()
/// try ruleset.handle([.bindTCP, .connectTCP])
///     .allow(.bindTCP, port: 8080)
///     .allow(.connectTCP, ports: 5432...5439)
/// let status = try ruleset.restrictSelf()
/// ```
///
/// The corresponding C type is the opaque `netfence_ruleset`.
public final class Ruleset {
    struct PathRule {
        /// The path opened by ``allow(_:beneath:)``; nil: opened at enforcement
        /// (``allow(_:beneathWhenEnforced:)``).
        let fd: Int32?
        let access: AccessFS
        let path: String
    }


    /// The compatibility level chosen with ``setCompatibility(_:)``; ``CompatibilityLevel/bestEffort`` by default.
    public internal(set) var compatibility: CompatibilityLevel = .bestEffort
    /// The network rights handled so far (``handle(_:)-(AccessNet)``).
    public internal(set) var handledNet: AccessNet = []
    /// The filesystem rights handled so far (``handle(_:)-(AccessFS)``).
    public internal(set) var handledFS: AccessFS = []
    /// The IPC scopes set with ``setScopes(_:)``.
    public internal(set) var scopes: Scope = []
    /// The capabilities to keep; `nil` leaves capabilities untouched.
    public internal(set) var keptCapabilities: CapabilitySet?
    /// The options of the capability drop (``setCapabilityOptions(_:)``).
    public internal(set) var capabilityOptions: CapabilityOptions = []
    /// Whether socket creation is deny-by-default (allow-list in ``socketRules``).
    public internal(set) var socketsHandled = false
    /// The socket allow rules, in the order given, without duplicates.
    public internal(set) var socketRules: [SocketRule] = []
    /// Whether TCP rights also close Landlock's gaps with seccomp (``setTCPGaps(_:)``).
    public internal(set) var tcpGaps: TCPGaps = .closed
    /// Whether ``restrictSelf(_:)`` succeeded; a spent ruleset refuses every change.
    public internal(set) var isEnforced = false
    var ports = PortSet()
    /// The system calls of the apply path (replaced by unit tests).
    package var system = SystemLayer.live
    var paths: [PathRule] = []

    /// An empty ruleset: handles nothing, ``CompatibilityLevel/bestEffort``.
    ///
    /// The corresponding C function is `netfence_ruleset_new`.
    public init() {}

    deinit {
        for rule in paths { if let fd = rule.fd { nf_close(fd) } }
    }

    /// Throws ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    package func checkNotSpent() throws(NetFenceError) {
        if isEnforced { throw NetFenceError.spent }
    }


    /// Chooses what happens when the running kernel lacks part of the request.
    ///
    /// The level applies to the whole ruleset and may be changed any time before ``restrictSelf(_:)``.
    ///
    /// - Parameter level: ``CompatibilityLevel/bestEffort`` (the default),
    ///   ``CompatibilityLevel/softRequirement`` or ``CompatibilityLevel/hardRequirement``.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_set_compat`.
    @discardableResult
    public func setCompatibility(_ level: CompatibilityLevel) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        compatibility = level
        return self
    }

    /// Handles network rights: once enforced, each is denied except on the ports a rule allows.
    ///
    /// Calls accumulate. A handled right with no rule is denied entirely (`EACCES`); a right that is
    /// not handled stays allowed. ``AccessNet/listenTCP`` is enforced with seccomp, the other rights
    /// by Landlock.
    ///
    /// - Parameter access: The rights; not empty.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for an empty set or unknown bits;
    ///   ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_handle_net`.
    @discardableResult
    public func handle(_ access: AccessNet) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        try access.validate()
        handledNet.formUnion(access)
        return self
    }

    /// Handles filesystem rights: once enforced, each is denied except beneath the paths allowed
    /// with ``allow(_:beneath:)``.
    ///
    /// Calls accumulate.
    ///
    /// - Parameter access: The rights; not empty.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for an empty set or unknown bits;
    ///   ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_handle_fs`.
    @discardableResult
    public func handle(_ access: AccessFS) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        try access.validate()
        handledFS.formUnion(access)
        return self
    }

    /// Allows handled network rights on one port.
    ///
    /// Port 0 keeps the kernel's meaning: for a bind right it allows `bind(2)` to port 0, an
    /// ephemeral port the kernel picks (the chosen port is not checked); for ``AccessNet/listenTCP``
    /// it allows `listen(2)` on a socket that was never bound. A rule on a specific port does not
    /// allow port 0. A rule allows its port on every address.
    ///
    /// - Parameters:
    ///   - access: Rights already handled with ``handle(_:)-(AccessNet)``; not empty.
    ///   - port: The port, in host byte order.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for an empty set, unknown bits or a right that
    ///   is not handled; ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_allow_port`.
    @discardableResult
    public func allow(_ access: AccessNet, port: UInt16) throws(NetFenceError) -> Ruleset {
        try allow(access, ports: port...port)
    }

    /// Allows handled network rights on an inclusive range of ports.
    ///
    /// No released kernel has range rules: the range is expanded into one kernel rule per port when
    /// the ruleset is enforced (about 0.5 µs per port). A right whose rules cover all 65536 ports
    /// restricts nothing, so it is not sent to the kernel at all, and the status lists it in
    /// ``RestrictionStatus/netAllPorts``.
    ///
    /// - Parameters:
    ///   - access: Rights already handled with ``handle(_:)-(AccessNet)``; not empty.
    ///   - range: The ports, for example `5432...5439`.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for an empty set, unknown bits or a right that
    ///   is not handled; ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_allow_port_range`.
    @discardableResult
    public func allow(_ access: AccessNet, ports range: ClosedRange<UInt16>) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        try access.validate()
        let unhandled = access.subtracting(handledNet)
        if !unhandled.isEmpty {
            throw .invalid("network right \(unhandled) is not handled by this ruleset: handle it first")
        }
        ports.insert(access, first: Int(range.lowerBound), last: Int(range.upperBound))
        return self
    }

    /// Allows handled filesystem rights beneath a path.
    ///
    /// A directory allows everything below it; a file allows the file itself, and then only the
    /// rights in ``AccessFS/fileRights`` are kept. The path is opened now (`O_PATH | O_CLOEXEC`) and
    /// the descriptor is held until the ruleset is released, so a later rename does not change what
    /// is allowed.
    ///
    /// - Parameters:
    ///   - access: Rights already handled with ``handle(_:)-(AccessFS)``; not empty.
    ///   - path: The file or directory.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` (empty set, unknown or unhandled bits, empty
    ///   path, no file right left for a non-directory), ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``, or a
    ///   ``NetFenceError`` carrying `open(2)`'s errno (`ENOENT`, `EACCES`, `ENOTDIR`, ...).
    ///
    /// The corresponding C function is `netfence_ruleset_allow_path`.
    @discardableResult
    public func allow(_ access: AccessFS, beneath path: String) throws(NetFenceError) -> Ruleset {
        try checkPathRule(access, path)
        let opened = try Self.openPath(path, access)
        paths.append(PathRule(fd: opened.fd, access: opened.rights, path: path))
        return self
    }

    /// Allows handled filesystem rights beneath a path that is opened only when the ruleset is
    /// enforced (or a program spawned), one path at a time, as the kernel's sandboxer sample does.
    ///
    /// The ruleset holds no descriptor for the path, so any number of them fits under a low
    /// open-files limit; ``allow(_:beneath:)`` holds one per path. The path is resolved at
    /// enforcement, not now: a rename in between changes what is allowed. A path that cannot be
    /// opened then, or a non-directory with none of the rights in ``AccessFS/fileRights``, fails the
    /// enforcement before anything is applied (`open(2)`'s errno is not on `restrictSelf`'s list:
    /// it arrives as ``NetFenceError/Code/internalError``, named in the message).
    ///
    /// - Parameters:
    ///   - access: Rights already handled with ``handle(_:)-(AccessFS)``; not empty.
    ///   - path: The file or directory; not empty.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` (empty set, unknown or unhandled bits, empty
    ///   path), ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    @discardableResult
    public func allow(_ access: AccessFS, beneathWhenEnforced path: String) throws(NetFenceError) -> Ruleset {
        try checkPathRule(access, path)
        paths.append(PathRule(fd: nil, access: access, path: path))
        return self
    }

    private func checkPathRule(_ access: AccessFS, _ path: String) throws(NetFenceError) {
        try checkNotSpent()
        try access.validate()
        let unhandled = access.subtracting(handledFS)
        if !unhandled.isEmpty {
            throw .invalid("filesystem right \(unhandled) is not handled by this ruleset: handle it first")
        }
        if path.isEmpty { throw .invalid("empty path") }
    }

    /// Opens a path for a rule (`O_PATH | O_CLOEXEC`): its descriptor, and the rights that apply to it.
    static func openPath(_ path: String, _ access: AccessFS) throws(NetFenceError) -> (fd: Int32, rights: AccessFS) {
        var isDirectory: Int32 = 0
        let fd = nf_open_path(path, &isDirectory)
        if fd < 0 { throw .system(fd, "cannot open \"\(path)\"") }
        var rights = access
        if isDirectory == 0 {
            // The kernel refuses directory-only rights on a file (EINVAL);
            // keep the file rights, as the kernel's sandboxer does.
            rights.formIntersection(.fileRights)
            if rights.isEmpty {
                nf_close(fd)
                throw .invalid("\"\(path)\" is not a directory and none of the rights apply to a file (file rights: \(AccessFS.fileRights))")
            }
        }
        return (fd, rights)
    }

    /// Sets the IPC scopes, replacing earlier ones; an empty set clears them.
    ///
    /// - Parameter scopes: The scopes (Landlock ABI 6).
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for unknown bits;
    ///   ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_set_scope`.
    @discardableResult
    public func setScopes(_ scopes: Scope) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        try scopes.validate()
        self.scopes = scopes
        return self
    }

    /// Makes socket creation deny-by-default.
    ///
    /// Once enforced, `socket(2)` and `socketpair(2)` succeed only for the (family, type, protocol)
    /// triples allowed with ``allowSocket(family:type:protocol:)``; anything else fails with
    /// `EACCES`: known, unknown and future families alike. With no rule, no socket can be created.
    /// Enforced with a seccomp filter, loaded last. Sockets that already exist keep working, and
    /// `accept(2)`, send and receive are never filtered.
    ///
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_handle_sockets`.
    @discardableResult
    public func handleSockets() throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        socketsHandled = true
        return self
    }

    /// Allows creating one kind of socket: (family, type, protocol).
    ///
    /// Rules accumulate and duplicates are stored once. The type is compared without
    /// `SOCK_NONBLOCK` and `SOCK_CLOEXEC`. For `AF_INET` and `AF_INET6`, protocol 0 and the type's
    /// default protocol (`IPPROTO_TCP` for `SOCK_STREAM`, `IPPROTO_UDP` for `SOCK_DGRAM`) are the same
    /// socket, so either spelling allows both. When TCP bind or connect rights go to the kernel,
    /// MPTCP, SCTP and SMC sockets are denied even without ``handleSockets()``; a rule that names the
    /// protocol (or `AF_SMC`) allows them again, a wildcard protocol does not. A type wildcard never
    /// includes `SOCK_PACKET`.
    ///
    /// - Parameters:
    ///   - family: An `AF_*` value from 1 to 45; never a wildcard.
    ///   - type: A `SOCK_*` type, or ``SocketRule/any`` (the default) for every type.
    ///   - value: A protocol from 0 to 65535, or ``SocketRule/any`` (the default) for every protocol.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for an unknown family or type, or a protocol out
    ///   of range; ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_allow_socket`.
    @discardableResult
    public func allowSocket(family: Int32, type: Int32 = SocketRule.any, protocol value: Int32 = SocketRule.any) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        let rule = try SocketRule(validatingFamily: family, type: type, protocol: value)
        if !socketRules.contains(rule) { socketRules.append(rule) }
        return self
    }

    /// Drops every capability but these when the ruleset is enforced.
    ///
    /// The effective, permitted and inheritable sets become the kept capabilities the thread still
    /// has, the bounding set is reduced to them, the ambient set is cleared (and refilled under
    /// ``CapabilityOptions/ambient``), and securebits are locked when the effective user ID is 0
    /// (see ``CapabilityOptions/noSecurebitsLock``). Without this call capabilities are left
    /// untouched; calling it again replaces the list. Capabilities are per thread: in a
    /// multi-threaded process ``restrictSelf(_:)`` throws ``NetFenceError/Code/otherThreads`` unless
    /// ``RestrictFlags/callingThreadOnly`` is passed.
    ///
    /// - Parameter capabilities: The capabilities to keep; empty keeps none.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for a capability the running kernel does not
    ///   know, or one listed twice; ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_keep_caps_array`.
    @discardableResult
    public func keepCapabilities(_ capabilities: [Capability]) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        var set: CapabilitySet = []
        for capability in capabilities {
            _ = try Capability(validating: capability.rawValue)
            if set.contains(capability) { throw .invalid("capability \(capability.name) is listed twice") }
            set.insert(CapabilitySet([capability]))
        }
        keptCapabilities = set
        return self
    }

    /// Drops every capability but these, given by name.
    ///
    /// The same as ``keepCapabilities(_:)`` with libcap's names: comma-separated, with or without
    /// the `cap_` prefix, in any case, spaces around an item ignored (`"cap_net_bind_service,net_raw"`).
    ///
    /// - Parameter names: The names; `""` keeps none.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for an unknown name (named in the message),
    ///   an empty item, a duplicate, or a capability the running kernel does not know;
    ///   ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_keep_caps`.
    @discardableResult
    public func keepCapabilities(named names: String) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        return try keepCapabilities(Self.capabilities(named: names))
    }

    /// libcap's names (`"cap_net_bind_service,net_raw"`) as capabilities, in order; `""` is none.
    static func capabilities(named names: String) throws(NetFenceError) -> [Capability] {
        var list: [Capability] = []
        if names.isEmpty { return list }
        for item in names.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(item).trimmingASCIISpaces()
            if name.isEmpty { throw .invalid("empty capability name in \"\(names)\"") }
            guard let number = Capability.number(forName: name) else {
                throw .invalid("unknown capability \"\(name)\"")
            }
            list.append(Capability(rawValue: number))
        }
        return list
    }

    /// Sets the options of the capability drop, replacing earlier ones.
    ///
    /// - Parameter options: ``CapabilityOptions/ambient``, ``CapabilityOptions/noSecurebitsLock``.
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` for unknown bits;
    ///   ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    ///
    /// The corresponding C function is `netfence_ruleset_set_caps_options`.
    @discardableResult
    public func setCapabilityOptions(_ options: CapabilityOptions) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        try options.validate()
        capabilityOptions = options
        return self
    }

    /// Chooses whether TCP rights also close the ways around them that Landlock does not see.
    ///
    /// ``TCPGaps/closed`` (the default) adds a seccomp filter whenever TCP bind or connect rights go
    /// to the kernel: MPTCP, SCTP and SMC sockets, TCP Fast Open, io_uring and foreign syscall ABIs.
    /// ``TCPGaps/landlockOnly`` leaves them open, as the kernel's own sandboxer sample does (the
    /// `netfence sandboxer` drop-in uses it); the status then has no
    /// ``SeccompFeatures/tcpBypassBlocked``.
    ///
    /// - Returns: This ruleset, for chaining.
    /// - Throws: ``NetFenceError/Code/alreadyEnforced`` when the ruleset was spent by ``restrictSelf(_:)``.
    @discardableResult
    public func setTCPGaps(_ gaps: TCPGaps) throws(NetFenceError) -> Ruleset {
        try checkNotSpent()
        tcpGaps = gaps
        return self
    }
}

/// What TCP rights do about the ways around them that Landlock does not check
/// (``Ruleset/setTCPGaps(_:)``).
public enum TCPGaps: Sendable {
    /// Closed with seccomp: MPTCP, SCTP and SMC sockets, TCP Fast Open, io_uring, foreign ABIs.
    case closed
    /// Landlock alone, exactly as the kernel's sandboxer sample.
    case landlockOnly
}
