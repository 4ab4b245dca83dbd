// SPDX-License-Identifier: MIT
import NetFenceSystem

/// The system calls a ruleset's apply path makes, as replaceable functions.
///
/// ``live`` calls the system layer (NetFenceSystem). Unit tests give a ruleset another
/// layer (`ruleset.system = mock`), as swift-system mocks its syscalls, to drive the status
/// bookkeeping through kernels and failures the test machine does not have: an old ABI, other
/// threads, a kernel that refuses the seccomp step after Landlock was applied, ...
package struct SystemLayer {
    /// The kernel's Landlock ABI (> 0) or -errno.
    package var landlockABI: () -> Int32
    /// The kernel's Landlock errata mask (>= 0) or -errno.
    package var landlockErrata: () -> Int32
    /// The number of threads of this process, or -errno.
    package var threadCount: () -> Int32
    /// The io_uring kernel threads of this process: their count (or -errno) and names.
    package var ioUringThreads: () -> (count: Int32, names: String)
    /// no_new_privs of the calling thread: 0, 1, or -errno.
    package var noNewPrivs: () -> Int32
    /// The calling thread's capabilities.
    package var capabilities: () throws(NetFenceError) -> CapabilityState
    /// The effective user ID.
    package var effectiveUID: () -> UInt32
    /// landlock_create_ruleset(2): an fd, or -errno.
    package var createRuleset: (_ attr: UnsafePointer<nf_landlock_ruleset_attr>, _ size: Int) -> Int32
    /// landlock_add_rule(2) for one port: 0 or -errno.
    package var addPortRule: (_ rulesetFD: Int32, _ access: UInt64, _ port: UInt64) -> Int32
    /// landlock_add_rule(2) beneath a path: 0 or -errno.
    package var addPathRule: (_ rulesetFD: Int32, _ access: UInt64, _ pathFD: Int32) -> Int32
    /// The number of seccomp filters of the calling thread, or -errno.
    package var seccompFilterCount: () -> Int32
    /// The apply sequence (capabilities, no_new_privs, Landlock, seccomp).
    package var apply: (_ plan: UnsafePointer<nf_apply_plan>, _ result: UnsafeMutablePointer<nf_apply_result>) -> Void

    /// The real system.
    package static var live: SystemLayer { SystemLayer(
        landlockABI: { nf_kernel_landlock_abi() },
        landlockErrata: { nf_kernel_landlock_errata() },
        threadCount: { nf_thread_count() },
        ioUringThreads: {
            var names = [CChar](repeating: 0, count: 512)
            let count = nf_io_uring_threads(&names, names.count)
            return (count, String(decoding: names.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        },
        noNewPrivs: { nf_get_no_new_privs() },
        capabilities: { () throws(NetFenceError) in try CapabilityState.current() },
        effectiveUID: { nf_geteuid() },
        createRuleset: { attr, size in nf_landlock_create_ruleset(attr, size, 0) },
        addPortRule: { fd, access, port in nf_landlock_add_net_port_rule(fd, access, port) },
        addPathRule: { fd, access, pathFD in nf_landlock_add_path_beneath_rule(fd, access, pathFD) },
        seccompFilterCount: { nf_seccomp_filter_count() },
        apply: { plan, result in nf_apply(plan, result) }) }
}
