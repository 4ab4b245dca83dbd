// SPDX-License-Identifier: MIT
//
// The C status struct (netfence_status) and RestrictionStatus, both ways. The
// struct is size-prefixed: a caller's `size` says how much of it exists
// (docs/api-stability.md), so only that much is written or read.
import NetFence
import NetFenceCHeader

func write(_ report: RestrictionStatus, to destination: UnsafeMutablePointer<netfence_status>) {
    var value = netfence_status()
    value.size = UInt32(MemoryLayout<netfence_status>.size)
    value.enforced = report.enforcement?.rawValue ?? 0
    value.landlock_abi = report.landlockABI
    value.landlock_applied = report.landlockApplied ? 1 : 0
    value.no_new_privs = report.noNewPrivs ? 1 : 0
    value.all_threads = report.allThreads ? 1 : 0
    value.thread_count = UInt32(clamping: report.threadCount)
    value.flags_requested = report.flagsRequested.rawValue
    value.flags_enforced = report.flagsEnforced.rawValue
    value.landlock_errata = report.landlockErrata
    value.net_requested = report.netRequested.rawValue
    value.net_enforced = report.netEnforced.rawValue
    value.net_all_ports = report.netAllPorts.rawValue
    value.fs_requested = report.fsRequested.rawValue
    value.fs_enforced = report.fsEnforced.rawValue
    value.scopes_requested = report.scopesRequested.rawValue
    value.scopes_enforced = report.scopesEnforced.rawValue
    value.port_rules = UInt64(report.portRules)
    value.path_rules = UInt64(report.pathRules)
    value.caps_requested = report.capsRequested ? 1 : 0
    value.caps_applied = report.capsApplied ? 1 : 0
    value.caps_options = report.capsOptions.rawValue
    value.securebits = report.capabilities.securebits
    value.caps_kept = report.capsKept.rawValue
    value.caps_effective = report.capabilities.effective.rawValue
    value.caps_permitted = report.capabilities.permitted.rawValue
    value.caps_inheritable = report.capabilities.inheritable.rawValue
    value.caps_bounding = report.capabilities.bounding.rawValue
    value.caps_ambient = report.capabilities.ambient.rawValue
    value.seccomp_installed = report.seccomp.installed ? 1 : 0
    value.seccomp_features = report.seccomp.features.rawValue
    value.sockets_requested = report.socketsRequested ? 1 : 0
    value.socket_rules = UInt32(clamping: report.socketRules)
    value.listen_mode = report.seccomp.listenMode.rawValue
    value.seccomp_instructions = UInt32(clamping: report.seccomp.instructions)
    value.listen_supervisor_pid = report.seccomp.supervisorPID
    value.landlock_isolation = report.landlockIsolation ? 1 : 0
    let callerSize = Int(destination.pointee.size)
    withUnsafeBytes(of: &value) { source in
        let count = min(callerSize, source.count)
        // Keep the caller's size field: it describes the caller's struct.
        UnsafeMutableRawPointer(destination).advanced(by: 4)
            .copyMemory(from: source.baseAddress!.advanced(by: 4), byteCount: count - 4)
    }
}

/// The inverse of write(_:to:), for netfence_status_format.
func read(_ value: netfence_status) -> RestrictionStatus {
    var report = RestrictionStatus()
    report.enforcement = EnforcementLevel(rawValue: value.enforced)
    report.landlockABI = value.landlock_abi
    report.landlockApplied = value.landlock_applied != 0
    report.noNewPrivs = value.no_new_privs != 0
    report.allThreads = value.all_threads != 0
    report.threadCount = Int(value.thread_count)
    report.flagsRequested = RestrictFlags(rawValue: value.flags_requested)
    report.flagsEnforced = RestrictFlags(rawValue: value.flags_enforced)
    report.landlockErrata = value.landlock_errata
    report.netRequested = AccessNet(rawValue: value.net_requested)
    report.netEnforced = AccessNet(rawValue: value.net_enforced)
    report.netAllPorts = AccessNet(rawValue: value.net_all_ports)
    report.fsRequested = AccessFS(rawValue: value.fs_requested)
    report.fsEnforced = AccessFS(rawValue: value.fs_enforced)
    report.scopesRequested = Scope(rawValue: value.scopes_requested)
    report.scopesEnforced = Scope(rawValue: value.scopes_enforced)
    report.portRules = Int(clamping: value.port_rules)
    report.pathRules = Int(clamping: value.path_rules)
    report.capsRequested = value.caps_requested != 0
    report.capsApplied = value.caps_applied != 0
    report.capsOptions = CapabilityOptions(rawValue: value.caps_options)
    report.capsKept = CapabilitySet(rawValue: value.caps_kept)
    report.capabilities.securebits = value.securebits
    report.capabilities.effective = CapabilitySet(rawValue: value.caps_effective)
    report.capabilities.permitted = CapabilitySet(rawValue: value.caps_permitted)
    report.capabilities.inheritable = CapabilitySet(rawValue: value.caps_inheritable)
    report.capabilities.bounding = CapabilitySet(rawValue: value.caps_bounding)
    report.capabilities.ambient = CapabilitySet(rawValue: value.caps_ambient)
    report.seccomp.installed = value.seccomp_installed != 0
    report.seccomp.features = SeccompFeatures(rawValue: value.seccomp_features)
    report.socketsRequested = value.sockets_requested != 0
    report.socketRules = Int(value.socket_rules)
    report.seccomp.listenMode = ListenMode(rawValue: value.listen_mode) ?? .off
    report.seccomp.instructions = Int(value.seccomp_instructions)
    report.seccomp.supervisorPID = value.listen_supervisor_pid
    report.landlockIsolation = value.landlock_isolation != 0
    return report
}

/// A malloc'd copy of `text` for the caller (freed with netfence_free).
