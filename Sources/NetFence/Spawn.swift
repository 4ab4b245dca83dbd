// SPDX-License-Identifier: MIT
import Glibc
import NetFenceSystem

extension Ruleset {
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
            throw ErrorContract.spawn.filter(failure)
        }
    }

    /// Runs `path` in a new process restricted by this ruleset; `status` is
    /// filled on failure too. The ruleset is not spent and may spawn again.
    func spawn(path: String, argv: [String], envp: [String]?, status: inout RestrictionStatus) throws(NetFenceError) -> Int32 {
        do {
            return try spawnReporting(path: path, argv: argv, envp: envp, status: &status)
        } catch {
            reportFailure(&status)
            throw error
        }
    }

    func spawnReporting(path: String, argv: [String], envp: [String]?, status: inout RestrictionStatus) throws(NetFenceError) -> Int32 {
        let flags: RestrictFlags = []
        try validateForApply(flags)
        if argv.isEmpty { throw .invalid("argv is empty: it needs at least the program name") }
        try checkCStrings(argv, "argv")
        if let envp { try checkCStrings(envp, "envp") }
        let executable = try ProcessSupport.resolveExecutable(path, environment: envp)
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
                throw NetFenceError(code: NetFenceError.Code(rawValue: -result.error), reason: .execFailed, message:
                    "the sandboxed child could not execute \"\(executable)\": \(String(cString: nf_strerror(-result.error))) (the child was reaped)")
            }
            let failure = NetFenceError.applyFailed(step: result.failed_step, errno: -result.error, done: result.done)
            throw failure.withMessage("in the child, " + failure.message + " (the child was reaped; nothing was executed)")
        }
        if result.supervisor_error != 0 {
            Self.recordSupervisorFailure(result.supervisor_error, in: " in the child", into: &status)
        }
        // Reported from the plan: the child applied every step, then exec'd.
        plan.reportAsApplied(&status, seccompLoaded: prepared.program != nil)
        return pid
    }
}
