// SPDX-License-Identifier: MIT
import Glibc
import NetFenceSystem

extension Ruleset {
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
        /// The capability drop; meaningful only when ``changesCapabilities``.
        var capabilities = CapabilityPlan()
        var seccomp: SeccompPlan?
        /// A Landlock domain only to confine ptrace-style access (see below).
        var isolationDomain = false

        /// Whether capabilities are changed (``Ruleset/keepCapabilities(_:)`` was called).
        var changesCapabilities = false

        /// Fills `status` as it is once every step of this plan is applied, told from the plan
        /// rather than read back: a spawned child's report, and ``Ruleset/preview(_:)``.
        func reportAsApplied(_ status: inout RestrictionStatus, seccompLoaded: Bool) {
            status.capsApplied = apply && changesCapabilities
            status.noNewPrivs = apply || status.noNewPrivs
            status.landlockApplied = apply && applyLandlock
            status.seccomp.installed = seccompLoaded
            if apply && changesCapabilities {
                var after = status.capabilitiesBefore
                after.effective = capabilities.final
                after.permitted = capabilities.final
                after.inheritable = capabilities.inheritable
                after.bounding = after.bounding.subtracting(capabilities.boundingDrop)
                after.ambient = capabilities.ambientRaise
                if let bits = capabilities.securebits { after.securebits = bits }
                status.capabilities = after
            }
        }
    }

    /// - Parameter level: The compatibility level to decide with; nil: the ruleset's own.
    func compile(abi: Int32, flags: RestrictFlags,
                 capabilities current: CapabilityState = CapabilityState(), euid: UInt32 = 0,
                 compatibility level: CompatibilityLevel? = nil) -> Plan {
        let compatibility = level ?? self.compatibility
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
            plan.changesCapabilities = true
        }

        // The seccomp layer: socket allow-list, listen restriction, and the
        // TCP bypasses (MPTCP/SCTP/SMC, io_uring, foreign syscall ABIs).
        let listenHandled = handledNet.contains(.listenTCP) && !plan.status.netAllPorts.contains(.listenTCP)
        let tcpInKernel = tcpGaps == .closed && !plan.kernelNet.isDisjoint(with: [.bindTCP, .connectTCP])
        if socketsHandled || listenHandled || tcpInKernel {
            // MPTCP, SCTP and SMC sockets bind, connect and listen on real TCP
            // ports unseen by the TCP rights: closed with the TCP rights and
            // with the listen restriction alike.
            plan.seccomp = SeccompPlan(socketsHandled: socketsHandled, socketRules: socketRules,
                                       blockTCPBypass: tcpInKernel || (tcpGaps == .closed && listenHandled),
                                       listen: listenHandled ? (ports.hasRules(for: .listenTCP) ? .perPort : .denyAll) : .off,
                                       allowUnboundListen: ports.contains(.listenTCP, port: 0),
                                       blockFastOpen: tcpGaps == .closed && plan.kernelNet.contains(.connectTCP))
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

        let dropped = landlockDropped + capabilityDropped
        plan.status.dropped = dropped
        if !dropped.isEmpty && compatibility != .bestEffort {
            return Self.unmetRequirement(compatibility, status: plan.status, abi: abi,
                                         landlockDropped: landlockDropped, capabilityDropped: capabilityDropped)
        }

        plan.apply = true
        plan.status.flagsEnforced.formUnion(flags.intersection([.callingThreadOnly, .acceptIOUringThreads]))
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

    /// What the kernel's Landlock lacks, in words.
    static func missingOnKernel(abi: Int32, net: AccessNet, fs: AccessFS, scopes: Scope, log: RestrictFlags) -> [String] {
        let kernelName = LandlockABI.describe(abi)
        var dropped: [String] = []
        if !net.isEmpty { dropped.append("network rights \(net): need a newer kernel than \(kernelName)") }
        if !fs.isEmpty { dropped.append("filesystem rights \(fs): need a newer kernel than \(kernelName)") }
        if !scopes.isEmpty { dropped.append("scopes \(scopes): need Landlock ABI 6, have \(kernelName)") }
        if !log.isEmpty { dropped.append("restrict flags \(log): need Landlock ABI 7, have \(kernelName)") }
        return dropped
    }

    /// The plan of a hard or soft requirement that is not met: nothing applied, and for a hard
    /// requirement the error.
    static func unmetRequirement(_ compatibility: CompatibilityLevel, status: RestrictionStatus, abi: Int32,
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
            failure = unavailable.withMessage(unavailable.message
                + (capabilityDropped.isEmpty ? "" : "; also: " + capabilityDropped.joined(separator: "; ")))
        } else {
            let onlyPrivileges = landlockDropped.isEmpty
            failure = NetFenceError(code: onlyPrivileges ? Code(rawValue: EPERM) : .notSupported,
                                    reason: onlyPrivileges ? .privilegesMissing : .featureMissing,
                                    message: "hard requirement not met: " + dropped.joined(separator: "; "))
        }
        return Plan(status: status, failure: failure)
    }
}
