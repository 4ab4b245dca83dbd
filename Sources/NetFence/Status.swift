// SPDX-License-Identifier: MIT

/// How much of the request is in force. C: `NETFENCE_ENFORCED_*`.
public enum EnforcementLevel: UInt32, Sendable {
    /// Everything requested is in force.
    case fullyEnforced = 1
    /// Part of it; compare the requested and enforced masks.
    case partiallyEnforced = 2
    /// Nothing of the Landlock request is in force.
    case notEnforced = 3
}

/// What ``Ruleset/restrictSelf(_:)`` applied. Mirrors the C `netfence_status`.
public struct RestrictionStatus: Equatable, Sendable, CustomStringConvertible {
    /// `nil` when the call failed before deciding.
    public var enforcement: EnforcementLevel?
    /// The kernel's Landlock ABI (> 0), or -ENOSYS / -EOPNOTSUPP.
    public var landlockABI: Int32 = 0
    /// The kernel's errata mask, or a negative errno when it cannot report one.
    public var landlockErrata: Int32 = 0
    /// Whether the Landlock domain was applied.
    public var landlockApplied = false
    /// Whether no_new_privs is set on the calling thread.
    public var noNewPrivs = false
    /// Whether every thread of the process is restricted.
    public var allThreads = false
    /// Threads in the process when the call checked.
    public var threadCount = 0
    public var flagsRequested: RestrictFlags = []
    public var flagsEnforced: RestrictFlags = []
    public var netRequested: AccessNet = []
    /// Rights in force; after a successful call it includes ``netAllPorts``.
    public var netEnforced: AccessNet = []
    /// Rights whose rules cover all 65536 ports: in force without any kernel rule.
    public var netAllPorts: AccessNet = []
    public var fsRequested: AccessFS = []
    public var fsEnforced: AccessFS = []
    public var scopesRequested: Scope = []
    public var scopesEnforced: Scope = []
    /// Kernel rules added (one per port after range expansion, one per path).
    public var portRules = 0
    public var pathRules = 0
    /// Whether capabilities were to be dropped (`keep_caps` called), and whether the drop completed.
    public var capsRequested = false
    public var capsApplied = false
    /// The capabilities asked to be kept, and the options.
    public var capsKept: CapabilitySet = []
    public var capsOptions: CapabilityOptions = []
    /// The calling thread's capabilities, read back after the call.
    public var capabilities = CapabilityState()
    /// Whether socket creation was handled, and how many allow rules were given.
    public var socketsRequested = false
    public var socketRules = 0
    /// The seccomp layer (socket allow-list, listen, bypasses).
    public var seccomp = SeccompStatus()
    /// Internal bookkeeping: whether this call set no_new_privs, and the
    /// capabilities before the call (to tell "nothing applied" apart).
    var noNewPrivsApplied = false
    var capabilitiesBefore = CapabilityState()
    /// One line per feature that was requested but is not in force, with the reason.
    public var dropped: [String] = []

    public init() {}

    public var description: String {
        var lines: [String] = []
        let level: String
        switch enforcement {
        case .fullyEnforced?: level = "full"
        case .partiallyEnforced?: level = "partial"
        case .notEnforced?: level = "none"
        case nil: level = "undecided"
        }
        lines.append("enforcement: \(level) (\(LandlockABI.describe(landlockABI)))")
        lines.append("landlock applied: \(landlockApplied ? "yes" : "no"), no_new_privs: \(noNewPrivs ? "yes" : "no")")
        lines.append("threads: \(threadCount), \(allThreads ? "all restricted" : "calling thread only")")
        lines.append("net: requested \(netRequested), enforced \(netEnforced)"
            + (netAllPorts.isEmpty ? "" : ", all ports allowed for \(netAllPorts)") + ", \(portRules) port rules")
        lines.append("fs: requested \(fsRequested), enforced \(fsEnforced), \(pathRules) path rules")
        lines.append("scopes: requested \(scopesRequested), enforced \(scopesEnforced)")
        lines.append("flags: requested \(flagsRequested), enforced \(flagsEnforced)")
        if capsRequested {
            lines.append("capabilities: keep \(capsKept)\(capsOptions.isEmpty ? "" : " (\(capsOptions))"), applied: \(capsApplied ? "yes" : "no")")
        }
        for line in capabilities.briefDescription.split(separator: "\n") { lines.append("  " + line) }
        for reason in dropped { lines.append("dropped: \(reason)") }
        return lines.joined(separator: "\n")
    }
}
