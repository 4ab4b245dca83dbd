// SPDX-License-Identifier: MIT
import CNetFenceShim
import Glibc

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
        let fd: Int32
        let access: AccessFS
        let path: String
    }

    // Every stored `var` here is `@exclusivity(unchecked)`: only netfence's own
    // code touches them (the ruleset's methods; the CLI sets closesTCPBypasses
    // before anything else), none holds an access across a call that could
    // reach the same property (no inout escapes, no reentrancy, no user
    // closures), and a ruleset is not shared between threads (docs/threading.md;
    // the dynamic checks never saw other threads anyway: the access set is per thread). Checking them at
    // run time would consult the Swift runtime's thread-local access set on
    // every change, and on the first apply in each new process fault in the
    // runtime's TLS code and data for it.

    /// The compatibility level chosen with ``setCompatibility(_:)``; ``CompatibilityLevel/bestEffort`` by default.
    @exclusivity(unchecked) public private(set) var compatibility: CompatibilityLevel = .bestEffort
    /// The network rights handled so far (``handle(_:)-(AccessNet)``).
    @exclusivity(unchecked) public private(set) var handledNet: AccessNet = []
    /// The filesystem rights handled so far (``handle(_:)-(AccessFS)``).
    @exclusivity(unchecked) public private(set) var handledFS: AccessFS = []
    /// The IPC scopes set with ``setScopes(_:)``.
    @exclusivity(unchecked) public private(set) var scopes: Scope = []
    /// The capabilities to keep; `nil` leaves capabilities untouched.
    @exclusivity(unchecked) public private(set) var keptCapabilities: CapabilitySet?
    /// The options of the capability drop (``setCapabilityOptions(_:)``).
    @exclusivity(unchecked) public private(set) var capabilityOptions: CapabilityOptions = []
    /// Whether socket creation is deny-by-default (allow-list in ``socketRules``).
    @exclusivity(unchecked) public private(set) var socketsHandled = false
    /// The socket allow rules, in the order given, without duplicates.
    @exclusivity(unchecked) public private(set) var socketRules: [SocketRule] = []
    /// Whether handling TCP rights also loads the seccomp filter that closes
    /// Landlock's gaps (MPTCP/SCTP/SMC, io_uring, foreign ABIs). Only the
    /// kernel-sandboxer drop-in turns it off, to behave exactly like the
    /// kernel's sample.
    @exclusivity(unchecked) package var closesTCPBypasses = true
    /// Whether ``restrictSelf(_:)`` succeeded; a spent ruleset refuses every change.
    @exclusivity(unchecked) public private(set) var isEnforced = false
    let ports = PortSet()
    @exclusivity(unchecked) var paths: [PathRule] = []

    /// An empty ruleset: handles nothing, ``CompatibilityLevel/bestEffort``.
    ///
    /// The corresponding C function is `netfence_ruleset_new`.
    public init() {}

    deinit {
        for rule in paths { nf_close(rule.fd) }
    }

    private func checkNotSpent() throws(NetFenceError) {
        if isEnforced { throw NetFenceError.spent }
    }

    // MARK: Raw entry points (shared by the Swift API and the C ABI)

    /// Validates and applies a raw compat level. Used by `netfence_ruleset_set_compat`.
    package func setCompatibility(raw: UInt32) throws(NetFenceError) {
        try checkNotSpent()
        guard let level = CompatibilityLevel(rawValue: raw) else {
            throw .invalid("unknown compatibility level \(raw) (expected 0, 1 or 2)")
        }
        compatibility = level
    }

    package func handleNet(raw: UInt64) throws(NetFenceError) {
        try checkNotSpent()
        let access = try Self.validNet(raw)
        handledNet.formUnion(access)
    }

    package func allowPorts(raw: UInt64, first: UInt64, last: UInt64) throws(NetFenceError) {
        try checkNotSpent()
        let access = try Self.validNet(raw)
        let unhandled = access.subtracting(handledNet)
        if !unhandled.isEmpty {
            throw .invalid("network right \(unhandled) is not handled by this ruleset: handle it first")
        }
        if first > 65535 { throw .invalid("port \(first) is out of range (0-65535)") }
        if last > 65535 { throw .invalid("port \(last) is out of range (0-65535)") }
        if first > last { throw .invalid("empty port range \(first)-\(last): first is greater than last") }
        ports.insert(access, first: Int(first), last: Int(last))
    }

    package func handleFS(raw: UInt64) throws(NetFenceError) {
        try checkNotSpent()
        if raw == 0 { throw .invalid("no filesystem right given (access is 0)") }
        let unknown = raw & ~AccessFS.known.rawValue
        if unknown != 0 { throw .invalid("unknown filesystem right bits 0x\(String(unknown, radix: 16))") }
        handledFS.formUnion(AccessFS(rawValue: raw))
    }

    package func allowPath(raw: UInt64, path: String) throws(NetFenceError) {
        try checkNotSpent()
        if raw == 0 { throw .invalid("no filesystem right given (access is 0)") }
        let unknown = raw & ~AccessFS.known.rawValue
        if unknown != 0 { throw .invalid("unknown filesystem right bits 0x\(String(unknown, radix: 16))") }
        var access = AccessFS(rawValue: raw)
        let unhandled = access.subtracting(handledFS)
        if !unhandled.isEmpty {
            throw .invalid("filesystem right \(unhandled) is not handled by this ruleset: handle it first")
        }
        if path.isEmpty { throw .invalid("empty path") }
        var isDirectory: Int32 = 0
        let fd = nf_open_path(path, &isDirectory)
        if fd < 0 { throw .system(fd, "cannot open \"\(path)\"") }
        if isDirectory == 0 {
            // The kernel refuses directory-only rights on a file (EINVAL);
            // keep the file rights, as the kernel's sandboxer does.
            access.formIntersection(.fileRights)
            if access.isEmpty {
                nf_close(fd)
                throw .invalid("\"\(path)\" is not a directory and none of the rights apply to a file (file rights: \(AccessFS.fileRights))")
            }
        }
        paths.append(PathRule(fd: fd, access: access, path: path))
    }

    package func setScopes(raw: UInt64) throws(NetFenceError) {
        try checkNotSpent()
        let unknown = raw & ~Scope.known.rawValue
        if unknown != 0 { throw .invalid("unknown scope bits 0x\(String(unknown, radix: 16))") }
        scopes = Scope(rawValue: raw)
    }

    /// Parses libcap names, comma-separated ("" keeps none).
    package func keepCapabilities(names text: String) throws(NetFenceError) {
        try checkNotSpent()
        var kept: [Capability] = []
        if !text.isEmpty {
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let name = String(item).trimmingASCIISpaces()
                if name.isEmpty { throw .invalid("empty capability name in \"\(text)\"") }
                guard let number = Capability.number(forName: name) else {
                    throw .invalid("unknown capability \"\(name)\"")
                }
                kept.append(Capability(rawValue: number))
            }
        }
        try keepCapabilities(numbers: kept.map(\.rawValue), spelled: text)
    }

    package func keepCapabilities(numbers: [UInt32], spelled: String? = nil) throws(NetFenceError) {
        try checkNotSpent()
        let last = Capability.lastSupported.rawValue
        var set: CapabilitySet = []
        for number in numbers {
            let capability = Capability(rawValue: number)
            if number > last || number >= 64 {
                throw .invalid("capability \(number) is above the last one this kernel knows (\(last))")
            }
            if set.contains(capability) { throw .invalid("capability \(capability.name) is listed twice") }
            set.insert(CapabilitySet([capability]))
        }
        keptCapabilities = set
    }

    package func setCapabilityOptions(raw: UInt32) throws(NetFenceError) {
        try checkNotSpent()
        let unknown = raw & ~CapabilityOptions.known.rawValue
        if unknown != 0 { throw .invalid("unknown capability options 0x\(String(unknown, radix: 16))") }
        capabilityOptions = CapabilityOptions(rawValue: raw)
    }

    package func handleSocketsRaw() throws(NetFenceError) {
        try checkNotSpent()
        socketsHandled = true
    }

    package func addSocketRule(family: Int32, type: Int32, protocol value: Int32) throws(NetFenceError) {
        try checkNotSpent()
        if family <= 0 || family >= SocketConstants.familyLimit {
            throw .invalid("unknown address family \(family) (expected 1..\(SocketConstants.familyLimit - 1); the family is never a wildcard)")
        }
        var type = type
        if type != SocketRule.any {
            type &= ~SocketConstants.typeFlags
            if type < 0 || !SocketConstants.validTypes.contains(type) {
                throw .invalid("unknown socket type \(type) (SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP, SOCK_PACKET or NETFENCE_ANY)")
            }
        }
        if value != SocketRule.any && (value < 0 || value > SocketConstants.protocolLimit) {
            throw .invalid("protocol \(value) is out of range (0..\(SocketConstants.protocolLimit) or NETFENCE_ANY)")
        }
        let rule = SocketRule(family: family, type: type, protocol: value)
        if !socketRules.contains(rule) { socketRules.append(rule) }
    }

    static func validNet(_ raw: UInt64) throws(NetFenceError) -> AccessNet {
        if raw == 0 { throw .invalid("no network right given (access is 0)") }
        let unknown = raw & ~AccessNet.known.rawValue
        if unknown != 0 { throw .invalid("unknown network right bits 0x\(String(unknown, radix: 16))") }
        return AccessNet(rawValue: raw)
    }

    // MARK: Swift API

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
        try setCompatibility(raw: level.rawValue)
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
        try handleNet(raw: access.rawValue)
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
        try handleFS(raw: access.rawValue)
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
        try allowPorts(raw: access.rawValue, first: UInt64(port), last: UInt64(port))
        return self
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
        try allowPorts(raw: access.rawValue, first: UInt64(range.lowerBound), last: UInt64(range.upperBound))
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
        try allowPath(raw: access.rawValue, path: path)
        return self
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
        try setScopes(raw: scopes.rawValue)
        return self
    }

    /// A process started by ``spawn(_:arguments:environment:)``.
    ///
    /// The caller owns it: wait for it with `waitpid(2)`.
    public struct SpawnedProcess: Sendable {
        /// Its process ID; wait for it with `waitpid(2)`.
        public let pid: Int32
        /// What the child applied before `execve(2)`. Its capabilities are as planned, not read back,
        /// and ``RestrictionStatus/allThreads`` is always true (the child has one thread).
        public let status: RestrictionStatus
    }

    /// Runs a program in a new process restricted by this ruleset.
    ///
    /// Everything that can fail or allocate happens here, in the caller, before the child is created
    /// (vfork-style, as `posix_spawn(3)` does): the kernel ruleset, the capability sets, the seccomp
    /// program, the listen supervisor, the `PATH` search. The child only resets its signal handlers,
    /// applies the prepared sequence (capabilities, no_new_privs, Landlock, seccomp) with raw system
    /// calls and calls `execve(2)`.
    /// So this is safe to call from a multi-threaded process, and every layer covers the child, which
    /// has a single thread. No restrict flags are used: the child gets no log flags.
    ///
    /// A failure in the child, exec failure included, is thrown here, and the child is reaped. The
    /// ruleset is not spent: it may spawn again, or restrict the caller later.
    ///
    /// - Parameters:
    ///   - path: The program. Without a `/` it is searched in the `PATH` of `environment`, or of this
    ///     process when `environment` is `nil`.
    ///   - arguments: The complete `argv`, `argv[0]` included; not empty.
    ///   - environment: The child's environment as `NAME=value` strings; `nil` passes this process's.
    /// - Returns: The child, which the caller must wait for, and what it applied.
    /// - Throws: ``NetFenceError``, before the child exists: the errors of ``restrictSelf(_:)`` (except
    ///   ``NetFenceError/Code/otherThreads``), ``NetFenceError/Code/invalidArgument`` for empty
    ///   `arguments`, `ENOENT` when the program is not in `PATH`; from the child: its `execve(2)`
    ///   errno (`ENOENT`, `EACCES`, `ENOEXEC`, ...) or a layer the kernel refused (`EPERM`, `E2BIG`).
    ///   ``NetFenceError/status`` says what the child had applied.
    ///
    /// The corresponding C function is `netfence_ruleset_spawn`.
    public func spawn(_ path: String, arguments: [String], environment: [String]? = nil) throws(NetFenceError) -> SpawnedProcess {
        var status = RestrictionStatus()
        do {
            let pid = try spawn(path: path, argv: arguments, envp: environment, status: &status)
            return SpawnedProcess(pid: pid, status: status)
        } catch {
            var failure = error
            failure.status = status
            throw failure
        }
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
        try handleSocketsRaw()
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
        try addSocketRule(family: family, type: type, protocol: value)
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
        try keepCapabilities(numbers: capabilities.map(\.rawValue))
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
        try keepCapabilities(names: names)
        return self
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
        try setCapabilityOptions(raw: options.rawValue)
        return self
    }

    /// Enforces the ruleset on the calling process.
    ///
    /// Everything that can fail is prepared first: the ABI probe, the compatibility decision, the
    /// thread check, the kernel ruleset with every rule, the capability sets, the seccomp program
    /// and the listen supervisor. Then one fixed sequence runs: drop capabilities (if asked), set
    /// no_new_privs, restrict with Landlock, load the seccomp filter. Every step is irreversible,
    /// inherited by children and kept across `execve(2)`. On success (a soft requirement that
    /// enforced nothing included) the ruleset is spent.
    ///
    /// - Parameter flags: Log flags (Landlock ABI 7) and ``RestrictFlags/callingThreadOnly``.
    /// - Returns: What is in force. Best effort and a soft requirement succeed with less than
    ///   requested: read ``RestrictionStatus/enforcement``.
    /// - Throws: ``NetFenceError``: ``NetFenceError/Code/invalidArgument`` (unknown flags, a ruleset
    ///   that handles nothing), ``NetFenceError/Code/alreadyEnforced``,
    ///   ``NetFenceError/Code/otherThreads`` (other threads a layer cannot cover),
    ///   ``NetFenceError/Code/notSupported`` or ``NetFenceError/Code/notImplemented`` (hard
    ///   requirement), or a kernel refusal during the sequence (`EPERM`, `E2BIG`, ...). Its
    ///   ``NetFenceError/status`` says what had been applied; nothing is rolled back.
    ///
    /// The corresponding C function is `netfence_ruleset_restrict_self`.
    @discardableResult
    public func restrictSelf(_ flags: RestrictFlags = []) throws(NetFenceError) -> RestrictionStatus {
        var status = RestrictionStatus()
        do {
            try restrictSelf(rawFlags: flags.rawValue, status: &status)
        } catch {
            var failure = error
            failure.status = status
            throw failure
        }
        return status
    }

    // MARK: Compile, then apply

    /// The decision for one kernel and one thread state: what to apply, what
    /// will be in force. Pure: no syscall, so unit tests inject any ABI and
    /// capability state.
    struct Plan {
        var status = RestrictionStatus()
        /// Set only under a hard requirement with something missing.
        var failure: NetFenceError?
        /// false: apply nothing at all (soft requirement not met).
        var apply = false
        var applyLandlock = false
        var kernelNet: AccessNet = []
        var kernelFS: AccessFS = []
        var kernelScopes: Scope = []
        var kernelFlags: UInt32 = 0
        var threadSync = false
        var rulesetAttrSize = 0
        var capabilities: CapabilityPlan?
        var seccomp: SeccompPlan?
        /// A Landlock domain only to confine ptrace-style access (see below).
        var isolationDomain = false

        /// Whether capabilities are changed. (A pattern, not `!= nil`: that
        /// copies the optional through a generic witness, which costs a
        /// metadata lookup on first use in a new process.)
        var changesCapabilities: Bool {
            if case .some = capabilities { return true }
            return false
        }
    }

    func compile(abi: Int32, flags: RestrictFlags,
                 capabilities current: CapabilityState = CapabilityState(), euid: UInt32 = 0) -> Plan {
        // The status is built in place in the plan (one copy fewer of a large
        // struct in this frame: stack pages are page faults in a new process).
        var plan = Plan()
        plan.status.landlockABI = abi
        plan.status.flagsRequested = flags
        fillRequest(&plan.status)
        // A right allowed on every port restricts nothing: it is in force by
        // not handling it, whatever the kernel supports (never 65536 rules).
        plan.status.netAllPorts = handledNet.intersection(ports.rightsCoveringAllPorts)

        let support = KernelSupport(abi: max(abi, 0))
        // LISTEN_TCP is netfence's own (seccomp): never sent to the kernel.
        let net = handledNet.subtracting(plan.status.netAllPorts).intersection(AccessNet.kernelRights)
        let requestedLog = flags.intersection(RestrictFlags.kernelLogFlags)

        // What Landlock cannot do on this kernel.
        var landlockDropped: [String] = []
        if abi > 0 {
            plan.kernelNet = net.intersection(support.net)
            plan.kernelFS = handledFS.intersection(support.fs)
            plan.kernelScopes = scopes.intersection(support.scopes)
            plan.applyLandlock = !(plan.kernelNet.isEmpty && plan.kernelFS.isEmpty && plan.kernelScopes.isEmpty)
            plan.threadSync = support.threadSync
            plan.rulesetAttrSize = KernelSupport.rulesetAttrSize(abi: abi)
            let missingNet = net.subtracting(support.net)
            let missingFS = handledFS.subtracting(support.fs)
            let missingScopes = scopes.subtracting(support.scopes)
            let missingLog = requestedLog.subtracting(support.logFlags)
            if !(missingNet.isEmpty && missingFS.isEmpty && missingScopes.isEmpty && missingLog.isEmpty) {
                landlockDropped = Self.missingOnKernel(abi: abi, net: missingNet, fs: missingFS, scopes: missingScopes, log: missingLog)
            }
            let logFlags = requestedLog.intersection(support.logFlags)
            if plan.applyLandlock {
                plan.kernelFlags = logFlags.rawValue | (plan.threadSync ? UInt32(NF_LANDLOCK_RESTRICT_SELF_TSYNC) : 0)
                plan.status.flagsEnforced = logFlags
            } else if !logFlags.isEmpty {
                // Log flags configure a Landlock domain; with nothing to
                // enforce in the kernel there is no domain to configure.
                landlockDropped.append("restrict flags \(logFlags): no Landlock domain is created (nothing left to enforce in the kernel)")
            }
        } else if !(net.isEmpty && handledFS.isEmpty && scopes.isEmpty && requestedLog.isEmpty) {
            landlockDropped.append("everything Landlock enforces: \(LandlockABI.describe(abi))")
        }

        var capabilityDropped: [String] = []
        if let kept = keptCapabilities {
            let capabilityPlan = CapabilityPlan(kept: kept, options: capabilityOptions, current: current, euid: euid)
            capabilityDropped = capabilityPlan.dropped
            plan.capabilities = capabilityPlan
        }

        // The seccomp layer: socket allow-list, listen restriction, and the
        // TCP bypasses (MPTCP/SCTP/SMC, io_uring, foreign syscall ABIs).
        let listenHandled = handledNet.contains(.listenTCP) && !plan.status.netAllPorts.contains(.listenTCP)
        let tcpInKernel = closesTCPBypasses && !plan.kernelNet.isDisjoint(with: [.bindTCP, .connectTCP])
        if socketsHandled || listenHandled || tcpInKernel {
            // MPTCP, SCTP and SMC sockets bind, connect and listen on real TCP
            // ports unseen by the TCP rights: closed with the TCP rights and
            // with the listen restriction alike.
            plan.seccomp = SeccompPlan(socketsHandled: socketsHandled, socketRules: socketRules,
                                       blockTCPBypass: tcpInKernel || (closesTCPBypasses && listenHandled),
                                       listen: listenHandled ? (ports.hasRules(for: .listenTCP) ? .perPort : .denyAll) : .off,
                                       allowUnboundListen: ports.contains(.listenTCP, port: 0),
                                       blockFastOpen: closesTCPBypasses && plan.kernelNet.contains(.connectTCP))
            plan.status.seccomp = plan.seccomp!.predictedStatus
        }
        // Without a Landlock domain, a process under the seccomp layer alone
        // could still ptrace, pidfd_getfd or write /proc/PID/mem of the
        // unsandboxed processes of its user, and so create sockets through
        // them. Any Landlock domain confines that to processes inside it: add
        // one that restricts nothing else (MAKE_BLOCK handled, allowed
        // beneath "/"), whenever the kernel has Landlock.
        if plan.seccomp != nil && !plan.applyLandlock && abi > 0 {
            plan.isolationDomain = true
            plan.applyLandlock = true
            plan.kernelFS = .makeBlock
            // (threadSync and rulesetAttrSize were set above, as for any ABI > 0.)
            plan.kernelFlags = plan.threadSync ? UInt32(NF_LANDLOCK_RESTRICT_SELF_TSYNC) : 0
            plan.status.landlockIsolation = true
        }

        // (Appended only when there is something: `+` on arrays runs array
        // code that a fresh process would fault in for nothing.)
        var dropped = landlockDropped
        if !capabilityDropped.isEmpty { dropped.append(contentsOf: capabilityDropped) }
        plan.status.dropped = dropped
        if !dropped.isEmpty && compatibility != .bestEffort {
            return Self.unmetRequirement(compatibility, status: plan.status, abi: abi,
                                         landlockDropped: landlockDropped, capabilityDropped: capabilityDropped)
        }

        plan.apply = true
        plan.status.flagsEnforced.formUnion(flags.intersection(.callingThreadOnly))
        plan.status.netEnforced = plan.kernelNet.union(plan.status.netAllPorts)
        if listenHandled { plan.status.netEnforced.insert(.listenTCP) }
        plan.status.fsEnforced = plan.isolationDomain ? [] : plan.kernelFS
        plan.status.scopesEnforced = plan.kernelScopes
        let capsFull = keptCapabilities == nil || capabilityDropped.isEmpty
        let landlockNone = plan.status.netEnforced.isEmpty && plan.status.fsEnforced.isEmpty && plan.status.scopesEnforced.isEmpty
        if plan.status.netEnforced == plan.status.netRequested && plan.status.fsEnforced == plan.status.fsRequested
            && plan.status.scopesEnforced == plan.status.scopesRequested && plan.status.flagsEnforced == plan.status.flagsRequested && capsFull {
            plan.status.enforcement = .fullyEnforced
        } else if landlockNone && keptCapabilities == nil && !socketsHandled {
            plan.status.enforcement = .notEnforced
        } else {
            plan.status.enforcement = .partiallyEnforced
        }
        return plan
    }

    /// What the kernel's Landlock lacks, in words. (Out of line, as ``unmetRequirement``.)
    @inline(never)
    private static func missingOnKernel(abi: Int32, net: AccessNet, fs: AccessFS, scopes: Scope, log: RestrictFlags) -> [String] {
        let kernelName = LandlockABI.describe(abi)
        var dropped: [String] = []
        if !net.isEmpty { dropped.append("network rights \(net): need a newer kernel than \(kernelName)") }
        if !fs.isEmpty { dropped.append("filesystem rights \(fs): need a newer kernel than \(kernelName)") }
        if !scopes.isEmpty { dropped.append("scopes \(scopes): need Landlock ABI 6, have \(kernelName)") }
        if !log.isEmpty { dropped.append("restrict flags \(log): need Landlock ABI 7, have \(kernelName)") }
        return dropped
    }

    /// The plan of a hard or soft requirement that is not met: nothing applied, and for a hard
    /// requirement the error. (Out of line: its strings stay out of compile's stack frame.)
    @inline(never)
    private static func unmetRequirement(_ compatibility: CompatibilityLevel, status: RestrictionStatus, abi: Int32,
                                         landlockDropped: [String], capabilityDropped: [String]) -> Plan {
        var status = status
        let dropped = status.dropped
        status.flagsEnforced = []
        status.seccomp = SeccompStatus()
        if compatibility == .softRequirement {
            // Enforce nothing at all, not even no_new_privs.
            status.dropped = ["soft requirement not met, nothing enforced: " + dropped.joined(separator: "; ")]
            status.enforcement = .notEnforced
            return Plan(status: status)
        }
        // EOPNOTSUPP (or ENOSYS) when the kernel lacks a feature; EPERM
        // when only privileges are missing. The message lists everything.
        let failure: NetFenceError
        if abi <= 0 && !landlockDropped.isEmpty {
            let unavailable = NetFenceError.landlockUnavailable(errno: -abi)
            failure = NetFenceError(code: unavailable.code, message: unavailable.message
                + (capabilityDropped.isEmpty ? "" : "; also: " + capabilityDropped.joined(separator: "; ")))
        } else {
            failure = NetFenceError(code: landlockDropped.isEmpty ? Code(rawValue: EPERM) : .notSupported,
                                    message: "hard requirement not met: " + dropped.joined(separator: "; "))
        }
        return Plan(status: status, failure: failure)
    }

    typealias Code = NetFenceError.Code

    /// The C ABI's entry point; `status` is filled on failure too.
    package func restrictSelf(rawFlags: UInt32, status: inout RestrictionStatus) throws(NetFenceError) {
        do {
            try restrictSelfReporting(rawFlags: rawFlags, status: &status)
        } catch {
            reportFailure(&status)
            throw error
        }
    }

    /// Checks that apply to restrict_self and spawn alike.
    private func validateForApply(rawFlags: UInt32) throws(NetFenceError) -> RestrictFlags {
        try checkNotSpent()
        let unknown = rawFlags & ~RestrictFlags.known.rawValue
        if unknown != 0 { throw .invalid("unknown restrict flags 0x\(String(unknown, radix: 16))") }
        if handledNet.isEmpty && handledFS.isEmpty && scopes.isEmpty && keptCapabilities == nil && !socketsHandled {
            throw .invalid("the ruleset handles nothing: handle a network or filesystem right, handle sockets, set a scope, or keep capabilities")
        }
        return RestrictFlags(rawValue: rawFlags)
    }

    /// Compiles the plan for this kernel and thread, and starts the status.
    @inline(never) // its temporaries stay out of the caller's frame, which the apply path keeps deep
    private func plan(flags: RestrictFlags, status: inout RestrictionStatus) throws(NetFenceError) -> Plan {
        // Capabilities are read only when they are to be changed: reading
        // them costs some 90 syscalls (bounding and ambient, one by one).
        let before = keptCapabilities != nil ? try CapabilityState.current() : CapabilityState()
        let plan = compile(abi: kernelLandlockABI, flags: flags, capabilities: before,
                           euid: keptCapabilities != nil ? nf_geteuid() : 0) // used only for a capability drop
        status = plan.status
        status.landlockErrata = kernelLandlockErrata()
        status.capabilities = before
        status.capabilitiesBefore = before
        status.noNewPrivs = nf_get_no_new_privs() == 1
        if let failure = plan.failure { throw failure }
        return plan
    }

    /// A layer that covers only the calling thread. Put into words only when
    /// reported: building strings on the success path costs first-use time.
    private enum PerThreadLayer {
        case capabilities, landlockWithoutTSYNC, noNewPrivs

        func reason(abi: Int32) -> String {
            switch self {
            case .capabilities: "capabilities are per thread"
            case .landlockWithoutTSYNC: "\(LandlockABI.describe(abi)) can only restrict the calling thread (TSYNC needs ABI 8)"
            case .noNewPrivs: "no_new_privs is per thread"
            }
        }
    }

    private func restrictSelfReporting(rawFlags: UInt32, status: inout RestrictionStatus) throws(NetFenceError) {
        let flags = try validateForApply(rawFlags: rawFlags)
        let abi = kernelLandlockABI
        let threads = nf_thread_count()
        let plan: Plan
        do {
            plan = try self.plan(flags: flags, status: &status)
        } catch {
            status.threadCount = Int(max(threads, 0))
            throw error
        }
        status.threadCount = Int(max(threads, 0))
        if !plan.apply {
            // Soft requirement not met: nothing applied, by request.
            isEnforced = true
            return
        }

        // Threads: capabilities and no_new_privs are per thread, Landlock too
        // before ABI 8; TSYNC (Landlock ABI 8, seccomp) covers every thread.
        let perThreadLayer: PerThreadLayer?
        if plan.changesCapabilities {
            perThreadLayer = .capabilities
        } else if plan.applyLandlock && !plan.threadSync {
            perThreadLayer = .landlockWithoutTSYNC
        } else if !plan.applyLandlock && plan.seccomp == nil {
            perThreadLayer = .noNewPrivs
        } else {
            perThreadLayer = nil
        }
        if perThreadLayer == nil || threads == 1 {
            status.allThreads = true
        } else if flags.contains(.callingThreadOnly) {
            status.allThreads = false
        } else {
            throw Self.threadError(threads: threads, layer: perThreadLayer!, abi: abi)
        }

        // TSYNC whenever other threads may exist (an unknown count included).
        let prepared = try prepare(plan, seccompThreadSync: threads != 1 && status.allThreads, status: &status)
        // Apply: capabilities, no_new_privs, Landlock, seccomp (one fixed C sequence).
        var result = nf_apply_result()
        prepared.withPlan { nf_apply($0, &result) }
        status.capsApplied = result.done & UInt32(NF_STEP_CAPS_FINAL) != 0
        status.noNewPrivsApplied = result.done & UInt32(NF_STEP_NO_NEW_PRIVS) != 0
        status.noNewPrivs = nf_get_no_new_privs() == 1
        status.landlockApplied = result.done & UInt32(NF_STEP_LANDLOCK) != 0
        status.seccomp.installed = result.done & UInt32(NF_STEP_SECCOMP) != 0
        if result.supervisor_error != 0 { Self.recordSupervisorFailure(result.supervisor_error, into: &status) }
        if plan.changesCapabilities, let after = try? CapabilityState.current() { status.capabilities = after }
        if result.failed_step != 0 {
            Self.recordFailure(result, into: &status)
            throw NetFenceError.applyFailed(step: result.failed_step, errno: -result.error, done: result.done)
        }
        isEnforced = true
    }

    /// Why the apply refuses to run with other threads. (This and the next are out of line: their
    /// strings stay out of the apply path's stack frames, which a new process faults in.)
    @inline(never)
    private static func threadError(threads: Int32, layer: PerThreadLayer, abi: Int32) -> NetFenceError {
        if threads < 0 {
            return NetFenceError(code: .otherThreads, message:
                "cannot count the threads of this process (/proc/self/task: \(String(cString: nf_strerror(-threads)))), so cannot prove the sandbox covers them; pass the calling-thread-only flag to accept restricting only this thread")
        }
        return NetFenceError(code: .otherThreads, message:
            "the process has \(threads) threads and \(layer.reason(abi: abi)); restrict before starting threads, or pass the calling-thread-only flag to accept it")
    }

    /// The listen supervisor did not get its notification fd: listen() fails closed (in `process`,
    /// "" for this one).
    @inline(never)
    private static func recordSupervisorFailure(_ error: Int32, in process: String = "", into status: inout RestrictionStatus) {
        status.seccomp.features.insert(.listenFailClosed)
        if status.enforcement == .fullyEnforced { status.enforcement = .partiallyEnforced }
        status.dropped.append("listen rules: the supervisor did not get the notification fd (\(String(cString: nf_strerror(-error)))); every listen()\(process) fails with ENOSYS")
    }

    /// The status of a failed restrict_self or spawn: the kernel and the
    /// request are always there; when nothing was applied, nothing is claimed.
    @inline(never) // keeps restrictSelf's frame, above the whole apply path, small
    private func reportFailure(_ status: inout RestrictionStatus) {
        fillKernelFacts(&status)
        if !status.noNewPrivsApplied && !status.landlockApplied && !status.capsApplied && !status.seccomp.installed
            && status.capabilities == status.capabilitiesBefore {
            status.enforcement = nil
            status.netEnforced = []
            status.fsEnforced = []
            status.scopesEnforced = []
            status.flagsEnforced = []
        }
    }

    /// What this ruleset requests, into a status.
    private func fillRequest(_ status: inout RestrictionStatus) {
        status.netRequested = handledNet
        status.fsRequested = handledFS
        status.scopesRequested = scopes
        status.capsRequested = keptCapabilities != nil
        status.capsKept = keptCapabilities ?? []
        status.capsOptions = capabilityOptions
        status.socketsRequested = socketsHandled
        status.socketRules = socketRules.count
    }

    /// A call that failed before planning still reports the kernel it ran on
    /// and what was requested.
    private func fillKernelFacts(_ status: inout RestrictionStatus) {
        if status.enforcement == nil && status.netRequested.isEmpty && status.fsRequested.isEmpty
            && status.scopesRequested.isEmpty && !status.capsRequested && !status.socketsRequested {
            fillRequest(&status)
        }
        if status.landlockABI == 0 {
            status.landlockABI = kernelLandlockABI
            status.landlockErrata = kernelLandlockErrata()
        }
        if status.threadCount == 0 { status.threadCount = Int(max(nf_thread_count(), 0)) }
    }

    private static func recordFailure(_ result: nf_apply_result, into status: inout RestrictionStatus) {
        if !status.seccomp.installed {
            // Nothing of the planned filter is in force.
            status.seccomp = SeccompStatus()
        }
        if !status.landlockApplied {
            status.netEnforced = status.seccomp.installed ? status.netEnforced.intersection(.listenTCP) : []
            status.fsEnforced = []
            status.scopesEnforced = []
            status.flagsEnforced = []
        } else if !status.seccomp.installed {
            status.netEnforced.remove(.listenTCP)
        }
        status.enforcement = status.capsApplied || status.landlockApplied ? .partiallyEnforced : .notEnforced
    }

    /// Everything the apply sequence needs, prepared in advance and owned
    /// here (kernel ruleset fd, capability sets, BPF program, supervisor socket).
    /// (Unchecked exclusivity as for the ruleset's own properties: only the ruleset's apply and spawn
    /// paths, `withPlan` and `deinit` touch these, one property at a time.)
    final class Prepared {
        @exclusivity(unchecked) var apply = nf_apply_plan()
        @exclusivity(unchecked) var rulesetFD: Int32 = -1
        @exclusivity(unchecked) var program = nf_bpf_program()
        @exclusivity(unchecked) var hasSeccomp = false
        @exclusivity(unchecked) var supervisorSock: Int32 = -1

        init() {
            apply.landlock_fd = -1
            apply.supervisor_sock = -1
        }

        deinit {
            if rulesetFD >= 0 { nf_close(rulesetFD) }
            if supervisorSock >= 0 { nf_close(supervisorSock) }
            nf_caps_free(apply.caps_working)
            nf_caps_free(apply.caps_final)
            nf_seccomp_free(&program)
        }

        /// Calls `body` with the apply plan, its seccomp program pointer valid inside.
        func withPlan<R>(_ body: (UnsafePointer<nf_apply_plan>) -> R) -> R {
            withUnsafePointer(to: &program) { programPointer in
                apply.seccomp = hasSeccomp ? programPointer : nil
                defer { apply.seccomp = nil }
                return withUnsafePointer(to: &apply) { body($0) }
            }
        }
    }

    /// The capability sets of the apply sequence, allocated now. (Out of line, as
    /// ``startListenSupervisor(_:prepared:forSpawn:flags:status:)``.)
    @inline(never)
    private static func prepareCapabilities(_ caps: CapabilityPlan, into prepared: Prepared) throws(NetFenceError) {
        prepared.apply.caps_working = nf_caps_new(caps.working.rawValue, caps.working.rawValue, caps.inheritable.rawValue)
        prepared.apply.caps_final = nf_caps_new(caps.final.rawValue, caps.final.rawValue, caps.inheritable.rawValue)
        // The same sets as masks: the spawn child applies them with raw capset(2).
        prepared.apply.caps_working_set = caps.working.rawValue
        prepared.apply.caps_final_set = caps.final.rawValue
        prepared.apply.caps_inheritable = caps.inheritable.rawValue
        if prepared.apply.caps_working == nil || prepared.apply.caps_final == nil {
            throw NetFenceError(code: .outOfMemory, message: "cap_init: out of memory")
        }
        prepared.apply.bounding_drop = caps.boundingDrop.rawValue
        prepared.apply.ambient_raise = caps.ambientRaise.rawValue
        if let bits = caps.securebits {
            prepared.apply.set_securebits = 1
            prepared.apply.securebits = bits
        }
    }

    /// Starts the per-port listen supervisor, or falls back to denying every listen(). (Out of
    /// line: the common apply path keeps a small stack frame; see ``NetFenceError/invalid(_:)``.)
    @inline(never)
    private func startListenSupervisor(_ seccomp: inout SeccompPlan, prepared: Prepared, forSpawn: Bool,
                                       flags seccompFlags: inout UInt32, status: inout RestrictionStatus) throws(NetFenceError) {
        let bitmap = ports.bitmap(of: .listenTCP)
        var pid: Int32 = 0
        var sock: Int32 = -1
        let caps = prepared.apply.caps_final
        // The kernel allows one notification listener per filter chain
        // (EBUSY for a second): with filters already attached, one of
        // them may hold it, and we would only learn so after no_new_privs.
        let existing = nf_seccomp_filter_count()
        let rc = existing > 0 ? -EBUSY : bitmap.withUnsafeBufferPointer {
            nf_supervisor_start($0.baseAddress, seccomp.allowUnboundListen ? 1 : 0, caps, forSpawn ? 0 : 1, &sock, &pid)
        }
        if rc == 0 {
            prepared.supervisorSock = sock
            status.seccomp.supervisorPID = pid
            seccompFlags |= UInt32(NF_SECCOMP_FILTER_FLAG_NEW_LISTENER)
            // TSYNC and a listener together need TSYNC_ESRCH (Linux 5.7).
            if seccompFlags & UInt32(NF_SECCOMP_FILTER_FLAG_TSYNC) != 0 {
                seccompFlags |= UInt32(NF_SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
            }
        } else {
            let why = existing > 0 ? "\(existing) seccomp filter(s) are already attached and the kernel allows one notification listener per filter chain"
                : String(cString: nf_strerror(-rc))
            let reason = "listen rules: the supervisor could not start (\(why)), so every listen() is denied"
            if compatibility == .hardRequirement {
                throw NetFenceError(code: .notSupported, message: "hard requirement not met: " + reason)
            }
            // Fail closed: deny every listen().
            seccomp = SeccompPlan(socketsHandled: socketsHandled, socketRules: socketRules,
                                  blockTCPBypass: seccomp.features.contains(.tcpBypassBlocked),
                                  listen: .denyAll, allowUnboundListen: false,
                                  blockFastOpen: seccomp.blockFastOpen)
            seccomp.features.insert(.listenFailClosed)
            status.seccomp.listenMode = .denyAll
            status.seccomp.features = seccomp.features
            status.dropped.append(reason)
            // The listen rules are not in force (stricter: all denied).
            if status.enforcement == .fullyEnforced { status.enforcement = .partiallyEnforced }
        }
    }

    /// Prepares everything before the first irreversible step.
    private func prepare(_ plan: Plan, seccompThreadSync: Bool, forSpawn: Bool = false,
                         status: inout RestrictionStatus) throws(NetFenceError) -> Prepared {
        let prepared = Prepared()
        if plan.applyLandlock {
            prepared.rulesetFD = try buildKernelRuleset(plan, status: &status)
        }
        prepared.apply.landlock_fd = prepared.rulesetFD
        prepared.apply.landlock_flags = plan.kernelFlags
        prepared.apply.no_new_privs = 1
        if let caps = plan.capabilities { try Self.prepareCapabilities(caps, into: prepared) }

        // The seccomp filter, compiled now; per-port listen starts its supervisor now.
        if var seccomp = plan.seccomp {
            var seccompFlags: UInt32 = seccompThreadSync ? UInt32(NF_SECCOMP_FILTER_FLAG_TSYNC) : 0
            if seccomp.listen == .perPort {
                try startListenSupervisor(&seccomp, prepared: prepared, forSpawn: forSpawn, flags: &seccompFlags, status: &status)
            }
            prepared.program = try seccomp.compile()
            prepared.hasSeccomp = true
            status.seccomp.instructions = Int(prepared.program.length)
            prepared.apply.seccomp_flags = seccompFlags
        }
        prepared.apply.supervisor_sock = prepared.supervisorSock
        return prepared
    }

    // MARK: Spawn

    /// The C ABI's spawn entry point: runs `path` in a new process restricted
    /// by this ruleset. The ruleset is not spent and may spawn again.
    package func spawn(path: String, argv: [String], envp: [String]?, status: inout RestrictionStatus) throws(NetFenceError) -> Int32 {
        do {
            return try spawnReporting(path: path, argv: argv, envp: envp, status: &status)
        } catch {
            reportFailure(&status)
            throw error
        }
    }

    private func spawnReporting(path: String, argv: [String], envp: [String]?, status: inout RestrictionStatus) throws(NetFenceError) -> Int32 {
        let flags = try validateForApply(rawFlags: 0)
        if argv.isEmpty { throw .invalid("argv is empty: it needs at least the program name") }
        try checkCStrings(argv, "argv")
        if let envp { try checkCStrings(envp, "envp") }
        let executable = try Self.resolveExecutable(path, environment: envp)
        let plan = try self.plan(flags: flags, status: &status)
        // The child is single-threaded: every layer covers it entirely.
        status.threadCount = 1
        status.allThreads = plan.apply
        // A soft requirement not met: the child runs with nothing applied,
        // not even no_new_privs (an empty plan).
        let prepared = plan.apply ? try prepare(plan, seccompThreadSync: false, forSpawn: true, status: &status) : Prepared()
        var result = nf_apply_result()
        var pid: Int32 = 0
        let rc = withCStringArray(argv) { argvPointer in
            withEnvironment(envp) { envpPointer in
                executable.withCString { pathPointer in
                    var request = nf_spawn_request()
                    request.path = pathPointer
                    request.argv = argvPointer
                    request.envp = envpPointer
                    request.supervisor_pid = status.seccomp.supervisorPID
                    return prepared.withPlan { nf_spawn($0, &request, &result, &pid) }
                }
            }
        }
        if rc < 0 {
            if result.failed_step == 0 { throw .system(rc, "creating the child (clone)") }
            status.capsApplied = result.done & UInt32(NF_STEP_CAPS_FINAL) != 0
            status.landlockApplied = result.done & UInt32(NF_STEP_LANDLOCK) != 0
            status.seccomp.installed = result.done & UInt32(NF_STEP_SECCOMP) != 0
            if result.failed_step == UInt32(NF_STEP_EXEC) {
                throw NetFenceError(code: NetFenceError.Code(rawValue: -result.error), message:
                    "the sandboxed child could not execute \"\(executable)\": \(String(cString: nf_strerror(-result.error))) (the child was reaped)")
            }
            var failure = NetFenceError.applyFailed(step: result.failed_step, errno: -result.error, done: result.done)
            failure = NetFenceError(code: failure.code, message: "in the child, " + failure.message + " (the child was reaped; nothing was executed)")
            throw failure
        }
        if result.supervisor_error != 0 {
            Self.recordSupervisorFailure(result.supervisor_error, in: " in the child", into: &status)
        }
        // Reported from the plan: the child applied every step, then exec'd.
        status.capsApplied = plan.apply && plan.changesCapabilities
        status.noNewPrivs = plan.apply || status.noNewPrivs
        status.landlockApplied = plan.apply && plan.applyLandlock
        status.seccomp.installed = prepared.hasSeccomp
        if plan.apply, let caps = plan.capabilities {
            var after = status.capabilitiesBefore
            after.effective = caps.final
            after.permitted = caps.final
            after.inheritable = caps.inheritable
            after.bounding = after.bounding.subtracting(caps.boundingDrop)
            after.ambient = caps.ambientRaise
            if let bits = caps.securebits { after.securebits = bits }
            status.capabilities = after
        }
        return pid
    }

    /// PATH search in the parent (execvpe is not async-signal-safe in the child).
    package static func resolveExecutable(_ path: String, environment: [String]?) throws(NetFenceError) -> String {
        if path.isEmpty { throw .invalid("empty path") }
        if path.contains("/") { return path }
        // A given environment decides alone (no PATH in it: the default); nil: this process's PATH.
        let given = environment.map { $0.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } }
            ?? getenv("PATH").map { String(cString: $0) }
        let pathVariable = given ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in pathVariable.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + path
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw NetFenceError(code: NetFenceError.Code(rawValue: ENOENT), message: "\"\(path)\" was not found in PATH")
    }

    package static func currentEnvironment() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }

    /// Creates the kernel ruleset and adds every rule; returns its fd.
    private func buildKernelRuleset(_ plan: Plan, status: inout RestrictionStatus) throws(NetFenceError) -> Int32 {
        var attr = nf_landlock_ruleset_attr(
            handled_access_fs: plan.kernelFS.rawValue,
            handled_access_net: plan.kernelNet.rawValue,
            scoped: plan.kernelScopes.rawValue)
        let fd = nf_landlock_create_ruleset(&attr, plan.rulesetAttrSize, 0)
        if fd < 0 { throw .system(fd, "landlock_create_ruleset") }
        var ok = false
        defer { if !ok { nf_close(fd) } }
        if plan.isolationDomain {
            var isDirectory: Int32 = 0
            let root = nf_open_path("/", &isDirectory)
            if root < 0 { throw .system(root, "cannot open \"/\"") }
            defer { nf_close(root) }
            let rc = nf_landlock_add_path_beneath_rule(fd, AccessFS.makeBlock.rawValue, root)
            if rc < 0 { throw .system(rc, "landlock_add_rule(path \"/\")") }
        }
        for rule in paths {
            let access = rule.access.intersection(plan.kernelFS)
            if access.isEmpty { continue }
            let rc = nf_landlock_add_path_beneath_rule(fd, access.rawValue, rule.fd)
            if rc < 0 { throw .system(rc, "landlock_add_rule(path \"\(rule.path)\")") }
            status.pathRules += 1
        }
        var portRules = 0
        var inetMissing = false
        try ports.forEachRule(for: plan.kernelNet) { (port: UInt64, access: UInt64) throws(NetFenceError) in
            if inetMissing { return }
            let rc = nf_landlock_add_net_port_rule(fd, access, port)
            if rc == -EAFNOSUPPORT {
                // A kernel without CONFIG_INET has no TCP/UDP to allow: the
                // kernel documentation says this can safely be ignored.
                inetMissing = true
                return
            }
            if rc < 0 { throw .system(rc, "landlock_add_rule(port \(port))") }
            portRules += 1
        }
        status.portRules = portRules
        ok = true
        return fd
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

/// Calls `body` with a NULL-terminated C array of the strings (valid only inside).
/// (Raw memory, not an array of optional pointers: that array type would be
/// instantiated through the runtime's demangler on first use in a process.)
package func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
    var count = 0
    for string in strings {
        (pointers + count).initialize(to: strdup(string))
        count += 1
    }
    (pointers + count).initialize(to: nil)
    defer {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
    return body(pointers)
}

/// Calls `body` with `environment` as a C array, or with this process's own
/// `environ` when it is nil (passed as is: no copy).
package func withEnvironment<R>(_ environment: [String]?, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    if let environment { return withCStringArray(environment, body) }
    return body(environ)
}

/// Refuses what would silently shorten an argv or envp: an embedded NUL.
func checkCStrings(_ strings: [String], _ what: String) throws(NetFenceError) {
    for string in strings where string.utf8.contains(0) {
        throw .invalid("\(what) has an element with an embedded NUL byte")
    }
}
