// SPDX-License-Identifier: MIT

/// How much of the request is in force.
///
/// The corresponding C constants are `NETFENCE_ENFORCED_*` (the `enforced` field of `netfence_status`).
public enum EnforcementLevel: UInt32, Sendable {
    /// Everything requested is in force.
    ///
    /// The corresponding C constant is `NETFENCE_ENFORCED_FULL`.
    case fullyEnforced = 1
    /// Part of it; compare the requested and enforced masks, and read ``RestrictionStatus/droppedItems``.
    ///
    /// The corresponding C constant is `NETFENCE_ENFORCED_PARTIAL`.
    case partiallyEnforced = 2
    /// Nothing requested is in force: no right, scope, socket allow-list or capability drop.
    ///
    /// The corresponding C constant is `NETFENCE_ENFORCED_NONE`.
    case notEnforced = 3
}

/// What ``Ruleset/restrictSelf(_:)`` (or ``Ruleset/spawn(_:arguments:environment:)``) applied.
///
/// Returned on success, and attached to the thrown ``NetFenceError`` on failure, when it says
/// what had been applied before the failure. It never claims more than was applied.
/// ``formatted(_:)`` renders it as text or JSON.
///
/// The corresponding C type is `netfence_status`.
public struct RestrictionStatus: Equatable, Sendable, CustomStringConvertible {
    /// How much is in force; `nil` when the call failed before deciding.
    ///
    /// The corresponding C field is `enforced` (0 for `nil`).
    public var enforcement: EnforcementLevel?
    /// The kernel's Landlock ABI (> 0), or -ENOSYS / -EOPNOTSUPP when Landlock is not built / disabled.
    ///
    /// The corresponding C field is `landlock_abi`.
    public var landlockABI: Int32 = 0
    /// The kernel's errata mask, or a negative errno when it cannot report one.
    ///
    /// The corresponding C field is `landlock_errata`.
    public var landlockErrata: Int32 = 0
    /// Whether a Landlock domain was applied.
    ///
    /// The corresponding C field is `landlock_applied`.
    public var landlockApplied = false
    /// Whether no_new_privs is set on the calling thread after the call.
    ///
    /// The corresponding C field is `no_new_privs`.
    public var noNewPrivs = false
    /// Whether the Landlock domain was added only to confine ptrace-style access
    /// (a ruleset whose only layer is seccomp). C: `landlock_isolation`.
    public var landlockIsolation = false
    /// Whether every thread of the process is covered by every layer applied.
    ///
    /// The corresponding C field is `all_threads`.
    public var allThreads = false
    /// Threads in the process when the call checked; 0 when `/proc/self/task` could not be read.
    ///
    /// The corresponding C field is `thread_count`.
    public var threadCount = 0
    /// The restrict flags asked for.
    ///
    /// The corresponding C field is `flags_requested`.
    public var flagsRequested: RestrictFlags = []
    /// The restrict flags in force: log flags only when a Landlock domain was applied at ABI 7 or
    /// newer; ``RestrictFlags/callingThreadOnly`` echoed when passed.
    ///
    /// The corresponding C field is `flags_enforced`.
    public var flagsEnforced: RestrictFlags = []
    /// The network rights handled by the ruleset.
    ///
    /// The corresponding C field is `net_requested`.
    public var netRequested: AccessNet = []
    /// The network rights in force; after a successful call it includes ``netAllPorts``.
    ///
    /// The corresponding C field is `net_enforced`.
    public var netEnforced: AccessNet = []
    /// Rights whose rules cover all 65536 ports: in force without any kernel rule.
    ///
    /// The corresponding C field is `net_all_ports`.
    public var netAllPorts: AccessNet = []
    /// The filesystem rights handled by the ruleset.
    ///
    /// The corresponding C field is `fs_requested`.
    public var fsRequested: AccessFS = []
    /// The filesystem rights in force.
    ///
    /// The corresponding C field is `fs_enforced`.
    public var fsEnforced: AccessFS = []
    /// The scopes asked for.
    ///
    /// The corresponding C field is `scopes_requested`.
    public var scopesRequested: Scope = []
    /// The scopes in force.
    ///
    /// The corresponding C field is `scopes_enforced`.
    public var scopesEnforced: Scope = []
    /// Kernel port rules added: one per port, after range expansion.
    ///
    /// The corresponding C field is `port_rules`.
    public var portRules = 0
    /// Kernel path rules added: one per path.
    ///
    /// The corresponding C field is `path_rules`.
    public var pathRules = 0
    /// Whether capabilities were to be dropped (``Ruleset/keepCapabilities(_:)`` was called).
    ///
    /// The corresponding C field is `caps_requested`.
    public var capsRequested = false
    /// Whether the capability drop completed (the final sets are in place).
    ///
    /// The corresponding C field is `caps_applied`.
    public var capsApplied = false
    /// The capabilities asked to be kept.
    ///
    /// The corresponding C field is `caps_kept`.
    public var capsKept: CapabilitySet = []
    /// The options of the capability drop.
    ///
    /// The corresponding C field is `caps_options`.
    public var capsOptions: CapabilityOptions = []
    /// The calling thread's capabilities, read back after the call. Read only when capabilities were
    /// to be dropped (``capsRequested``), else empty; for a spawned child, as planned.
    ///
    /// The corresponding C fields are `caps_effective` ... `caps_ambient` and `securebits`.
    public var capabilities = CapabilityState()
    /// Whether socket creation was handled (``Ruleset/handleSockets()``).
    ///
    /// The corresponding C field is `sockets_requested`.
    public var socketsRequested = false
    /// The number of distinct socket allow rules.
    ///
    /// The corresponding C field is `socket_rules`.
    public var socketRules = 0
    /// The seccomp layer: socket allow-list, listen restriction, bypass blocks.
    ///
    /// The corresponding C fields are `seccomp_installed`, `seccomp_features`, `seccomp_instructions`,
    /// `listen_mode` and `listen_supervisor_pid`.
    public var seccomp = SeccompStatus()
    /// Internal bookkeeping: whether this call set no_new_privs, and the
    /// capabilities before the call (to tell "nothing applied" apart).
    var noNewPrivsApplied = false
    var capabilitiesBefore = CapabilityState()
    /// One line per feature that was requested but is not in force, with the reason.
    ///
    /// ``droppedItems`` gives the same as structured items, as in the report.
    public var dropped: [String] = []

    /// An empty status: nothing requested, nothing in force, enforcement undecided.
    public init() {}

    /// A short summary, one line per layer. ``formatted(_:)`` gives the full report.
    /// The text report (``formatted(_:)`` with ``StatusFormat/text``).
    public var description: String {
        var text = formatted(.text)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
