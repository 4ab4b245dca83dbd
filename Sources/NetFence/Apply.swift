// SPDX-License-Identifier: MIT
import Glibc
import NetFenceFilters
import NetFenceSystem

extension Ruleset {
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
            try restrictSelf(flags, status: &status)
        } catch {
            var failure = error
            failure.status = status
            throw ErrorContract.restrictSelf.filter(failure)
        }
        return status
    }


    /// What ``restrictSelf(_:)`` would put in force on this kernel, decided as best effort decides
    /// it, without applying anything: the ruleset is not spent and the process is unchanged.
    ///
    /// Use it to say what a sandbox will lack before starting it, or to refuse to start (what a
    /// hard requirement does, with the reasons item by item in ``RestrictionStatus/droppedItems``).
    /// What only applying can tell is not in it: other threads, and whether the per-port listen
    /// supervisor starts.
    ///
    /// - Parameter flags: As for ``restrictSelf(_:)``.
    /// - Returns: The status ``restrictSelf(_:)`` would return under best effort; ``RestrictionStatus/threadCount`` is 0.
    /// - Throws: ``NetFenceError/Code/invalidArgument`` (unknown flags, a ruleset that handles
    ///   nothing), ``NetFenceError/Code/alreadyEnforced``, or a failure to read the capabilities.
    public func preview(_ flags: RestrictFlags = []) throws(NetFenceError) -> RestrictionStatus {
        try validateForApply(flags)
        let before = keptCapabilities != nil ? try system.capabilities() : CapabilityState()
        let plan = compile(abi: system.landlockABI(), flags: flags, capabilities: before,
                           euid: keptCapabilities != nil ? system.effectiveUID() : 0, compatibility: .bestEffort)
        var status = plan.status
        status.landlockErrata = system.landlockErrata()
        status.capabilities = before
        status.capabilitiesBefore = before
        status.noNewPrivs = system.noNewPrivs() == 1
        plan.reportAsApplied(&status, seccompLoaded: plan.apply && plan.seccomp != nil)
        return status
    }

    typealias Code = NetFenceError.Code

    /// Enforces the ruleset; `status` is filled on failure too.
    func restrictSelf(_ flags: RestrictFlags, status: inout RestrictionStatus) throws(NetFenceError) {
        do {
            try restrictSelfReporting(flags, status: &status)
        } catch {
            reportFailure(&status)
            throw error
        }
    }

    /// Checks that apply to restrict_self and spawn alike.
    func validateForApply(_ flags: RestrictFlags) throws(NetFenceError) {
        try checkNotSpent()
        try flags.validate()
        if handledNet.isEmpty && handledFS.isEmpty && scopes.isEmpty && keptCapabilities == nil && !socketsHandled {
            throw .invalid("the ruleset handles nothing: handle a network or filesystem right, handle sockets, set a scope, or keep capabilities")
        }
    }

    /// Compiles the plan for this kernel and thread, and starts the status.
    func plan(flags: RestrictFlags, status: inout RestrictionStatus) throws(NetFenceError) -> Plan {
        // Capabilities are read only when they are to be changed: reading
        // them costs some 90 syscalls (bounding and ambient, one by one).
        let before = keptCapabilities != nil ? try system.capabilities() : CapabilityState()
        let plan = compile(abi: system.landlockABI(), flags: flags, capabilities: before,
                           euid: keptCapabilities != nil ? system.effectiveUID() : 0) // used only for a capability drop
        status = plan.status
        status.landlockErrata = system.landlockErrata()
        status.capabilities = before
        status.capabilitiesBefore = before
        status.noNewPrivs = system.noNewPrivs() == 1
        if let failure = plan.failure { throw failure }
        return plan
    }

    /// A layer that covers only the calling thread.
    enum PerThreadLayer {
        case capabilities, landlockWithoutTSYNC, noNewPrivs

        func reason(abi: Int32) -> String {
            switch self {
            case .capabilities: "capabilities are per thread"
            case .landlockWithoutTSYNC: "\(LandlockABI.describe(abi)) can only restrict the calling thread (TSYNC needs ABI 8)"
            case .noNewPrivs: "no_new_privs is per thread"
            }
        }
    }

    func restrictSelfReporting(_ flags: RestrictFlags, status: inout RestrictionStatus) throws(NetFenceError) {
        try validateForApply(flags)
        let abi = system.landlockABI()
        let threads = system.threadCount()
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
        // io_uring kernel threads act with the ring creator's credentials:
        // no layer reaches them, TSYNC and the calling-thread-only flag alike.
        if threads != 1 {
            let uring = system.ioUringThreads()
            if uring.count > 0 {
                if !flags.contains(.acceptIOUringThreads) { throw Self.ioUringError(uring.names) }
                status.allThreads = false
                status.dropped.append("io_uring kernel threads (\(uring.names)) are not restricted: they run ring operations with the credentials of the ring's creation")
                if status.enforcement == .fullyEnforced { status.enforcement = .partiallyEnforced }
            }
        }

        // TSYNC whenever other threads may exist (an unknown count included).
        let prepared = try prepare(plan, seccompThreadSync: threads != 1 && status.allThreads, status: &status)
        // Apply: capabilities, no_new_privs, Landlock, seccomp (one fixed C sequence).
        var result = nf_apply_result()
        prepared.withPlan { system.apply($0, &result) }
        status.capsApplied = result.done & UInt32(NF_STEP_CAPS_FINAL) != 0
        status.noNewPrivsApplied = result.done & UInt32(NF_STEP_NO_NEW_PRIVS) != 0
        status.noNewPrivs = system.noNewPrivs() == 1
        status.landlockApplied = result.done & UInt32(NF_STEP_LANDLOCK) != 0
        status.seccomp.installed = result.done & UInt32(NF_STEP_SECCOMP) != 0
        if result.supervisor_error != 0 { Self.recordSupervisorFailure(result.supervisor_error, into: &status) }
        if plan.changesCapabilities, let after = try? system.capabilities() { status.capabilities = after }
        if result.failed_step != 0 {
            Self.recordFailure(result, into: &status)
            throw NetFenceError.applyFailed(step: result.failed_step, errno: -result.error, done: result.done)
        }
        isEnforced = true
    }

    /// Why the apply refuses to run with io_uring kernel threads.
    static func ioUringError(_ names: String) -> NetFenceError {
        NetFenceError(code: .otherThreads, reason: .otherThreads, message:
            "io_uring kernel threads of this process (\(names)) run ring operations with the credentials of the ring's creation, which no restriction reaches: close the rings (or set them up without SQPOLL) before restricting, or pass the accept-io_uring-threads flag to accept it")
    }

    /// Why the apply refuses to run with other threads.
    static func threadError(threads: Int32, layer: PerThreadLayer, abi: Int32) -> NetFenceError {
        if threads < 0 {
            return NetFenceError(code: .otherThreads, message:
                "cannot count the threads of this process (/proc/self/task: \(String(cString: nf_strerror(-threads)))), so cannot prove the sandbox covers them; pass the calling-thread-only flag to accept restricting only this thread")
        }
        return NetFenceError(code: .otherThreads, message:
            "the process has \(threads) threads and \(layer.reason(abi: abi)); restrict before starting threads, or pass the calling-thread-only flag to accept it")
    }

    /// The listen supervisor did not get its notification fd: listen() fails closed (in `process`,
    /// "" for this one).
    static func recordSupervisorFailure(_ error: Int32, in process: String = "", into status: inout RestrictionStatus) {
        status.seccomp.features.insert(.listenFailClosed)
        if status.enforcement == .fullyEnforced { status.enforcement = .partiallyEnforced }
        status.dropped.append("listen rules: the supervisor did not get the notification fd (\(String(cString: nf_strerror(-error)))); every listen()\(process) fails with ENOSYS")
    }

    /// The status of a failed restrict_self or spawn: the kernel and the
    /// request are always there; when nothing was applied, nothing is claimed.
    func reportFailure(_ status: inout RestrictionStatus) {
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
    func fillRequest(_ status: inout RestrictionStatus) {
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
    func fillKernelFacts(_ status: inout RestrictionStatus) {
        if status.enforcement == nil && status.netRequested.isEmpty && status.fsRequested.isEmpty
            && status.scopesRequested.isEmpty && !status.capsRequested && !status.socketsRequested {
            fillRequest(&status)
        }
        if status.landlockABI == 0 {
            status.landlockABI = system.landlockABI()
            status.landlockErrata = system.landlockErrata()
        }
        if status.threadCount == 0 { status.threadCount = Int(max(system.threadCount(), 0)) }
    }

    static func recordFailure(_ result: nf_apply_result, into status: inout RestrictionStatus) {
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
    final class Prepared {
        var apply = nf_apply_plan()
        var rulesetFD: Int32 = -1
        /// The seccomp program; nil when no filter is loaded.
        var program: BPFProgram?
        var supervisorSock: Int32 = -1

        init() {
            apply.landlock_fd = -1
            apply.supervisor_sock = -1
        }

        deinit {
            if rulesetFD >= 0 { nf_close(rulesetFD) }
            if supervisorSock >= 0 { nf_close(supervisorSock) }
            nf_caps_free(apply.caps_working)
            nf_caps_free(apply.caps_final)
        }

        /// Calls `body` with the apply plan, its seccomp program pointer valid inside.
        func withPlan<R>(_ body: (UnsafePointer<nf_apply_plan>) -> R) -> R {
            var plan = apply
            guard let program else { return body(&plan) }
            return program.withInstructions { instructions, count in
                plan.seccomp = instructions
                plan.seccomp_length = UInt32(count)
                return body(&plan)
            }
        }
    }

    /// The capability sets of the apply sequence, allocated now.
    static func prepareCapabilities(_ caps: CapabilityPlan, into prepared: Prepared) throws(NetFenceError) {
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

    /// Starts the per-port listen supervisor, or falls back to denying every listen().
    func startListenSupervisor(_ seccomp: inout SeccompPlan, prepared: Prepared, forSpawn: Bool,
                                       flags seccompFlags: inout UInt32, status: inout RestrictionStatus) throws(NetFenceError) {
        let bitmap = ports.bitmap(of: .listenTCP)
        var pid: Int32 = 0
        var sock: Int32 = -1
        let caps = prepared.apply.caps_final
        // The kernel allows one notification listener per filter chain
        // (EBUSY for a second): with filters already attached, one of
        // them may hold it, and we would only learn so after no_new_privs.
        let existing = system.seccompFilterCount()
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
                throw NetFenceError(code: .notSupported, reason: .listenSupervisorUnavailable, message: "hard requirement not met: " + reason)
            }
            // Fail closed: deny every listen().
            seccomp.failClosedOnListen()
            status.seccomp.listenMode = .denyAll
            status.seccomp.features = seccomp.features
            status.dropped.append(reason)
            // The listen rules are not in force (stricter: all denied).
            if status.enforcement == .fullyEnforced { status.enforcement = .partiallyEnforced }
        }
    }

    /// Prepares everything before the first irreversible step.
    func prepare(_ plan: Plan, seccompThreadSync: Bool, forSpawn: Bool = false,
                         status: inout RestrictionStatus) throws(NetFenceError) -> Prepared {
        let prepared = Prepared()
        if plan.applyLandlock {
            prepared.rulesetFD = try buildKernelRuleset(plan, status: &status)
        }
        prepared.apply.landlock_fd = prepared.rulesetFD
        prepared.apply.landlock_flags = plan.kernelFlags
        prepared.apply.no_new_privs = 1
        if plan.changesCapabilities { try Self.prepareCapabilities(plan.capabilities, into: prepared) }

        // The seccomp filter, compiled now; per-port listen starts its supervisor now.
        if var seccomp = plan.seccomp {
            var seccompFlags: UInt32 = seccompThreadSync ? UInt32(NF_SECCOMP_FILTER_FLAG_TSYNC) : 0
            if seccomp.listen == .perPort {
                try startListenSupervisor(&seccomp, prepared: prepared, forSpawn: forSpawn, flags: &seccompFlags, status: &status)
            }
            let program = try seccomp.program()
            prepared.program = program
            status.seccomp.instructions = program.count
            prepared.apply.seccomp_flags = seccompFlags
        }
        prepared.apply.supervisor_sock = prepared.supervisorSock
        return prepared
    }


    func buildKernelRuleset(_ plan: Plan, status: inout RestrictionStatus) throws(NetFenceError) -> Int32 {
        var attr = nf_landlock_ruleset_attr(
            handled_access_fs: plan.kernelFS.rawValue,
            handled_access_net: plan.kernelNet.rawValue,
            scoped: plan.kernelScopes.rawValue)
        let fd = system.createRuleset(&attr, plan.rulesetAttrSize)
        if fd < 0 { throw .system(fd, "landlock_create_ruleset") }
        var ok = false
        defer { if !ok { nf_close(fd) } }
        if plan.isolationDomain {
            var isDirectory: Int32 = 0
            let root = nf_open_path("/", &isDirectory)
            if root < 0 { throw .system(root, "cannot open \"/\"") }
            defer { nf_close(root) }
            let rc = system.addPathRule(fd, AccessFS.makeBlock.rawValue, root)
            if rc < 0 { throw .system(rc, "landlock_add_rule(path \"/\")") }
        }
        for rule in paths {
            var access = rule.access.intersection(plan.kernelFS)
            if access.isEmpty { continue }
            // A path of allow(_:beneathWhenEnforced:) is opened now, added and closed.
            var pathFD: Int32
            if let held = rule.fd {
                pathFD = held
            } else {
                let opened = try Self.openPath(rule.path, access)
                pathFD = opened.fd
                access = opened.rights
            }
            defer { if rule.fd == nil { nf_close(pathFD) } }
            let rc = system.addPathRule(fd, access.rawValue, pathFD)
            if rc < 0 { throw .system(rc, "landlock_add_rule(path \"\(rule.path)\")") }
            status.pathRules += 1
        }
        var portRules = 0
        var inetMissing = false
        try ports.forEachRule(for: plan.kernelNet) { (port: UInt64, access: UInt64) throws(NetFenceError) in
            if inetMissing { return }
            let rc = system.addPortRule(fd, access, port)
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
